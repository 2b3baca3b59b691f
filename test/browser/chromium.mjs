/**
 * Opens a losscalc --report page in headless Chromium (the system's: puppeteer-core downloads
 * no browser), with every request but the page's own refused and recorded, and reads back
 * what a test checks: console messages and page errors, requests, the counted elements, and a
 * full-page screenshot. Shared by the browser test and scripts/report-screenshot.mjs.
 */
import { execFileSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';

/** The Chromium to drive: $CHROMIUM, else the first of the usual names on PATH; undefined when none. */
export function findChromium() {
  if (process.env.CHROMIUM) return process.env.CHROMIUM;
  for (const name of ['chromium', 'chromium-browser', 'google-chrome']) {
    try {
      return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim() || undefined;
    } catch {
      // not installed under this name
    }
  }
  return undefined;
}

/**
 * Loads `htmlPath` as a file:// URL, screenshots it to `pngPath` (full page, `width` CSS pixels
 * wide) and returns what the page did and holds.
 */
export async function inspectReport(htmlPath, pngPath, { chromium = findChromium(), width = 1000 } = {}) {
  if (!chromium) throw new Error('no Chromium found (install Debian\'s chromium, or set CHROMIUM)');
  const { default: puppeteer } = await import('puppeteer-core');
  const browser = await puppeteer.launch({
    executablePath: chromium,
    headless: true,
    // root in CI has no user namespace for the sandbox; /dev/shm may be small in a container
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu', '--no-first-run', '--disable-extensions'],
  });
  try {
    const page = await browser.newPage();
    await page.setViewport({ width, height: 800, deviceScaleFactor: 1 });
    const url = pathToFileURL(htmlPath).href;
    const consoleMessages = [];
    const pageErrors = [];
    const requests = [];
    page.on('console', (m) => consoleMessages.push({ type: m.type(), text: m.text() }));
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    await page.setRequestInterception(true);
    page.on('request', (request) => {
      requests.push(request.url());
      if (request.url() === url) request.continue();
      else request.abort();
    });
    await page.goto(url, { waitUntil: 'load' });
    const counts = await page.evaluate(() => {
      const one = (selector, attribute) => document.querySelector(selector)?.getAttribute(attribute) ?? null;
      const all = (selector) => document.querySelectorAll(selector).length;
      return {
        verdict: one('.banner', 'data-verdict'),
        histogram: { bars: all('.histogram rect.bar'), declared: one('.histogram', 'data-bars') },
        perClass: { loss: all('.per-class rect.bar.loss'), accuracy: all('.per-class rect.bar.accuracy'), leftOut: one('.per-class', 'data-left-out') },
        confused: { bars: all('.confused rect.bar'), declared: one('.confused', 'data-bars') },
        reliability: { points: all('.reliability circle.point'), declared: one('.reliability', 'data-points') },
        worst: { rows: all('table.worst tr.sample'), declared: one('table.worst', 'data-rows') },
        inputs: all('table.inputs tr.input'),
        svgs: all('svg'),
        scripts: all('script'),
      };
    });
    await page.screenshot({ path: pngPath, fullPage: true });
    return { url, consoleMessages, pageErrors, requests, counts };
  } finally {
    await browser.close();
  }
}
