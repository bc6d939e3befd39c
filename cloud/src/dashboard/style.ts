/** Transitional: the dashboard moved to pages/dashboard/; the patient page still imports its stylesheet from here. */
export { DASHBOARD_CSS } from '../pages/dashboard/style.js';
