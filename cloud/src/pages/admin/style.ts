/** The administration page's additions to the dashboard stylesheet: tabs, forms in a column. */
import { DASHBOARD_CSS } from '../dashboard/style.js';

export const ADMIN_CSS = `${DASHBOARD_CSS}
main { padding: 1rem 1.25rem; }
[role="tablist"] { display: flex; gap: .5rem; margin: 1rem 0; }
[role="tab"][aria-selected="true"] { background: var(--accent); color: #fff; }
section form { display: grid; gap: .5rem; max-width: 32rem; margin: 1rem 0; }
section form label { display: grid; gap: .2rem; }
section input, section select { font: inherit; padding: .3rem .5rem; border: 1px solid var(--line); border-radius: .3rem; }
fieldset { border: 1px solid var(--line); border-radius: .3rem; }
td .row-actions { display: flex; gap: .3rem; flex-wrap: wrap; }
[role="status"] { min-height: 1.4em; font-weight: 600; }
`;
