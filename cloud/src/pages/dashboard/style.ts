/**
 * Dashboard CSS: readable on a laptop, high contrast, no web fonts (offline networks). The sign-in
 * page and the patient page build on it. One stylesheet, inlined and allowed by hash.
 */

/** The alerts panel. */
const ALERTS_CSS = `
#alerts { margin-bottom: 1.5rem; }
#alerts h2 { font-size: 1.1rem; margin: 0 0 .5rem; }
#alerts tr[data-severity="critical"] th { border-left: .35rem solid #cf222e; }
#alerts tr[data-severity="warning"] th { border-left: .35rem solid var(--warn); }
.severity { display: block; font-size: .85rem; font-weight: 600; }
tr[data-severity="critical"] .severity { color: #cf222e; }
tr[data-severity="warning"] .severity { color: var(--warn); }
.count { display: block; font-size: .85rem; color: var(--muted); }
.ack { display: flex; gap: .4rem; flex-wrap: wrap; }
.ack input { font: inherit; padding: .3rem .5rem; border: 1px solid var(--line); border-radius: .3rem; min-width: 10rem; }
`;

export const DASHBOARD_CSS = `
:root { color-scheme: light; --fg: #1b1f24; --muted: #57606a; --line: #d0d7de; --accent: #0b5cad; --warn: #8a4600; --fresh: #fff4c2; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--fg); background: #fff; }
header { display: flex; align-items: center; gap: 1rem; flex-wrap: wrap; padding: .75rem 1.25rem; border-bottom: 1px solid var(--line); }
h1 { font-size: 1.35rem; margin: 0; flex: 1 1 auto; }
#live-status { margin: 0; color: var(--muted); font-size: .95rem; }
#live-status[data-state="live"]::before { content: "●"; color: #1a7f37; margin-right: .35em; }
#live-status[data-state="reconnecting"]::before { content: "●"; color: #cf222e; margin-right: .35em; }
button { font: inherit; padding: .35rem .8rem; border: 1px solid var(--accent); border-radius: .3rem; background: #fff; color: var(--accent); cursor: pointer; }
button:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
main { padding: 1rem 1.25rem; overflow-x: auto; }
table { border-collapse: collapse; width: 100%; min-width: 52rem; }
caption { text-align: left; color: var(--muted); padding-bottom: .5rem; }
th, td { text-align: left; vertical-align: top; padding: .55rem .7rem; border-bottom: 1px solid var(--line); }
thead th { font-size: .9rem; color: var(--muted); font-weight: 600; }
tbody th { font-weight: 600; }
.name { display: block; }
.details { display: block; font-weight: 400; font-size: .85rem; color: var(--muted); }
.value { font-size: 1.25rem; font-weight: 600; font-variant-numeric: tabular-nums; }
.unit { color: var(--muted); }
time { display: block; font-size: .85rem; color: var(--muted); }
.flags { display: block; font-size: .85rem; color: var(--warn); }
td.empty { color: var(--muted); }
td.fresh { background: var(--fresh); transition: background 2s; }
.visually-hidden { position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
@media (prefers-reduced-motion: reduce) { td.fresh { transition: none; } }
${ALERTS_CSS}`;
