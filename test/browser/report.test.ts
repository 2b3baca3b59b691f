/**
 * The --report page in a real browser: headless Chromium (the system's, driven by
 * puppeteer-core) opens a report made by the CLI on a fixture as a file:// URL, with every
 * request intercepted. It must load with no console error and no page error, ask for nothing
 * but itself, and draw as many bars, points and rows as --json of the same run gives. The
 * screenshot is left in a temporary folder, whose path the test prints. Without Chromium the
 * test is skipped, saying why.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, runCli } from '../helpers.js';
// a JavaScript module (no types): scripts/report-screenshot.mjs uses it too
import { findChromium, inspectReport } from './chromium.mjs';

const chromium: string | undefined = findChromium();
if (!chromium) console.warn('browser test skipped: no chromium found (apt-get install chromium, or set CHROMIUM to a Chromium or Chrome binary)');

interface Calibration {
  count: number[];
}

describe.skipIf(!chromium)('--report in headless Chromium', () => {
  it('loads with no error and no request, and draws what --json of the same run counts', { timeout: 120_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'losscalc-browser-'));
    const html = join(dir, 'report.html');
    const png = join(dir, 'report.png');
    const argv = ['cross-entropy', join(FIXTURES, 'report', 'img-logits.npy'), join(FIXTURES, 'report', 'img-labels.npy')];
    const r = await runCli([...argv, '--report', html, '--top', '10', '--json', '--expect', '1.2433', '--metrics']);
    expect(r.stderr).toBe('');
    const json = JSON.parse(r.stdout);
    const seen = await inspectReport(html, png, { chromium });
    console.log(`report screenshot: ${png}`);

    expect(seen.pageErrors).toEqual([]);
    expect(seen.consoleMessages.filter((m: { type: string }) => m.type === 'error')).toEqual([]);
    expect(seen.requests).toEqual([seen.url]);

    const c = seen.counts;
    expect(c.verdict).toBe(json.ok ? 'PASS' : 'FAIL');
    expect(c.histogram).toEqual({ bars: json.histogram.counts.length, declared: String(json.histogram.counts.length) });
    expect(c.perClass).toEqual({ loss: json.perClass.length, accuracy: json.perClass.length, leftOut: '0' });
    expect(c.worst).toEqual({ rows: json.worst.length, declared: String(json.worst.length) });
    // the samples predicted wrong, as the per-class accuracies count them; the 15 most frequent pairs drawn
    const pairs = Number(/of (\d+) samples predicted wrong/.exec(readFileSync(html, 'utf8'))![1]);
    expect(pairs).toBe(json.perClass.reduce((a: number, k: { count: number; accuracy: number }) => a + Math.round(k.count * (1 - k.accuracy)), 0));
    expect(c.confused.bars).toBe(15);
    expect(c.confused.declared).toBe('15');
    // the reliability diagram: a point for each calibration bin that holds samples
    const calibration: Calibration = json.metrics.state.calibration;
    const points = calibration.count.filter((n) => n > 0).length;
    expect(points).toBeGreaterThan(3);
    expect(c.reliability.points).toBe(points);
    expect(c.inputs).toBe(2);
    expect(c.scripts).toBe(0);
    // the screenshot is a PNG of the whole page
    expect(readFileSync(png).subarray(1, 4).toString()).toBe('PNG');
  });
});
