/**
 * The one French/English catalogue of every page, gateway and cloud: a namespace per page (and
 * `common`). Server-side page shells and browser bundles import the same objects, so a page is
 * rendered and updated with the same words; esbuild keeps only what a bundle imports.
 * Vital-sign labels are not here: they live with each vital in @telecart/devices' catalogue.
 */
import { admin } from './messages/admin.js';
import { agenda } from './messages/agenda.js';
import { common } from './messages/common.js';
import { consult } from './messages/consult.js';
import { dashboard } from './messages/dashboard.js';
import { home } from './messages/home.js';
import { invite } from './messages/invite.js';
import { join } from './messages/join.js';
import { login } from './messages/login.js';
import { mailbox } from './messages/mailbox.js';
import { notify } from './messages/notify.js';
import { nurse } from './messages/nurse.js';
import { patient } from './messages/patient.js';
import { refusals } from './messages/refusals.js';
import { report } from './messages/report.js';

export const CATALOGUE = {
  common,
  login,
  dashboard,
  patient,
  consult,
  nurse,
  agenda,
  notify,
  invite,
  join,
  home,
  report,
  mailbox,
  admin,
  refusals,
} as const;
export type Namespace = keyof typeof CATALOGUE;
