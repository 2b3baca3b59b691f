/**
 * docs/report.png, the README's picture of a report: `losscalc --report` on the report fixture
 * (scripts/make_report_fixtures.py), opened in headless Chromium by the browser test's helper
 * and screenshot whole. Run after a build: `npm run screenshot`.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspectReport } from '../test/browser/chromium.mjs';

const root = join(import.meta.dirname, '..');
const bin = join(root, 'bin', 'losscalc.cjs');
const fixture = (name) => join('fixtures', 'report', name);
const html = join(mkdtempSync(join(tmpdir(), 'losscalc-screenshot-')), 'report.html');
// with the metrics, so that the page shows them and the reliability diagram
execFileSync(process.execPath, [bin, 'cross-entropy', fixture('img-logits.npy'), fixture('img-labels.npy'), '--expect', '1.2433', '--report', html, '--metrics'], {
  cwd: root,
  stdio: ['ignore', 'ignore', 'inherit'],
});
const png = join(root, 'docs', 'report.png');
const seen = await inspectReport(html, png, { width: 900 });
if (seen.pageErrors.length > 0 || seen.requests.length !== 1) throw new Error(`the report did not load cleanly: ${JSON.stringify(seen)}`);
console.log(`wrote ${png}`);
