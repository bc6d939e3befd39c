/**
 * Schema of the SQLite cloud store, as ordered migrations recorded in `schema_migrations`,
 * so a database created by an older release is brought forward on open, never rebuilt.
 */
import type Database from 'better-sqlite3';

interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'observations, patients, gateways',
    sql: `
      CREATE TABLE patients (
        id          TEXT PRIMARY KEY,
        ins         TEXT,
        ins_oid     TEXT,
        family      TEXT,
        given       TEXT,
        birth_date  TEXT,
        configured  INTEGER NOT NULL DEFAULT 0,
        created_at  TEXT NOT NULL,
        updated_at  TEXT NOT NULL
      );

      -- The validated observation JSON plus the columns the queries need.
      -- effective_ms orders and filters readings whatever offset the ISO time carries.
      CREATE TABLE observations (
        id            TEXT PRIMARY KEY,
        gateway_id    TEXT NOT NULL,
        seq           INTEGER NOT NULL,
        content_key   TEXT,
        patient_id    TEXT NOT NULL REFERENCES patients(id),
        loinc         TEXT NOT NULL,
        mdc           INTEGER,
        effective     TEXT NOT NULL,
        effective_ms  INTEGER NOT NULL,
        received      TEXT NOT NULL,
        stored_at     TEXT NOT NULL,
        json          TEXT NOT NULL
      );
      CREATE UNIQUE INDEX observations_gateway_seq ON observations (gateway_id, seq);
      CREATE UNIQUE INDEX observations_content_key ON observations (content_key) WHERE content_key IS NOT NULL;
      CREATE INDEX observations_patient_code_time ON observations (patient_id, loinc, effective_ms DESC);
      CREATE INDEX observations_patient_time ON observations (patient_id, effective_ms DESC);
      CREATE INDEX observations_code_time ON observations (loinc, effective_ms DESC);
      CREATE INDEX observations_time ON observations (effective_ms DESC);

      CREATE TABLE gateways (
        gateway_id          TEXT PRIMARY KEY,
        online              INTEGER NOT NULL DEFAULT 0,
        status_at           TEXT,
        version             TEXT,
        backlog_json        TEXT,
        devices_json        TEXT,
        status_received_at  TEXT,
        last_batch_at       TEXT
      );
    `,
  },
  {
    version: 2,
    name: 'teleconsultations, audit trail',
    sql: `
      -- One row per teleconsultation act (docs/teleconsultation.md); created_ms orders and filters.
      CREATE TABLE teleconsultations (
        session_id               TEXT PRIMARY KEY,
        gateway_id               TEXT NOT NULL,
        patient_id               TEXT NOT NULL,
        patient_ins              TEXT,
        requested_specialist_id  TEXT,
        specialist_id            TEXT,
        specialist_name          TEXT,
        reason                   TEXT,
        status                   TEXT NOT NULL,
        outcome                  TEXT,
        created_at               TEXT NOT NULL,
        created_ms               INTEGER NOT NULL,
        joined_at                TEXT,
        connected_at             TEXT,
        ended_at                 TEXT,
        duration_ms              INTEGER,
        updated_at               TEXT NOT NULL
      );
      CREATE INDEX teleconsultations_time ON teleconsultations (created_ms DESC);
      CREATE INDEX teleconsultations_gateway_time ON teleconsultations (gateway_id, created_ms DESC);
      CREATE INDEX teleconsultations_patient_time ON teleconsultations (patient_id, created_ms DESC);
      CREATE INDEX teleconsultations_status ON teleconsultations (status);

      -- Who did what, when: append-only (the triggers refuse changes and deletions).
      CREATE TABLE audit_events (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        at          TEXT NOT NULL,
        at_ms       INTEGER NOT NULL,
        actor       TEXT NOT NULL,
        actor_role  TEXT NOT NULL,
        action      TEXT NOT NULL,
        session_id  TEXT,
        gateway_id  TEXT,
        patient_id  TEXT,
        detail      TEXT
      );
      CREATE INDEX audit_events_session ON audit_events (session_id, id);
      CREATE INDEX audit_events_time ON audit_events (at_ms);
      CREATE INDEX audit_events_actor_time ON audit_events (actor, at_ms);
      CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
        BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
      CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
        BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
    `,
  },
  {
    version: 3,
    name: 'patient gateways (which carts saw a patient: clinician access by cart)',
    sql: `
      -- Written with the readings (once per patient per batch): answers "may this clinician, who
      -- sees these carts, read this patient?" with one index probe instead of a scan of the readings.
      CREATE TABLE patient_gateways (
        patient_id  TEXT NOT NULL,
        gateway_id  TEXT NOT NULL,
        PRIMARY KEY (patient_id, gateway_id)
      ) WITHOUT ROWID;
      INSERT OR IGNORE INTO patient_gateways (patient_id, gateway_id) SELECT DISTINCT patient_id, gateway_id FROM observations;
    `,
  },
  {
    version: 4,
    name: 'telemonitoring alerts',
    sql: `
      -- One row per alert; at most one open per (patient, rule): the partial unique index makes
      -- "open or update" one atomic upsert, whichever process raises it.
      CREATE TABLE alerts (
        id                     TEXT PRIMARY KEY,
        patient_id             TEXT NOT NULL,
        rule                   TEXT NOT NULL,
        severity               TEXT NOT NULL CHECK (severity IN ('critical', 'warning')),
        status                 TEXT NOT NULL CHECK (status IN ('open', 'acknowledged', 'resolved')),
        opened_at              TEXT NOT NULL,
        opened_ms              INTEGER NOT NULL,
        last_at                TEXT NOT NULL,
        last_ms                INTEGER NOT NULL,
        count                  INTEGER NOT NULL DEFAULT 1,
        first_observation_ids  TEXT NOT NULL,
        last_observation_ids   TEXT NOT NULL,
        text_key               TEXT NOT NULL,
        values_json            TEXT NOT NULL,
        ack_by                 TEXT,
        ack_at                 TEXT,
        ack_note               TEXT,
        resolved_at            TEXT,
        resolved_by            TEXT
      );
      CREATE UNIQUE INDEX alerts_open_patient_rule ON alerts (patient_id, rule) WHERE status = 'open';
      CREATE INDEX alerts_status_time ON alerts (status, last_ms DESC);
      CREATE INDEX alerts_patient_time ON alerts (patient_id, last_ms DESC);
      CREATE INDEX alerts_time ON alerts (last_ms DESC);
    `,
  },
  {
    version: 5,
    name: 'login sessions (clinicians stay signed in across restarts)',
    sql: `
      -- Only the SHA-256 of each login token: the table alone cannot sign anyone in.
      CREATE TABLE login_sessions (
        token_sha256   TEXT PRIMARY KEY,
        specialist_id  TEXT NOT NULL,
        created_at     TEXT NOT NULL,
        expires_ms     INTEGER NOT NULL
      ) WITHOUT ROWID;
      CREATE INDEX login_sessions_expiry ON login_sessions (expires_ms);
    `,
  },
  {
    version: 6,
    name: 'teleconsultation consent (CSP R.6316-2)',
    sql: `
      -- Null on acts recorded before this release; every new act has consent_by and the rest.
      ALTER TABLE teleconsultations ADD COLUMN consent_by TEXT CHECK (consent_by IN ('patient', 'representative'));
      ALTER TABLE teleconsultations ADD COLUMN consent_method TEXT CHECK (consent_method IN ('oral', 'written'));
      ALTER TABLE teleconsultations ADD COLUMN consent_representative_name TEXT;
      ALTER TABLE teleconsultations ADD COLUMN consent_representative_relation TEXT;
      ALTER TABLE teleconsultations ADD COLUMN consent_collected_at TEXT;
      ALTER TABLE teleconsultations ADD COLUMN consent_collected_by TEXT;
    `,
  },
  {
    version: 8,
    name: 'alert queue (every stored reading judged once by the alert engine, across crashes)',
    sql: `
      -- A row per reading stored but not yet judged: inserted in the reading's transaction, deleted in
      -- the transaction that records the alerts its evaluation raised. Readings stored before this
      -- release were judged by the in-memory engine of their time: the queue starts empty.
      CREATE TABLE alert_queue (
        n               INTEGER PRIMARY KEY AUTOINCREMENT, -- never reused: a stale n cannot name a newer reading
        observation_id  TEXT NOT NULL,
        patient_id      TEXT NOT NULL  -- readings of patients not enrolled are dropped without reading them
      );
    `,
  },
  {
    version: 9,
    name: 'authentication throttle (failed attempts per account and per source)',
    sql: `
      -- One row per account id or source address with recent failures (security/auth-throttle.ts):
      -- kept here so a restart of the cloud does not hand an attacker fresh attempts.
      CREATE TABLE auth_throttle (
        key               TEXT PRIMARY KEY,
        failures          INTEGER NOT NULL,
        last_failure_ms   INTEGER NOT NULL,
        blocked_until_ms  INTEGER NOT NULL
      ) WITHOUT ROWID;
      CREATE INDEX auth_throttle_last ON auth_throttle (last_failure_ms);
    `,
  },
  {
    version: 10,
    name: 'site-scoped local patient ids (what each cart calls the patient)',
    sql: `
      -- A cart names a patient by its site's local id; the cloud resolves (gateway, local id) to its
      -- own patient id here, so two sites may both have an "r12". Before this release the local id
      -- was the patient id. The unique index: one gateway's local id names one patient.
      CREATE TABLE patient_gateways_v10 (
        patient_id  TEXT NOT NULL,
        gateway_id  TEXT NOT NULL,
        local_id    TEXT NOT NULL,
        PRIMARY KEY (patient_id, gateway_id)
      ) WITHOUT ROWID;
      INSERT INTO patient_gateways_v10 (patient_id, gateway_id, local_id) SELECT patient_id, gateway_id, patient_id FROM patient_gateways;
      DROP TABLE patient_gateways;
      ALTER TABLE patient_gateways_v10 RENAME TO patient_gateways;
      CREATE UNIQUE INDEX patient_gateways_local ON patient_gateways (gateway_id, local_id);
    `,
  },
  {
    version: 11,
    name: 'appointments (a scheduled act: the teleconsultation row, status scheduled, with its booked slot)',
    sql: `
      -- An appointment is the act's own row booked ahead (docs/teleconsultation.md): one status for
      -- both. appointment_id names it for ever (FHIR Appointment id); session_id becomes the cart's
      -- call id when the call claims it. Null on acts that were never booked (urgent calls).
      ALTER TABLE teleconsultations ADD COLUMN appointment_id TEXT;
      ALTER TABLE teleconsultations ADD COLUMN appointment_patient_id TEXT;  -- the cloud's patient id (patient_id is the cart's)
      ALTER TABLE teleconsultations ADD COLUMN appointment_start TEXT;
      ALTER TABLE teleconsultations ADD COLUMN appointment_start_ms INTEGER;
      ALTER TABLE teleconsultations ADD COLUMN appointment_end TEXT;
      ALTER TABLE teleconsultations ADD COLUMN appointment_end_ms INTEGER;
      ALTER TABLE teleconsultations ADD COLUMN appointment_specialty TEXT;
      ALTER TABLE teleconsultations ADD COLUMN appointment_booked_by TEXT;
      CREATE UNIQUE INDEX teleconsultations_appointment ON teleconsultations (appointment_id) WHERE appointment_id IS NOT NULL;
      CREATE INDEX teleconsultations_appointment_gateway ON teleconsultations (gateway_id, appointment_start_ms) WHERE appointment_id IS NOT NULL;
      CREATE INDEX teleconsultations_appointment_patient ON teleconsultations (appointment_patient_id, appointment_start_ms) WHERE appointment_id IS NOT NULL;
      CREATE INDEX teleconsultations_appointment_start ON teleconsultations (appointment_start_ms) WHERE appointment_id IS NOT NULL;
    `,
  },
  {
    version: 12,
    name: 'durable outbox (e-mail, SMS) and alert escalations',
    sql: `
      -- One row per message to send: written in the transaction of what causes it, so a crash
      -- neither loses it nor (idempotency_key) writes it twice; sent and settled by the sender loop.
      CREATE TABLE outbox (
        id               TEXT PRIMARY KEY,
        idempotency_key  TEXT NOT NULL,
        topic            TEXT NOT NULL,
        channel          TEXT NOT NULL CHECK (channel IN ('email', 'sms')),
        recipient        TEXT NOT NULL,
        payload_json     TEXT NOT NULL,
        status           TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed', 'cancelled')),
        attempts         INTEGER NOT NULL DEFAULT 0,
        not_before_ms    INTEGER NOT NULL,
        lease_token      TEXT,
        lease_until_ms   INTEGER,
        created_at       TEXT NOT NULL,
        settled_at       TEXT,
        last_error       TEXT,
        provider_ref     TEXT
      );
      CREATE UNIQUE INDEX outbox_idempotency ON outbox (idempotency_key);
      CREATE INDEX outbox_due ON outbox (not_before_ms) WHERE status = 'pending';
      CREATE INDEX outbox_topic ON outbox (topic, status);
      -- An open alert's next notification level and when it is due; inserted with the alert.
      CREATE TABLE alert_escalations (
        alert_id  TEXT PRIMARY KEY,
        level     INTEGER NOT NULL,
        due_ms    INTEGER NOT NULL
      ) WITHOUT ROWID;
      CREATE INDEX alert_escalations_due ON alert_escalations (due_ms);
    `,
  },
  {
    version: 13,
    name: 'teleconsultation reports (compte-rendu): versions, signed ones frozen',
    sql: `
      -- One row per version of an act's report. A signed row is never changed nor deleted (the
      -- triggers refuse it, whatever the query): a correction is a new row, version n+1.
      CREATE TABLE report_versions (
        id              TEXT PRIMARY KEY,
        session_id      TEXT NOT NULL,
        version         INTEGER NOT NULL CHECK (version >= 1),
        patient_id      TEXT NOT NULL,
        author_id       TEXT NOT NULL,
        status          TEXT NOT NULL CHECK (status IN ('draft', 'signed')),
        content_json    TEXT NOT NULL,
        vitals_json     TEXT NOT NULL,
        created_at      TEXT NOT NULL,
        created_ms      INTEGER NOT NULL,
        updated_at      TEXT NOT NULL,
        signed_at       TEXT,
        signed_by       TEXT,
        signed_name     TEXT,
        content_sha256  TEXT,
        CHECK (status = 'draft' OR (signed_at IS NOT NULL AND signed_by IS NOT NULL AND content_sha256 IS NOT NULL)),
        UNIQUE (session_id, version)
      );
      CREATE UNIQUE INDEX report_versions_one_draft ON report_versions (session_id) WHERE status = 'draft';
      CREATE INDEX report_versions_patient ON report_versions (patient_id, created_ms DESC);
      CREATE TRIGGER report_versions_signed_no_update BEFORE UPDATE ON report_versions WHEN OLD.status = 'signed'
        BEGIN SELECT RAISE(ABORT, 'a signed report version is immutable: a correction is a new version'); END;
      CREATE TRIGGER report_versions_signed_no_delete BEFORE DELETE ON report_versions WHEN OLD.status = 'signed'
        BEGIN SELECT RAISE(ABORT, 'a signed report version is immutable: a correction is a new version'); END;

      -- Download links to one signed version (the patient at home, the referring GP): only the token's
      -- SHA-256 is kept, so the table alone opens nothing.
      CREATE TABLE report_links (
        token_sha256  TEXT PRIMARY KEY,
        version_id    TEXT NOT NULL REFERENCES report_versions (id),
        audience      TEXT NOT NULL CHECK (audience IN ('patient', 'gp')),
        recipient     TEXT,
        created_by    TEXT NOT NULL,
        created_at    TEXT NOT NULL,
        expires_ms    INTEGER NOT NULL
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 14,
    name: 'how each login was made (password, OpenID Connect with its acr and amr)',
    sql: `
      -- Older rows keep NULL: logins made before this release, by password or token.
      ALTER TABLE login_sessions ADD COLUMN method TEXT;
      ALTER TABLE login_sessions ADD COLUMN acr TEXT;
      ALTER TABLE login_sessions ADD COLUMN amr TEXT; -- JSON array of strings
    `,
  },
  {
    version: 15,
    name: 'join links of home acts (single-use per device)',
    sql: `
      -- The patient's link to a home act: only the token's SHA-256 is kept; the first device that opens
      -- it is bound (the SHA-256 of its cookie secret), and only that device may open it again.
      CREATE TABLE act_links (
        token_sha256    TEXT PRIMARY KEY,
        appointment_id  TEXT NOT NULL,
        patient_id      TEXT NOT NULL,
        created_at      TEXT NOT NULL,
        expires_ms      INTEGER NOT NULL,
        device_sha256   TEXT,
        bound_at        TEXT
      ) WITHOUT ROWID;
      CREATE INDEX act_links_appointment ON act_links (appointment_id);
    `,
  },
  {
    version: 16,
    name: 'the teleconsultation relay state of open acts (survives a cloud restart)',
    sql: `
      -- NULL on final acts and on rows written before this release (those restart with the defaults).
      ALTER TABLE teleconsultations ADD COLUMN relay_link TEXT CHECK (relay_link IN ('present', 'reconnecting'));
      ALTER TABLE teleconsultations ADD COLUMN relay_lost_at TEXT;
      ALTER TABLE teleconsultations ADD COLUMN relay_rejoin_until TEXT;
      ALTER TABLE teleconsultations ADD COLUMN relay_waiting_until TEXT;
    `,
  },
  {
    version: 17,
    name: 'accounts in the store: role, RPPS, sites, secrets, disabled (the configuration seeds them)',
    sql: `
      CREATE TABLE accounts (
        id             TEXT PRIMARY KEY,
        name           TEXT NOT NULL,
        role           TEXT NOT NULL,
        rpps           TEXT,
        email          TEXT,
        phone          TEXT,
        sites_json     TEXT NOT NULL,
        gateways_json  TEXT NOT NULL,
        specialty      TEXT,
        audit          INTEGER NOT NULL CHECK (audit IN (0, 1)),
        password_hash  TEXT,
        token_sha256   TEXT,
        totp           TEXT,
        oidc_subject   TEXT UNIQUE,
        source         TEXT NOT NULL CHECK (source IN ('config', 'admin')),
        disabled_at    TEXT,
        created_at     TEXT NOT NULL,
        updated_at     TEXT NOT NULL
      );
    `,
  },
  {
    version: 18,
    name: 'the patient directory: identity status, site, cart, admission, merges, movements',
    sql: `
      -- Who a patient is and where: the identity status of its INS (only a qualified one is shared as
      -- the INS), its site and the cart it is on now (patient_gateways keeps what the cart calls it),
      -- admission and discharge, and the patient a duplicate was merged into. NULL status: not recorded
      -- (rows written before this release, patients only seen on readings).
      ALTER TABLE patients ADD COLUMN identity_status TEXT CHECK (identity_status IN ('provisional', 'recovered', 'validated', 'qualified'));
      ALTER TABLE patients ADD COLUMN site_id TEXT;
      ALTER TABLE patients ADD COLUMN gateway_id TEXT;
      ALTER TABLE patients ADD COLUMN admitted_at TEXT;
      ALTER TABLE patients ADD COLUMN discharged_at TEXT;
      ALTER TABLE patients ADD COLUMN merged_into TEXT REFERENCES patients(id);
      CREATE INDEX patients_ins ON patients (ins) WHERE ins IS NOT NULL;
      CREATE INDEX patients_gateway ON patients (gateway_id) WHERE gateway_id IS NOT NULL;
      -- Every movement, never updated nor deleted: the patient's history in the directory.
      CREATE TABLE patient_movements (
        id                INTEGER PRIMARY KEY AUTOINCREMENT,
        patient_id        TEXT NOT NULL,
        kind              TEXT NOT NULL CHECK (kind IN ('create', 'update', 'admit', 'transfer', 'discharge', 'merge')),
        at                TEXT NOT NULL,
        at_ms             INTEGER NOT NULL,
        actor             TEXT NOT NULL,
        from_gateway      TEXT,
        to_gateway        TEXT,
        site_id           TEXT,
        other_patient_id  TEXT,
        detail            TEXT
      );
      CREATE INDEX patient_movements_patient ON patient_movements (patient_id, id);
    `,
  },
  {
    version: 19,
    name: 'telemonitoring enrolments: programme, period, prescriber, consent (ending keeps the row)',
    sql: `
      -- One row per enrolment of a patient in a programme over [start, end). Prescriber and consent
      -- are null only for enrolments seeded from the configuration's telemonitoring field.
      CREATE TABLE enrolments (
        id                      TEXT PRIMARY KEY,
        patient_id              TEXT NOT NULL,
        programme               TEXT NOT NULL CHECK (programme IN ('heart-failure', 'hypertension', 'copd', 'diabetes')),
        start_at                TEXT NOT NULL,
        start_ms                INTEGER NOT NULL,
        end_at                  TEXT,
        end_ms                  INTEGER,
        prescriber_name         TEXT,
        prescriber_rpps         TEXT,
        consent_by              TEXT,
        consent_at              TEXT,
        consent_method          TEXT CHECK (consent_method IN ('written', 'oral')),
        consent_given_by        TEXT CHECK (consent_given_by IN ('patient', 'representative')),
        consent_representative  TEXT,
        thresholds              TEXT, -- JSON of the per-rule overrides
        created_by              TEXT NOT NULL,
        created_at              TEXT NOT NULL,
        ended_by                TEXT,
        ended_at                TEXT,
        CHECK (end_ms IS NULL OR end_ms > start_ms)
      ) WITHOUT ROWID;
      CREATE INDEX enrolments_patient ON enrolments (patient_id, programme, start_ms);
      CREATE INDEX enrolments_end ON enrolments (end_ms);
    `,
  },
  {
    version: 20,
    name: 'nurses’ cart credentials (badge hash, PIN verifier, carts)',
    sql: `
      -- Keyed by the nurse's account id (the accounts are elsewhere). Never a PIN nor a badge UID:
      -- the badge's SHA-256 and the scrypt verifier (JSON) of the PIN chosen on a cart.
      CREATE TABLE nurse_credentials (
        account_id    TEXT PRIMARY KEY,
        name          TEXT NOT NULL,
        badge_sha256  TEXT UNIQUE,
        gateways      TEXT NOT NULL, -- JSON array of gateway patterns
        pin_verifier  TEXT,
        pin_set_at    TEXT,
        updated_at    TEXT NOT NULL
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 21,
    name: 'join links of guests invited into a running act, and links withdrawn',
    sql: `
      -- patient: the home act's patient (appointment_id is the appointment); guest: someone the
      -- specialist invited into a running act (appointment_id is the act's session id), named by them.
      ALTER TABLE act_links ADD COLUMN role TEXT NOT NULL DEFAULT 'patient' CHECK (role IN ('patient', 'guest'));
      ALTER TABLE act_links ADD COLUMN guest_name TEXT;
      -- Set when the specialist removes the participant: the link is refused from then on.
      ALTER TABLE act_links ADD COLUMN revoked_at TEXT;
    `,
  },
  {
    version: 22,
    name: 'identity confirmation of the join links (date of birth or a code)',
    sql: `
      -- One row per join link once its patient starts confirming who they are. The code is kept only
      -- as an HMAC keyed by the link's token (which the store does not hold); version: compare-and-set.
      CREATE TABLE act_link_identity (
        token_sha256     TEXT PRIMARY KEY REFERENCES act_links (token_sha256),
        version          INTEGER NOT NULL,
        code_hmac        TEXT,
        code_channel     TEXT CHECK (code_channel IN ('sms', 'email')),
        code_sent_at     TEXT,
        code_expires_at  TEXT,
        codes_sent       INTEGER NOT NULL DEFAULT 0,
        attempts         INTEGER NOT NULL DEFAULT 0,
        locked_at        TEXT,
        confirmed_at     TEXT,
        confirmed_by     TEXT CHECK (confirmed_by IN ('birth-date', 'code'))
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 23,
    name: 'owner leases of open acts (several cloud instances on one store)',
    sql: `
      -- One row per act an instance holds (docs/teleconsultation.md « Several cloud instances »): the
      -- owner is a random id per process start; the row goes when the act ends or its owner stops.
      CREATE TABLE act_leases (
        session_id            TEXT PRIMARY KEY,
        relay_owner           TEXT NOT NULL,
        relay_lease_until_ms  INTEGER NOT NULL
      ) WITHOUT ROWID;
      `,
  },
  {
    version: 24,
    name: 'sites and on-call teams in the store (the configuration seeds them)',
    sql: `
      -- kind: ehpad (a nursing home's carts) or home (a home telemonitoring programme's kits).
      CREATE TABLE sites (
        id             TEXT PRIMARY KEY,
        name           TEXT NOT NULL,
        kind           TEXT NOT NULL CHECK (kind IN ('ehpad', 'home')),
        gateways_json  TEXT NOT NULL,
        contact_json   TEXT,
        source         TEXT NOT NULL CHECK (source IN ('config', 'admin')),
        created_at     TEXT NOT NULL,
        updated_at     TEXT NOT NULL
      ) WITHOUT ROWID;
      -- One team as alertNotifications.teams[] describes it (levels, contacts, quiet hours), as JSON.
      CREATE TABLE oncall_teams (
        id          TEXT PRIMARY KEY,
        team_json   TEXT NOT NULL,
        source      TEXT NOT NULL CHECK (source IN ('config', 'admin')),
        updated_at  TEXT NOT NULL
      ) WITHOUT ROWID;
      `,
  },
  {
    version: 26,
    name: 'report links for the carts (audience cart), found again by version and recipient',
    sql: `
      -- SQLite cannot change a CHECK: the table is rebuilt with the cart's audience allowed. The links the
      -- carts' days made before were stored as 'patient' with the recipient 'cart <id>': they become 'cart'.
      CREATE TABLE report_links_26 (
        token_sha256  TEXT PRIMARY KEY,
        version_id    TEXT NOT NULL REFERENCES report_versions (id),
        audience      TEXT NOT NULL CHECK (audience IN ('patient', 'gp', 'cart')),
        recipient     TEXT,
        created_by    TEXT NOT NULL,
        created_at    TEXT NOT NULL,
        expires_ms    INTEGER NOT NULL
      ) WITHOUT ROWID;
      INSERT INTO report_links_26 (token_sha256, version_id, audience, recipient, created_by, created_at, expires_ms)
        SELECT token_sha256, version_id,
               CASE WHEN audience = 'patient' AND created_by = 'cloud' AND recipient LIKE 'cart %' THEN 'cart' ELSE audience END,
               recipient, created_by, created_at, expires_ms
        FROM report_links;
      DROP TABLE report_links;
      ALTER TABLE report_links_26 RENAME TO report_links;
      -- A cart's link is looked up again after a restart (agenda/publisher.ts) instead of issuing a new one.
      CREATE INDEX report_links_recipient ON report_links (version_id, recipient, expires_ms);
    `,
  },
  {
    version: 27,
    name: 'the patient directory keeps the referring GP (name, RPPS, e-mail)',
    sql: `
      CREATE TABLE patient_referring_gps (
        patient_id  TEXT PRIMARY KEY REFERENCES patients(id),
        name        TEXT NOT NULL,
        rpps        TEXT,
        email       TEXT,
        updated_at  TEXT NOT NULL,
        updated_by  TEXT NOT NULL
      ) WITHOUT ROWID;
      `,
  },
  {
    version: 28,
    name: "a site's authentication policy (the acr levels a sign-in needs to reach its carts)",
    sql: `
      ALTER TABLE sites ADD COLUMN acr_accept_json TEXT NOT NULL DEFAULT '[]';
    `,
  },
  {
    version: 29,
    name: "a cart's device-user mappings (a shared device's user index → a directory patient)",
    sql: `
      CREATE TABLE cart_device_users (
        gateway_id  TEXT NOT NULL,
        device_id   TEXT NOT NULL,
        user_index  INTEGER NOT NULL CHECK (user_index BETWEEN 0 AND 254),
        patient_id  TEXT NOT NULL REFERENCES patients(id),
        set_at      TEXT NOT NULL,
        set_by      TEXT NOT NULL,
        PRIMARY KEY (gateway_id, device_id, user_index)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 30,
    name: "the acts' rooms on the forwarding unit and the guests let in, across a cloud restart",
    sql: `
      -- docs/conversation.md « Across a cloud restart »: one row per act whose room is open (a guest was
      -- let in), gone when the act ends; the room itself (the unit's peers) is rebuilt, not stored.
      CREATE TABLE act_rooms (
        session_id  TEXT PRIMARY KEY,
        gateway_id  TEXT,
        opened_by   TEXT NOT NULL,
        opened_at   TEXT NOT NULL
      ) WITHOUT ROWID;
      -- When the specialist let the link's participant in: a guest back after a restart is let in again.
      ALTER TABLE act_links ADD COLUMN admitted_at TEXT;
    `,
  },
  {
    version: 31,
    name: "a patient's report link asks the date of birth: wrong answers counted, the link locked at the fifth",
    sql: `
      ALTER TABLE report_links ADD COLUMN failed_attempts INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE report_links ADD COLUMN locked_at TEXT;
    `,
  },
  {
    version: 32,
    name: "the patient's own contact (e-mail, mobile) in the directory, with who changed it and when",
    sql: `
      -- docs/patient-directory.md « The patient's contact »: both null is a contact removed (kept, so the
      -- configuration's seed does not come back); updated_by 'configuration' is the seed.
      CREATE TABLE patient_contacts (
        patient_id  TEXT PRIMARY KEY REFERENCES patients(id),
        email       TEXT,
        phone       TEXT,
        updated_at  TEXT NOT NULL,
        updated_by  TEXT NOT NULL
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 33,
    name: "a home act's media halves (each page's word that it decoded the other), across a restart or a hand-over",
    sql: `
      -- docs/teleconsultation.md « The home act's status »: when the specialist's page and the patient's page
      -- first said they decoded the other; the act's media are up when both did. Gone when the act ends.
      CREATE TABLE home_act_media (
        session_id     TEXT PRIMARY KEY,
        specialist_at  TEXT,
        patient_at     TEXT
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 34,
    name: 'a reading costs one index entry less: observations_patient_code_time dropped',
    sql: `
      -- docs/region.md « Fewer index entries »: every listing of a patient's readings (with codes or not), their
      -- count and the patient's latest vitals walk observations_patient_time, one patient's range (their plans
      -- are pinned in the store's tests); the (patient, code, time) index only spared a count its walk.
      DROP INDEX IF EXISTS observations_patient_code_time;
    `,
  },
];

export function migrate(db: Database.Database, now: () => Date): number[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL
  )`);
  const applied = new Set(
    db
      .prepare('SELECT version FROM schema_migrations')
      .pluck()
      .all()
      .map((v) => Number(v)),
  );
  const newest = Math.max(0, ...applied);
  const known = Math.max(0, ...MIGRATIONS.map((m) => m.version));
  if (newest > known) throw new Error(`database schema version ${newest} is newer than this release knows (${known})`);
  const done: number[] = [];
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  for (const m of MIGRATIONS) {
    if (applied.has(m.version)) continue;
    db.transaction(() => {
      db.exec(m.sql);
      record.run(m.version, m.name, now().toISOString());
    }).immediate();
    done.push(m.version);
  }
  return done;
}
