/**
 * Who the specialists are and which carts each may see: configured accounts, checked against the
 * site map. A pattern is a gateway id, a prefix ending in `*`, or `*`.
 */
import { formatConfigIssue } from '@telecart/protocol';
import { type Permission, permissionsOf, type Role } from '../auth/permissions.js';
import { siteAcrRefusal } from '../auth/site-acr-policy.js';
import { checkTeleconsultAccounts, type SiteConfig, type SpecialistConfig } from './config.js';
import { tokenMatches, verifyPassword } from './passwords.js';
import { decryptTotpSecret } from './totp.js';

export interface Specialist {
  id: string;
  name: string;
  /** What the account is (auth/permissions.ts); 'specialist' for configured accounts that say nothing. */
  role: Role;
  /** Its role's permissions, plus audit.read with the configured audit right. */
  permissions: ReadonlySet<Permission>;
  /** May read every cart's audit trail (audit.read). */
  audit: boolean;
  /** The practitioner's RPPS number, when known. */
  rpps?: string;
  /** Their pool: appointments booked for the specialty without a name. */
  specialty?: string;
}

function matches(pattern: string, gatewayId: string): boolean {
  if (pattern === '*') return true;
  return pattern.endsWith('*') ? gatewayId.startsWith(pattern.slice(0, -1)) : pattern === gatewayId;
}

/** A configured account as code may give it: without a role it is a specialist. */
export type AccountConfig = Omit<SpecialistConfig, 'role'> & { role?: Role };

export class SpecialistDirectory {
  private readonly byId = new Map<string, AccountConfig>();
  private readonly sites = new Map<string, SiteConfig>();
  /** Decrypted TOTP secrets, in memory only. */
  private readonly totpSecrets = new Map<string, string>();

  /** `totpKey`: the key of teleconsult.totpKeyFile, needed when an account has `totp`. */
  constructor(
    specialists: readonly AccountConfig[],
    sites: readonly SiteConfig[] = [],
    private readonly totpKey?: Buffer,
  ) {
    const problems = checkTeleconsultAccounts(specialists, sites);
    if (problems.length > 0) throw new Error(problems.map(formatConfigIssue).join('; '));
    for (const s of sites) this.sites.set(s.id, s);
    for (const s of specialists) {
      this.byId.set(s.id, s);
      if (s.totp === undefined) continue;
      if (!totpKey) throw new Error(`teleconsult.specialists ${s.id}: totp is set but teleconsult.totpKeyFile is not`);
      this.totpSecrets.set(s.id, decryptTotpSecret(s.totp, s.id, totpKey));
    }
  }

  /**
   * Adds or replaces an account while the cloud runs (the administration API, after the store has
   * it): the next request of its logins sees the change, a disabled account is refused at once.
   */
  put(account: AccountConfig): void {
    const others = [...this.byId.values()].filter((s) => s.id !== account.id);
    const problems = checkTeleconsultAccounts([...others, account], [...this.sites.values()]);
    if (problems.length > 0) throw new Error(problems.map(formatConfigIssue).join('; '));
    this.byId.set(account.id, account);
    if (account.totp === undefined) this.totpSecrets.delete(account.id);
    else if (this.totpKey) this.totpSecrets.set(account.id, decryptTotpSecret(account.totp, account.id, this.totpKey));
  }

  /**
   * Adds or replaces a site while the cloud runs (the administration API, after the store has it):
   * the next request of an account of that site sees its carts.
   */
  putSite(site: SiteConfig): void {
    this.sites.set(site.id, site);
  }

  /** Whether the cart is one of the site's (its patterns match it). */
  siteHas(siteId: string, gatewayId: string): boolean {
    return this.sites.get(siteId)?.gateways.some((p) => matches(p, gatewayId)) ?? false;
  }

  /** The site as the directory holds it (administration). */
  site(id: string): SiteConfig | undefined {
    return this.sites.get(id);
  }

  /** The account as stored in the directory, disabled or not (administration). */
  config(id: string): AccountConfig | undefined {
    return this.byId.get(id);
  }

  /** The account's TOTP secret (base32), if it has a second factor. */
  totpSecret(id: string): string | undefined {
    return this.totpSecrets.get(id);
  }

  /** Whether any account has a second factor (the sign-in page then shows the code field). */
  get hasTotp(): boolean {
    return this.totpSecrets.size > 0;
  }

  get size(): number {
    return this.byId.size;
  }

  /** The account, or null when unknown or disabled: every way in (cookie, token, sign-in) goes through here. */
  get(id: string): Specialist | null {
    const s = this.byId.get(id);
    if (!s || s.disabled === true) return null;
    const role = s.role ?? 'specialist';
    const permissions = permissionsOf(role, { audit: s.audit });
    return {
      id: s.id,
      name: s.name,
      role,
      permissions,
      audit: permissions.has('audit.read'),
      ...(s.rpps !== undefined ? { rpps: s.rpps } : {}),
      ...(s.specialty !== undefined ? { specialty: s.specialty } : {}),
    };
  }

  /** Every account that may sign in, in configuration order. */
  all(): Specialist[] {
    return [...this.byId.keys()].flatMap((id) => this.get(id) ?? []);
  }

  /** Accounts configured with `disabled: true`. */
  disabledIds(): string[] {
    return [...this.byId.values()].filter((s) => s.disabled === true).map((s) => s.id);
  }

  /** Checks id + password; null if either is wrong (same cost whether the id exists or not). */
  async login(id: string, password: string): Promise<Specialist | null> {
    const s = this.byId.get(id);
    const ok = await verifyPassword(password, s?.passwordHash);
    return ok && s ? this.get(s.id) : null;
  }

  /** The account an OpenID Connect subject is configured for (specialists[].oidcSubject), if any. */
  byOidcSubject(subject: string): Specialist | null {
    for (const s of this.byId.values()) if (s.oidcSubject === subject) return this.get(s.id);
    return null;
  }

  /** The id of the disabled account an OpenID Connect subject is configured for, if any (to say why it is refused). */
  disabledBySubject(subject: string): string | undefined {
    for (const s of this.byId.values()) if (s.oidcSubject === subject && s.disabled === true) return s.id;
    return undefined;
  }

  /** The specialist an API token belongs to, if any. */
  byToken(token: string): Specialist | null {
    for (const s of this.byId.values()) if (s.tokenSha256 !== undefined && tokenMatches(token, s.tokenSha256)) return this.get(s.id);
    return null;
  }

  /** Whether the specialist may see (and join) the teleconsultations of this cart. */
  maySee(specialistId: string, gatewayId: string): boolean {
    const s = this.byId.get(specialistId);
    if (!s) return false;
    if (s.gateways.some((p) => matches(p, gatewayId))) return true;
    return s.sites.some((id) => this.sites.get(id)?.gateways.some((p) => matches(p, gatewayId)) ?? false);
  }

  /**
   * The first site this account reaches whose authentication policy a sign-in at `acr` does not meet
   * (null: a password or an API token), or null when every one is met (auth/site-acr-policy.ts).
   */
  acrRefusal(accountId: string, acr: string | null): { id: string; name: string; accept: string[] } | null {
    const s = this.byId.get(accountId);
    if (!s) return null;
    const site = siteAcrRefusal(s, this.sites.values(), acr);
    return site ? { id: site.id, name: site.name, accept: [...(site.acrAccept ?? [])] } : null;
  }

  /** Every gateway pattern the specialist's carts match (own patterns and their sites'). */
  patternsFor(specialistId: string): string[] {
    const s = this.byId.get(specialistId);
    if (!s) return [];
    return [...new Set([...s.gateways, ...s.sites.flatMap((id) => this.sites.get(id)?.gateways ?? [])])];
  }

  /** The configured site a cart belongs to (the first whose patterns match it). */
  siteOf(gatewayId: string): { id: string; name: string } | undefined {
    for (const site of this.sites.values()) if (site.gateways.some((p) => matches(p, gatewayId))) return { id: site.id, name: site.name };
    return undefined;
  }

  /** Whether some specialist of this specialty may see this cart (a pool appointment there has someone to answer it). */
  poolServes(specialty: string, gatewayId: string): boolean {
    for (const s of this.byId.values()) if (s.specialty === specialty && this.maySee(s.id, gatewayId)) return true;
    return false;
  }

  /** The configured sites, in configuration order. */
  siteList(): { id: string; name: string }[] {
    return [...this.sites.values()].map((s) => ({ id: s.id, name: s.name }));
  }

  hasSite(siteId: string): boolean {
    return this.sites.has(siteId);
  }

  /** Auditors see every cart's trail; others only their carts'. */
  mayAudit(specialistId: string): boolean {
    return this.get(specialistId)?.audit ?? false;
  }
}
