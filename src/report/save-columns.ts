/**
 * The per-sample file with its columns beside the loss (save.ts): CSV rows or JSON records of
 * `index`, `id` (under --id-column), `loss`, `label`, `predicted`, `p_label`, a window of
 * samples at a time; or the arrays of an .npz. An ignored target's predicted and p_label are
 * NaN in the windows: empty cells in CSV, null in JSON. Any other NaN (of a NaN logit) is
 * written as the loss's is: `nan` in CSV, "NaN" in JSON.
 */
import { IdReader, type IdColumn } from '../io/id-column.js';
import { numel } from '../tensor.js';
import type { Values } from '../values.js';
import { valueBlocks } from './blocks.js';
import { jsonNumber } from './json.js';
import type { NpzArray } from './save-npz.js';
import { sampleWindows, type SampleColumns, type SampleWindow } from './sample-columns.js';
import { formatNumber } from './table.js';

export interface SavedColumns extends SampleColumns {
  /** --id-column: where the ids are, one a row of the logits (dim 0). */
  ids?: IdColumn;
}

type Losses = Pick<Values, 'shape' | 'read' | 'dtype'>;

/**
 * Lines (or records) per string handed out: ~100 KB, which dies young; strings of 4096 lines
 * outlived V8's small young generation (heap.ts) and made the save half again as slow.
 */
const LINES = 1 << 10;

/** The .csv or .json file's text, in chunks of LINES samples. */
export function* recordChunks(ext: '.csv' | '.json', losses: Losses, columns: SavedColumns): Generator<string> {
  const csv = ext === '.csv';
  const ids = columns.ids && new IdSource(columns.ids, numel(losses.shape) / columns.logits.shape[0]);
  try {
    if (csv) yield `index,${ids ? 'id,' : ''}loss,label,predicted,p_label\n`;
    else yield '[';
    const line = csv ? csvLine : jsonRecord;
    for (const w of sampleWindows(losses as Values, columns)) {
      for (let from = 0; from < w.count; from += LINES) {
        let text = '';
        for (let k = from; k < Math.min(w.count, from + LINES); k++) text += line(w, k, ids?.id(w.first + k));
        yield text;
      }
    }
    yield csv ? '' : numel(losses.shape) > 0 ? '\n]\n' : ']\n';
  } finally {
    ids?.close();
  }
}

function csvLine(w: SampleWindow, k: number, id: string | undefined): string {
  const cell = (v: number) => (w.ignored[k] ? '' : formatNumber(v));
  const idCell = id === undefined ? '' : `${csvText(id)},`;
  // a NaN loss is written as the .csv of the losses alone writes it
  return `${w.first + k},${idCell}${formatNumber(w.loss[k])},${formatNumber(w.label[k])},${cell(w.predicted[k])},${cell(w.probability[k])}\n`;
}

/** A cell as CSV quotes it when it must (RFC 4180): a comma, a quote, a line break or surrounding spaces. */
function csvText(s: string): string {
  return /[",\r\n]|^\s|\s$/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

function jsonRecord(w: SampleWindow, k: number, id: string | undefined): string {
  const i = w.first + k;
  const v = (x: number) => JSON.stringify(jsonNumber(x));
  const orNull = (x: number) => (w.ignored[k] ? 'null' : v(x));
  const idField = id === undefined ? '' : `"id":${JSON.stringify(id)},`;
  return `${i === 0 ? '' : ','}\n{"index":${i},${idField}"loss":${v(w.loss[k])},"label":${v(w.label[k])},"predicted":${orNull(w.predicted[k])},"p_label":${orNull(w.probability[k])}}`;
}

/** The ids of samples in flat order: `perRow` samples share a row's id. */
class IdSource {
  private readonly reader: IdReader;
  private row = -1;
  private current = '';

  constructor(
    at: IdColumn,
    private readonly perRow: number,
  ) {
    this.reader = new IdReader(at);
  }

  id(sample: number): string {
    const row = Math.floor(sample / this.perRow);
    while (this.row < row) {
      this.current = this.reader.next();
      this.row++;
    }
    return this.current;
  }

  close(): void {
    this.reader.close();
  }
}

/** The .npz's arrays: the losses, and with `columns` their label, predicted and p_label, each a pass of its own. */
export function npzArrays(losses: Losses, columns: SavedColumns | undefined): NpzArray[] {
  const loss: NpzArray = { name: 'loss', shape: losses.shape, blocks: () => blocksOf(valueBlocks(losses as Values)) };
  if (!columns) return [loss];
  const column = (name: string, pick: (w: SampleWindow) => Float64Array): NpzArray => ({
    name,
    shape: losses.shape,
    blocks: function* () {
      for (const w of sampleWindows(losses as Values, columns)) yield pick(w);
    },
  });
  return [loss, column('label', (w) => w.label), column('predicted', (w) => w.predicted), column('p_label', (w) => w.probability)];
}

function* blocksOf(blocks: Iterable<[ArrayLike<number>, number]>): Generator<ArrayLike<number>> {
  for (const [block] of blocks) yield block;
}
