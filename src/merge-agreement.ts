/**
 * Parts that can be merged: computed the same way (the same mode, reduction and recorded
 * settings, settings.ts) and each input once. Two parts hold the same input when they share
 * a logits file and a labels file (by digest): a shard given twice, whose losses would count
 * twice. A coincidence in one operand alone (two shards whose labels happen to be equal) is not.
 */
import { InputError } from './errors.js';
import type { RecordedResult } from './merge-parts.js';
import type { PartMetrics } from './metrics/parse.js';
import { SETTING_NAMES, type ResultSettings, type WeightRecord } from './settings.js';

export function checkAgreement(parts: readonly RecordedResult[]): void {
  const [first] = parts;
  for (const p of parts.slice(1)) {
    const differs = (name: string, mine: string, theirs: string) =>
      new InputError(`${name} ${mine} differs from ${theirs} in ${nameOf(first, p)}`, p.source);
    if (p.mode !== first.mode) throw differs('mode', p.mode, first.mode);
    if (p.reduction !== first.reduction) throw differs('reduction', p.reduction, first.reduction);
    for (const key of Object.keys(SETTING_NAMES) as (keyof ResultSettings)[]) {
      const [mine, theirs] = [p.settings[key], first.settings[key]];
      if (!same(mine, theirs)) throw differs(SETTING_NAMES[key], show(mine, key), show(theirs, key));
    }
    checkMetricsAgree(first, p, differs);
  }
  refuseRepeats(parts);
}

/** --metrics in every part or none, with the same bins and the same ks. */
function checkMetricsAgree(first: RecordedResult, p: RecordedResult, differs: (name: string, mine: string, theirs: string) => InputError): void {
  const [mine, theirs] = [p.metrics, first.metrics];
  if (!mine !== !theirs) {
    const [has, lacks] = mine ? ['has', 'has none'] : ['has no', 'has them'];
    throw new InputError(`${has} "metrics" but ${nameOf(first, p)} ${lacks}: run every shard with the same --metrics flags`, p.source);
  }
  if (!mine || !theirs) return;
  const ks = (m: PartMetrics) => Object.keys(m.state.topkHits).join(', ') || 'none';
  if (mine.state.calibration.bins !== theirs.state.calibration.bins) throw differs('metrics bins', String(mine.state.calibration.bins), String(theirs.state.calibration.bins));
  if (ks(mine) !== ks(theirs)) throw differs('metrics topk', ks(mine), ks(theirs));
}

function refuseRepeats(parts: readonly RecordedResult[]): void {
  const byLogits = new Map<string, RecordedResult[]>();
  for (const p of parts) {
    const labels = new Set(p.inputs.labels);
    const logits = new Set(p.inputs.logits);
    for (const digest of logits) {
      const earlier = byLogits.get(digest)?.find((q) => q.inputs.labels.some((l) => labels.has(l)));
      if (earlier) throw new InputError(`is the same input as ${nameOf(earlier, p)}: a shard given twice`, p.source);
    }
    for (const digest of logits) byLogits.set(digest, [...(byLogits.get(digest) ?? []), p]);
  }
}

type Setting = ResultSettings[keyof ResultSettings];

const isWeight = (v: Setting): v is WeightRecord => typeof v === 'object' && v !== null;

function same(a: Setting, b: Setting): boolean {
  // -0 and 0 are one setting; NaN (a setting read from a hand-made part) equals NaN
  return isWeight(a) && isWeight(b) ? a.sha256 === b.sha256 : a === b || Object.is(a, b);
}

function show(v: Setting, key: keyof ResultSettings): string {
  if (v === null || v === undefined) return key === 'shift' ? 'absent' : 'none';
  if (isWeight(v)) return `sha256 ${v.sha256.slice(0, 12)}`;
  // recorded counted from the end, so that shards of other ranks agree: said so
  if (key === 'classDim') return v === -1 ? '-1 (the last)' : `${v} (counted from the end)`;
  return String(v);
}

/** `other` as `part`'s message names it: its file, or its line (of its file, if another). */
function nameOf(other: RecordedResult, part: RecordedResult): string {
  if (other.line === undefined) return other.file;
  return other.file === part.file ? `line ${other.line}` : `line ${other.line} of ${other.file}`;
}
