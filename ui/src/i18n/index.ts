export { CATALOGUE, type Namespace } from './catalogue.js';
// Each namespace on its own too: a browser bundle that imports one carries only that one.
export { admin } from './messages/admin.js';
export { agenda } from './messages/agenda.js';
export { common } from './messages/common.js';
export { consult } from './messages/consult.js';
export { dashboard } from './messages/dashboard.js';
export { home } from './messages/home.js';
export { invite } from './messages/invite.js';
export { join } from './messages/join.js';
export { login } from './messages/login.js';
export { mailbox } from './messages/mailbox.js';
export { notify } from './messages/notify.js';
export { nurse } from './messages/nurse.js';
export { patient } from './messages/patient.js';
export { type RefusalCode, refusals } from './messages/refusals.js';
export { report } from './messages/report.js';
export { format, isLang, LANGS, type Lang, type Message, type Messages, type TextsOf, textsIn } from './types.js';
