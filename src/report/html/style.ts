/**
 * The page's one stylesheet: system font stacks only, light backgrounds, and for print no
 * backgrounds at all but the banner's, each section on a page of its own.
 */
export const STYLE = `
:root { color-scheme: light; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: #1b1f24; background: #fff; margin: 0 auto; padding: 24px; max-width: 980px; }
h1 { font-size: 22px; margin: 0 0 12px; }
h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid #d0d7de; padding-bottom: 4px; }
code, td.file, td.digest, td.num { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; font-size: 12px; }
td.digest { word-break: break-all; color: #57606a; }
table { border-collapse: collapse; margin: 8px 0; }
th, td { text-align: left; padding: 3px 10px 3px 0; vertical-align: top; }
thead th { border-bottom: 1px solid #d0d7de; }
tbody tr + tr td, tbody tr + tr th { border-top: 1px solid #eaeef2; }
td.num { text-align: right; }
.banner { font-size: 18px; padding: 10px 14px; border-radius: 6px; border: 2px solid; margin: 0 0 16px; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
.banner.pass { background: #dafbe1; border-color: #1a7f37; color: #0f5323; }
.banner.fail { background: #ffebe9; border-color: #cf222e; color: #82071e; }
.banner.none { background: #f6f8fa; border-color: #8c959f; color: #424a53; }
tr.check.fail td.verdict { color: #cf222e; font-weight: 600; }
tr.check.pass td.verdict { color: #1a7f37; font-weight: 600; }
.summary { display: flex; flex-wrap: wrap; gap: 8px 40px; }
.warnings li { color: #9a6700; }
figure.plot { margin: 8px 0 16px; }
figure svg { max-width: 100%; height: auto; font-size: 11px; }
figcaption { color: #57606a; font-size: 12px; max-width: 640px; }
.empty { color: #57606a; font-style: italic; }
svg .axis line { stroke: #57606a; }
svg text { fill: #1b1f24; }
svg text.tick, svg .tick text, svg text.value { fill: #57606a; }
svg text.title { font-weight: 600; }
svg .histogram rect.bar { fill: #0969da; }
svg rect.bar.loss { fill: #cf222e; }
svg rect.bar.accuracy { fill: #1a7f37; }
svg .confused rect.bar { fill: #8250df; }
svg line.diagonal { stroke: #8c959f; stroke-dasharray: 4 4; }
svg line.gap { stroke: #cf222e; stroke-width: 2; }
svg circle.point { fill: #0969da; fill-opacity: 0.75; stroke: #fff; }
@media print {
  body { padding: 0; max-width: none; font-size: 12px; }
  section { break-before: page; }
  section.section-head { break-before: auto; }
  figure, table { break-inside: avoid; }
}
`;
