/** The trends page's CSS: the dashboard's, plus the chart grid. uPlot's own stylesheet comes from /assets. */
import { DASHBOARD_CSS } from '../dashboard/style.js';

export const PATIENT_PAGE_CSS = `${DASHBOARD_CSS}
header a { color: var(--accent); }
a.button { display: inline-block; padding: .35rem .8rem; border: 1px solid var(--accent); border-radius: .3rem; text-decoration: none; }
a:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
.details { margin: 0; }
#periods { display: flex; gap: .5rem; align-items: center; margin: .5rem 0 1rem; }
#periods button[aria-pressed="true"] { background: var(--accent); color: #fff; }
#charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(100%, 30rem), 1fr)); gap: 1.25rem; }
figure { margin: 0; border: 1px solid var(--line); border-radius: .4rem; padding: .6rem .8rem; min-width: 0; }
figure h3 { font-size: 1.05rem; margin: 0 0 .4rem; }
figure .chart { width: 100%; min-height: 14rem; }
figcaption { font-size: .85rem; color: var(--muted); margin-top: .4rem; }
.note { color: var(--warn); }
#trends-status[data-state="failed"] { color: var(--warn); }
section + section { margin-top: 1.5rem; }
#latest table { min-width: 0; max-width: 48rem; }
.u-legend { font-size: .85rem; }
`;
