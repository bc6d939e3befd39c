/**
 * Accounts kept in the cloud store (migration 17). At start the configuration's accounts
 * (teleconsult.specialists) are written to the store, so existing configurations keep working and a
 * changed one updates its account on restart; then every stored account (those the administration
 * API made too) fills the in-memory directory that each request asks. A change made by the
 * administration is written to the store first, then to the directory: it holds for the next request.
 */

import type { AccountRecord } from '../store/account-records.js';
import type { CloudStore } from '../store/cloud-store.js';
import type { NurseConfig, SiteConfig, SpecialistConfig } from '../teleconsult/config.js';
import type { AccountConfig } from '../teleconsult/specialists.js';

type AccountStore = Pick<CloudStore, 'saveAccount' | 'getAccount' | 'listAccounts'>;
type ConfiguredAccount = AccountConfig | SpecialistConfig;

/**
 * A configured nurse (teleconsult.nurses) as an account of role ehpad-nurse: the carts' nurse lists
 * are built from the accounts (nurses/service.ts); her badge is kept with her PIN (nurse_credentials).
 */
export function nurseAccountConfig(n: NurseConfig): AccountConfig {
  return {
    id: n.id,
    name: n.name,
    role: 'ehpad-nurse',
    gateways: n.gateways,
    sites: n.sites,
    audit: false,
    passwordHash: n.passwordHash,
    ...(n.totp !== undefined ? { totp: n.totp } : {}),
  };
}

/** The directory's view of a stored account. */
export function accountConfigOf(a: AccountRecord): AccountConfig {
  return {
    id: a.id,
    name: a.name,
    role: a.role,
    gateways: a.gateways,
    sites: a.sites,
    audit: a.audit,
    ...(a.rpps !== null ? { rpps: a.rpps } : {}),
    ...(a.email !== null ? { email: a.email } : {}),
    ...(a.phone !== null ? { phone: a.phone } : {}),
    ...(a.specialty !== null ? { specialty: a.specialty } : {}),
    ...(a.passwordHash !== null ? { passwordHash: a.passwordHash } : {}),
    ...(a.tokenSha256 !== null ? { tokenSha256: a.tokenSha256 } : {}),
    ...(a.totp !== null ? { totp: a.totp } : {}),
    ...(a.oidcSubject !== null ? { oidcSubject: a.oidcSubject } : {}),
    ...(a.disabledAt !== null ? { disabled: true } : {}),
  };
}

/**
 * Writes the configured accounts to the store (the configuration wins for what it says; an account
 * the administration disabled stays disabled until the administration enables it; one taken out of
 * the configuration is disabled) and answers every stored account for the directory.
 * Sites an administration-made account names that the configuration no longer has are left out,
 * with a warning, rather than stopping the cloud.
 */
export async function seedAccounts(
  store: AccountStore,
  configured: readonly ConfiguredAccount[],
  sites: readonly SiteConfig[],
  now: Date,
  warn: (message: string) => void,
): Promise<AccountConfig[]> {
  const at = now.toISOString();
  for (const c of configured) {
    const old = await store.getAccount(c.id);
    await store.saveAccount({
      id: c.id,
      name: c.name,
      role: c.role ?? 'specialist',
      rpps: c.rpps ?? null,
      email: c.email ?? null,
      phone: c.phone ?? null,
      sites: [...c.sites],
      gateways: [...c.gateways],
      specialty: c.specialty ?? null,
      audit: c.audit,
      passwordHash: c.passwordHash ?? null,
      tokenSha256: c.tokenSha256 ?? null,
      totp: c.totp ?? null,
      oidcSubject: c.oidcSubject ?? null,
      source: 'config',
      disabledAt: c.disabled === true ? (old?.disabledAt ?? at) : (old?.disabledAt ?? null),
      createdAt: old?.createdAt ?? at,
      updatedAt: at,
    });
  }
  // An account taken out of the configuration can no longer sign in: it stays, disabled, for the trail.
  const ids = new Set(configured.map((c) => c.id));
  for (const a of await store.listAccounts())
    if (a.source === 'config' && !ids.has(a.id) && a.disabledAt === null) {
      await store.saveAccount({ ...a, disabledAt: at, updatedAt: at });
      warn(`account ${a.id} is no longer in the configuration: disabled`);
    }
  const known = new Set(sites.map((s) => s.id));
  // Configuration order first (lists and pages show accounts in it), then the administration's, by id.
  const order = new Map(configured.map((c, i) => [c.id, i]));
  const stored = (await store.listAccounts()).sort((x, y) => (order.get(x.id) ?? order.size) - (order.get(y.id) ?? order.size));
  return stored.map((a) => {
    const gone = a.sites.filter((s) => !known.has(s));
    if (gone.length > 0) warn(`account ${a.id}: site ${gone.join(', ')} is no longer configured (teleconsult.sites); left out`);
    return accountConfigOf({ ...a, sites: a.sites.filter((s) => known.has(s)) });
  });
}
