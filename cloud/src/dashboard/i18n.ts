/** Transitional: the dashboard moved to pages/dashboard/; the patient page still imports its Lang from here. */
export type { Lang } from '@telecart/ui';
