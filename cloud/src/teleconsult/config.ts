/** The `teleconsult` section of the cloud configuration: specialist accounts, sites, timeouts, ICE servers, the TURN relay. */
import { CloneType, type Static, Type } from '@sinclair/typebox';
import { type ConfigIssue, IceServer } from '@telecart/protocol';
import { ROLES, rppsProblem } from '../auth/permissions.js';

const Id = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9_.@-]*$' });
/** Where appointment invitations and reminders go: an e-mail address, a mobile number (E.164), or both. */
export const Telecom = Type.Object(
  {
    email: Type.Optional(
      Type.String({
        pattern: '^[^@\\s<>]+@[^@\\s<>]+$',
        maxLength: 320,
        description: 'receives the invitation with its .ics and the reminders',
      }),
    ),
    phone: Type.Optional(
      Type.String({ pattern: '^\\+[1-9][0-9]{6,14}$', description: 'mobile number in E.164 (e.g. +33612345678): receives the SMS' }),
    ),
  },
  { additionalProperties: false },
);
export type Telecom = Static<typeof Telecom>;

const GatewayPattern = Type.String({
  minLength: 1,
  maxLength: 64,
  pattern: '^(\\*|[A-Za-z0-9][A-Za-z0-9_.-]*\\*?)$',
  description: 'a gateway id, a prefix ending in *, or * for every cart',
});

export const SpecialistConfig = Type.Object(
  {
    id: CloneType(Id, { description: 'login id, recorded in the audit trail' }),
    name: Type.String({ minLength: 1, maxLength: 128, description: 'shown to the nurse, e.g. "Dr Anne Roux (cardiologie)"' }),
    role: Type.Union(
      ROLES.map((r) => Type.Literal(r)),
      {
        default: 'specialist',
        description: 'what the account may do; the roles and their permissions are in docs/roles.md',
      },
    ),
    rpps: Type.Optional(
      Type.String({
        pattern: '^[0-9]{11}$',
        description: 'the practitioner’s RPPS number (11 digits, the last a Luhn key, checked at start)',
      }),
    ),
    specialty: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 64,
        description: 'e.g. "cardiologie": appointments booked for this specialty’s pool (no one named) are this specialist’s too',
      }),
    ),
    passwordHash: Type.Optional(
      Type.String({ pattern: '^\\$scrypt\\$', description: 'from `telecart cloud hash-password`; never the password itself' }),
    ),
    tokenSha256: Type.Optional(
      Type.String({
        pattern: '^[0-9a-f]{64}$',
        description: 'SHA-256 of an API token (Authorization: Bearer), from `telecart cloud specialist-token`',
      }),
    ),
    oidcSubject: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 256,
        description:
          'the value of auth.oidc.subjectClaim that names this clinician at the OpenID Connect provider (sub, RPPS-based SubjectNameID, …); without it the account cannot sign in with the provider',
      }),
    ),
    gateways: Type.Array(GatewayPattern, { default: [], maxItems: 1000, description: 'carts this specialist may see and join' }),
    sites: Type.Array(Id, { default: [], maxItems: 100, description: 'sites (below) whose carts this specialist may see' }),
    audit: Type.Boolean({ default: false, description: 'may read the audit trail (GET /api/audit) of every cart' }),
    totp: Type.Optional(
      Type.String({
        pattern: '^totp1\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$',
        maxLength: 256,
        description:
          'the account’s TOTP secret encrypted with teleconsult.totpKeyFile, from `telecart cloud totp-enroll <id>`; with it the password login also needs the 6-digit code',
      }),
    ),
    email: Type.Optional(
      Type.String({
        pattern: '^[^@\\s<>]+@[^@\\s<>]+$',
        maxLength: 320,
        description: 'receives the invitations (.ics) and reminders of appointments named to this specialist',
      }),
    ),
    phone: Type.Optional(
      Type.String({ pattern: '^\\+[1-9][0-9]{6,14}$', description: 'mobile number in E.164: receives the same messages by SMS' }),
    ),
    disabled: Type.Optional(
      Type.Boolean({
        description:
          'true: the account can no longer sign in (password, token, OpenID Connect) and its open logins are ended when the cloud starts with this configuration',
      }),
    ),
  },
  { additionalProperties: false },
);
export type SpecialistConfig = Static<typeof SpecialistConfig>;

/** A nurse of the nursing homes (role ehpad-nurse): signs in on the carts they work on (docs/nurse-sign-in.md). */
export const NurseConfig = Type.Object(
  {
    id: CloneType(Id, { description: 'account id, named in the audit trail and on the consent, assignments and calls' }),
    name: Type.String({ minLength: 1, maxLength: 128, description: 'shown on the cart and to the specialist, e.g. "Nadia Martin (IDE)"' }),
    passwordHash: Type.String({
      pattern: '^\\$scrypt\\$',
      description: 'from `telecart cloud hash-password`: the first full sign-in on a cart checks it (never the password itself)',
    }),
    totp: Type.Optional(
      Type.String({
        pattern: '^totp1\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$',
        maxLength: 256,
        description:
          'TOTP secret encrypted with teleconsult.totpKeyFile (`telecart cloud totp-enroll <id>`): the full sign-in also needs the code',
      }),
    ),
    badgeSha256: Type.Optional(
      Type.String({
        pattern: '^[0-9a-f]{64}$',
        description: "SHA-256 (hex) of the badge's UID as the reader sends it (upper-case hex): a tap signs the nurse in",
      }),
    ),
    gateways: Type.Array(GatewayPattern, { default: [], maxItems: 1000, description: 'carts this nurse works on' }),
    sites: Type.Array(Id, { default: [], maxItems: 100, description: 'sites whose carts this nurse works on' }),
  },
  { additionalProperties: false },
);
export type NurseConfig = Static<typeof NurseConfig>;

export const SiteConfig = Type.Object(
  {
    id: CloneType(Id, {
      description:
        'referenced by specialists[].sites; the first start writes the site to the store, which the administration page edits from then on (docs/configuration.md)',
    }),
    name: Type.String({ minLength: 1, maxLength: 128, description: 'display name' }),
    kind: Type.Optional(
      Type.Union([Type.Literal('ehpad'), Type.Literal('home')], {
        description: 'ehpad: a nursing home and its carts (the default); home: a home telemonitoring programme and its kits',
      }),
    ),
    gateways: Type.Array(GatewayPattern, { maxItems: 1000, description: "the site's carts" }),
    contact: Type.Optional(
      CloneType(Telecom, {
        description: "where invitations and reminders of appointments on the site's carts go (the nursing home's desk)",
      }),
    ),
    acrAccept: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 128, pattern: '^[\\x21-\\x7e]+$' }), {
        maxItems: 8,
        description:
          "the site's authentication policy: whoever reaches this site's carts signed in through the identity provider at one of these levels (acr, e.g. eidas2), checked at sign-in and at every request; absent or empty = auth.oidc.acr.accept alone",
      }),
    ),
  },
  { additionalProperties: false },
);
export type SiteConfig = Static<typeof SiteConfig>;

/** A TURN relay the cloud issues short-lived credentials for (TURN REST API, coturn's use-auth-secret). */
export const TurnRelayConfig = Type.Object(
  {
    urls: Type.Array(Type.String({ pattern: '^turns?:[^\\s]+$', maxLength: 256 }), {
      minItems: 1,
      maxItems: 4,
      description: 'the relay as both peers reach it, e.g. turn:turn.example.org:3478?transport=udp, turns:turn.example.org:5349',
    }),
    sharedSecretFile: Type.String({
      minLength: 1,
      maxLength: 1024,
      description:
        'file holding the secret the TURN server has as static-auth-secret (coturn: use-auth-secret); read at start, at least 16 characters',
    }),
    ttlSeconds: Type.Integer({
      minimum: 300,
      maximum: 172_800,
      default: 21_600,
      description: 'lifetime of the credentials of one act; TURN refreshes reuse them, so it must outlast the longest act',
    }),
  },
  { additionalProperties: false },
);
export type TurnRelayConfig = Static<typeof TurnRelayConfig>;

export const TeleconsultConfig = Type.Object(
  {
    specialists: Type.Array(SpecialistConfig, { default: [], maxItems: 10_000, description: 'accounts that may see and join calls' }),
    sites: Type.Array(SiteConfig, { default: [], maxItems: 1000, description: 'named groups of carts, granted to specialists at once' }),
    nurses: Type.Array(NurseConfig, {
      default: [],
      maxItems: 10_000,
      description: 'nurses who sign in on the carts (badge, PIN after a first full sign-in); published to each cart they work on',
    }),
    waitingTimeoutMinutes: Type.Number({
      exclusiveMinimum: 0,
      maximum: 24 * 60,
      default: 15,
      description: 'a call nobody joined within this time is closed as not done',
    }),
    forwardingUnit: Type.Object(
      {
        hostAddresses: Type.Optional(
          Type.Array(Type.String({ pattern: '^(25[0-5]|2[0-4]\\d|1?\\d?\\d)(\\.(25[0-5]|2[0-4]\\d|1?\\d?\\d)){3}$' }), {
            minItems: 1,
            maxItems: 16,
            description:
              "the addresses the forwarding unit (guests' media) offers as its ICE host candidates and receives on, e.g. the cloud host's public address; default: every interface of the host",
          }),
        ),
      },
      { default: {}, additionalProperties: false, description: "the cloud's forwarding unit, which carries guests' media" },
    ),
    appointmentWindowMinutes: Type.Object(
      {
        early: Type.Integer({ minimum: 0, maximum: 240, default: 15, description: 'a call this long before the slot starts takes it' }),
        late: Type.Integer({ minimum: 0, maximum: 240, default: 30, description: 'and this long after it started' }),
      },
      {
        additionalProperties: false,
        default: {},
        description:
          'a cart’s call for a patient with a scheduled appointment in this window around its start is that appointment (not a new act)',
      },
    ),
    noShowGraceMinutes: Type.Integer({
      minimum: 0,
      maximum: 24 * 60,
      default: 30,
      description:
        'an appointment nobody called is closed as not done (no-show) this long after its end (never before its call window closed)',
    }),
    appointmentReminders: Type.Object(
      {
        dayBeforeMinutes: Type.Integer({
          minimum: 0,
          maximum: 7 * 24 * 60,
          default: 24 * 60,
          description: 'the first reminder, this long before the start (0: none)',
        }),
        hourBeforeMinutes: Type.Integer({
          minimum: 0,
          maximum: 24 * 60,
          default: 60,
          description: 'the last reminder, this long before the start (0: none)',
        }),
        checkEverySeconds: Type.Integer({
          minimum: 5,
          maximum: 3600,
          default: 30,
          description: 'how often the cloud looks for invitations, cancellations and reminders to enqueue',
        }),
      },
      {
        additionalProperties: false,
        default: {},
        description: 'invitations and reminders of appointments, sent through the outbox (docs/notifications.md)',
      },
    ),
    connectTimeoutSeconds: Type.Number({
      exclusiveMinimum: 0,
      maximum: 600,
      default: 60,
      description: 'after a join, the media must come up within this time, else the act is not done',
    }),
    rejoinGraceSeconds: Type.Number({
      minimum: 0,
      maximum: 600,
      default: 60,
      description:
        'when the specialist’s page goes away during an act (reload, lost connection), the act waits this long for the same specialist to rejoin before it ends (specialist-lost); 0 ends it at once',
    }),
    leaseSeconds: Type.Number({
      minimum: 3,
      maximum: 300,
      default: 15,
      description:
        'several cloud instances on one store: each open act is held by one instance, which renews its lease every third of this; an instance gone (killed, cut off) has its acts taken over by another one within this time',
    }),
    loginHours: Type.Number({
      exclusiveMinimum: 0,
      maximum: 72,
      default: 12,
      description: 'lifetime of a specialist login, however much it is used',
    }),
    totpKeyFile: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 1024,
        description: 'file of the 32-byte key (64 hex characters) that encrypts specialists[].totp; read at start, keep it 0600',
      }),
    ),
    requireTotp: Type.Boolean({
      default: false,
      description:
        'the site policy: a password login without a second factor is refused (accounts without totp cannot use the password form)',
    }),
    loginIdleMinutes: Type.Number({
      minimum: 0,
      maximum: 72 * 60,
      default: 0,
      description: 'a login not used for this long ends (0 = only loginHours ends it); the idle clock restarts when the cloud does',
    }),
    iceServers: Type.Array(IceServer, {
      default: [],
      maxItems: 8,
      description: 'STUN/TURN servers for both peers, as in WebRTC: `urls` (one or a list), `username` and `credential` for TURN',
    }),
    actCodes: Type.Object(
      {
        teleconsultation: Type.String({
          minLength: 1,
          maxLength: 16,
          pattern: '^[A-Z0-9+.-]+$',
          default: 'TC',
          description:
            'billing code of a completed teleconsultation in the activity export (NGAP: TC for a specialist, TCG for a general practitioner)',
        }),
      },
      { additionalProperties: false, default: {}, description: 'act codes written in GET /api/acts.csv' },
    ),
    turn: Type.Optional(
      CloneType(TurnRelayConfig, {
        description: 'a TURN relay given to both peers of each act with credentials for that act only, valid ttlSeconds',
      }),
    ),
    maxBitrateKbps: Type.Optional(
      Type.Integer({ minimum: 32, maximum: 20_000, description: "caps the carts' video bitrate in every call (below their own maximum)" }),
    ),
  },
  { additionalProperties: false, default: {} },
);
export type TeleconsultConfig = Static<typeof TeleconsultConfig>;

/** The section as code may give it (tests, embedding): every defaulted field optional. */
export type TeleconsultOptions = Partial<Omit<TeleconsultConfig, 'specialists' | 'nurses'>> & {
  specialists?: (Omit<SpecialistConfig, 'gateways' | 'sites' | 'audit' | 'role'> &
    Partial<Pick<SpecialistConfig, 'gateways' | 'sites' | 'audit' | 'role'>>)[];
  nurses?: (Omit<NurseConfig, 'gateways' | 'sites'> & Partial<Pick<NurseConfig, 'gateways' | 'sites'>>)[];
};

/** Defaults for a config built in code rather than loaded through the schema. */
export function teleconsultDefaults(partial: TeleconsultOptions = {}): TeleconsultConfig {
  const specialists = (partial.specialists ?? []).map((s) => ({
    ...s,
    gateways: s.gateways ?? [],
    sites: s.sites ?? [],
    audit: s.audit ?? false,
    role: s.role ?? 'specialist',
  }));
  return {
    sites: [],
    waitingTimeoutMinutes: 15,
    forwardingUnit: {},
    appointmentWindowMinutes: { early: 15, late: 30 },
    noShowGraceMinutes: 30,
    appointmentReminders: { dayBeforeMinutes: 24 * 60, hourBeforeMinutes: 60, checkEverySeconds: 30 },
    connectTimeoutSeconds: 60,
    rejoinGraceSeconds: 60,
    leaseSeconds: 15,
    loginHours: 12,
    loginIdleMinutes: 0,
    requireTotp: false,
    iceServers: [],
    actCodes: { teleconsultation: 'TC' },
    ...partial,
    specialists,
    nurses: (partial.nurses ?? []).map((n) => ({ ...n, gateways: n.gateways ?? [], sites: n.sites ?? [] })),
  };
}

/**
 * Account rules the schema cannot express: unique specialist and site ids, granted sites that exist.
 * Part of the cloud's config validation; the specialist directory refuses the same.
 */
export function checkTeleconsultAccounts(
  specialists: readonly { id: string; sites?: readonly string[]; oidcSubject?: string | undefined; rpps?: string | undefined }[],
  sites: readonly { id: string }[] = [],
): ConfigIssue[] {
  const problems: ConfigIssue[] = [];
  const siteIds = new Set<string>();
  sites.forEach((s, i) => {
    if (siteIds.has(s.id)) problems.push({ path: ['teleconsult', 'sites', i, 'id'], message: `the site id ${s.id} is used twice` });
    siteIds.add(s.id);
  });
  const ids = new Set<string>();
  const subjects = new Map<string, string>();
  specialists.forEach((s, i) => {
    if (ids.has(s.id)) problems.push({ path: ['teleconsult', 'specialists', i, 'id'], message: `the id ${s.id} is used twice` });
    ids.add(s.id);
    if (s.oidcSubject !== undefined) {
      if (subjects.has(s.oidcSubject))
        problems.push({
          path: ['teleconsult', 'specialists', i, 'oidcSubject'],
          message: `the OpenID Connect subject ${JSON.stringify(s.oidcSubject)} is already ${subjects.get(s.oidcSubject)}'s`,
        });
      else subjects.set(s.oidcSubject, s.id);
    }
    const rpps = s.rpps === undefined ? null : rppsProblem(s.rpps);
    if (rpps !== null) problems.push({ path: ['teleconsult', 'specialists', i, 'rpps'], message: rpps });
    (s.sites ?? []).forEach((site, j) => {
      if (!siteIds.has(site))
        problems.push({
          path: ['teleconsult', 'specialists', i, 'sites', j],
          message: `unknown site ${JSON.stringify(site)} (teleconsult.sites has: ${[...siteIds].join(', ') || 'none'})`,
        });
    });
  });
  return problems;
}

/**
 * ICE servers as WebRTC takes them: each URL stun:, stuns:, turn: or turns: with a host, and a TURN
 * server with its username and credential (RTCPeerConnection refuses the call otherwise, in the
 * specialist's browser and on the cart).
 */
export function checkIceServers(
  servers: readonly { urls: string | readonly string[]; username?: string | undefined; credential?: string | undefined }[],
): ConfigIssue[] {
  const problems: ConfigIssue[] = [];
  servers.forEach((s, i) => {
    const urls = typeof s.urls === 'string' ? [s.urls] : s.urls;
    urls.forEach((u, j) => {
      const path = ['teleconsult', 'iceServers', i, 'urls', ...(typeof s.urls === 'string' ? [] : [j])];
      const m = /^(stuns?|turns?):([^?]+)/.exec(u);
      if (!m)
        problems.push({
          path,
          message: `expected a stun:, stuns:, turn: or turns: URL with a host, e.g. stun:stun.example.org:3478 (got ${JSON.stringify(u)})`,
        });
      else if (m[1]?.startsWith('turn') && (s.username === undefined || s.credential === undefined))
        problems.push({ path: ['teleconsult', 'iceServers', i], message: `a TURN server needs username and credential (${u})` });
    });
  });
  return problems;
}
