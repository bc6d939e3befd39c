/**
 * The administration page: asks /api/specialist/me for the account's permissions, shows the tabs
 * they open (accounts.manage, carts.manage, patients.manage, sites.manage) and fills each from its API.
 */
import { byId } from '@telecart/ui/browser';
import { admin, isLang, textsIn } from '@telecart/ui/i18n';
import { startAccounts } from './accounts.js';
import { call } from './api.js';
import { startCarts } from './carts.js';
import { startNurseCredentials } from './nurse-credentials.js';
import { startPatients } from './patients.js';
import { startSites } from './sites.js';

const lang = isLang(document.documentElement.lang) ? document.documentElement.lang : 'fr';
const t = textsIn(admin, lang);
const status = byId('admin-status');

const TABS = [
  {
    id: 'accounts',
    permission: 'accounts.manage',
    start: (texts: typeof t) => {
      const nurses = startNurseCredentials(texts, lang);
      startAccounts(texts, nurses.reload);
    },
  },
  { id: 'carts', permission: 'carts.manage', start: startCarts },
  { id: 'patients', permission: 'patients.manage', start: startPatients },
  { id: 'sites', permission: 'sites.manage', start: startSites },
] as const;

function select(id: string): void {
  for (const tab of TABS) {
    const on = tab.id === id;
    byId(`tab-button-${tab.id}`).setAttribute('aria-selected', String(on));
    byId(`tab-${tab.id}`).hidden = !on;
  }
}

void call<{ specialist: { permissions: string[] } }>('GET', 'api/specialist/me').then((me) => {
  if (!me.ok) {
    status.textContent = t.error;
    return;
  }
  const open = TABS.filter((tab) => me.body.specialist.permissions.includes(tab.permission));
  status.textContent = open.length === 0 ? t.nothing : '';
  for (const tab of open) {
    const button = byId(`tab-button-${tab.id}`);
    button.hidden = false;
    button.addEventListener('click', () => select(tab.id));
    tab.start(t);
  }
  const first = open[0];
  if (first) select(first.id);
});
