/**
 * Schema of the PostgreSQL cloud store, as ordered migrations recorded in `schema_migrations`
 * (same versions and meaning as the SQLite ones). Several ingest processes may open the store
 * at once: migrations run in one transaction under an advisory lock, so exactly one applies them.
 */
import type pg from 'pg';

interface Migration {
  version: number;
  name: string;
  sql: string;
}

// Text columns that queries sort on use the "C" collation: byte order, as SQLite sorts, whatever
// locale the database was created with.
export const PG_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'observations, patients, gateways',
    sql: `
      CREATE TABLE patients (
        id          text COLLATE "C" PRIMARY KEY,
        ins         text,
        ins_oid     text,
        family      text COLLATE "C",
        given       text COLLATE "C",
        birth_date  text,
        configured  boolean NOT NULL DEFAULT false,
        created_at  timestamptz NOT NULL,
        updated_at  timestamptz NOT NULL
      );

      -- The observation JSON as received (json keeps the text verbatim, jsonb would re-encode it)
      -- plus the columns the queries need. effective_ms orders and filters readings whatever offset
      -- the ISO time carries. The patient reference is checked at commit: a batch inserts its
      -- readings first and then creates the patients of the readings it actually inserted.
      CREATE TABLE observations (
        id            uuid PRIMARY KEY,
        gateway_id    text COLLATE "C" NOT NULL,
        seq           bigint NOT NULL,
        content_key   text,
        patient_id    text COLLATE "C" NOT NULL REFERENCES patients(id) DEFERRABLE INITIALLY DEFERRED,
        loinc         text COLLATE "C" NOT NULL,
        mdc           bigint,
        status        text NOT NULL,
        effective     text NOT NULL,
        effective_ms  bigint NOT NULL,
        received      text NOT NULL,
        stored_at     timestamptz NOT NULL,
        json          json NOT NULL
      );
      CREATE UNIQUE INDEX observations_gateway_seq ON observations (gateway_id, seq);
      CREATE UNIQUE INDEX observations_content_key ON observations (content_key) WHERE content_key IS NOT NULL;
      CREATE INDEX observations_patient_code_time ON observations (patient_id, loinc, effective_ms DESC);
      CREATE INDEX observations_patient_time ON observations (patient_id, effective_ms DESC);
      CREATE INDEX observations_code_time ON observations (loinc, effective_ms DESC);
      CREATE INDEX observations_time ON observations (effective_ms DESC);

      CREATE TABLE gateways (
        gateway_id          text COLLATE "C" PRIMARY KEY,
        online              boolean NOT NULL DEFAULT false,
        status_at           text,
        version             text,
        backlog_json        json,
        devices_json        json,
        status_received_at  timestamptz,
        last_batch_at       timestamptz
      );
    `,
  },
  {
    version: 2,
    name: 'teleconsultations, audit trail',
    sql: `
      CREATE TABLE teleconsultations (
        session_id               uuid PRIMARY KEY,
        gateway_id               text COLLATE "C" NOT NULL,
        patient_id               text COLLATE "C" NOT NULL,
        patient_ins              text,
        requested_specialist_id  text,
        specialist_id            text COLLATE "C",
        specialist_name          text,
        reason                   text,
        status                   text NOT NULL,
        outcome                  text,
        created_at               timestamptz NOT NULL,
        joined_at                timestamptz,
        connected_at             timestamptz,
        ended_at                 timestamptz,
        duration_ms              bigint,
        updated_at               timestamptz NOT NULL
      );
      CREATE INDEX teleconsultations_time ON teleconsultations (created_at DESC);
      CREATE INDEX teleconsultations_gateway_time ON teleconsultations (gateway_id, created_at DESC);
      CREATE INDEX teleconsultations_patient_time ON teleconsultations (patient_id, created_at DESC);
      CREATE INDEX teleconsultations_status ON teleconsultations (status);

      -- Who did what, when: append-only (the trigger refuses changes and deletions).
      CREATE TABLE audit_events (
        id          bigserial PRIMARY KEY,
        at          timestamptz NOT NULL,
        actor       text COLLATE "C" NOT NULL,
        actor_role  text NOT NULL,
        action      text NOT NULL,
        session_id  uuid,
        gateway_id  text COLLATE "C",
        patient_id  text COLLATE "C",
        detail      text
      );
      CREATE INDEX audit_events_session ON audit_events (session_id, id);
      CREATE INDEX audit_events_time ON audit_events (at);
      CREATE INDEX audit_events_actor_time ON audit_events (actor, at);
      CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'audit events are append-only'; END $$;
      CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events
        FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
    `,
  },
  {
    version: 3,
    name: 'patient gateways (which carts saw a patient: clinician access by cart)',
    sql: `
      CREATE TABLE patient_gateways (
        patient_id  text COLLATE "C" NOT NULL,
        gateway_id  text COLLATE "C" NOT NULL,
        PRIMARY KEY (patient_id, gateway_id)
      );
      INSERT INTO patient_gateways (patient_id, gateway_id) SELECT DISTINCT patient_id, gateway_id FROM observations
        ON CONFLICT DO NOTHING;
    `,
  },
  {
    version: 4,
    name: 'telemonitoring alerts',
    sql: `
      -- At most one open alert per (patient, rule): the partial unique index is the upsert's target.
      CREATE TABLE alerts (
        id                     uuid PRIMARY KEY,
        patient_id             text COLLATE "C" NOT NULL,
        rule                   text COLLATE "C" NOT NULL,
        severity               text NOT NULL CHECK (severity IN ('critical', 'warning')),
        status                 text NOT NULL CHECK (status IN ('open', 'acknowledged', 'resolved')),
        opened_at              timestamptz NOT NULL,
        last_at                timestamptz NOT NULL,
        count                  integer NOT NULL DEFAULT 1,
        first_observation_ids  json NOT NULL,
        last_observation_ids   json NOT NULL,
        text_key               text NOT NULL,
        values_json            json NOT NULL,
        ack_by                 text,
        ack_at                 timestamptz,
        ack_note               text,
        resolved_at            timestamptz,
        resolved_by            text
      );
      CREATE UNIQUE INDEX alerts_open_patient_rule ON alerts (patient_id, rule) WHERE status = 'open';
      CREATE INDEX alerts_status_time ON alerts (status, last_at DESC);
      CREATE INDEX alerts_patient_time ON alerts (patient_id, last_at DESC);
      CREATE INDEX alerts_time ON alerts (last_at DESC);
    `,
  },
  {
    version: 5,
    name: 'login sessions (clinicians stay signed in across restarts)',
    sql: `
      CREATE TABLE login_sessions (
        token_sha256   text COLLATE "C" PRIMARY KEY,
        specialist_id  text COLLATE "C" NOT NULL,
        created_at     timestamptz NOT NULL,
        expires_at     timestamptz NOT NULL
      );
      CREATE INDEX login_sessions_expiry ON login_sessions (expires_at);
    `,
  },
  {
    version: 6,
    name: 'teleconsultation consent (CSP R.6316-2)',
    sql: `
      -- Null on acts recorded before this release; every new act has consent_by and the rest.
      ALTER TABLE teleconsultations
        ADD COLUMN consent_by text CHECK (consent_by IN ('patient', 'representative')),
        ADD COLUMN consent_method text CHECK (consent_method IN ('oral', 'written')),
        ADD COLUMN consent_representative_name text,
        ADD COLUMN consent_representative_relation text,
        ADD COLUMN consent_collected_at timestamptz,
        ADD COLUMN consent_collected_by text;
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
        n               bigserial PRIMARY KEY,
        observation_id  uuid NOT NULL,
        patient_id      text COLLATE "C" NOT NULL  -- readings of patients not enrolled are dropped without reading them
      );
    `,
  },
  {
    version: 9,
    name: 'authentication throttle (failed attempts per account and per source)',
    sql: `
      CREATE TABLE auth_throttle (
        key               text COLLATE "C" PRIMARY KEY,
        failures          integer NOT NULL,
        last_failure_ms   bigint NOT NULL,
        blocked_until_ms  bigint NOT NULL
      );
      CREATE INDEX auth_throttle_last ON auth_throttle (last_failure_ms);
    `,
  },
  {
    version: 10,
    name: 'site-scoped local patient ids (what each cart calls the patient)',
    sql: `
      -- (gateway, local id) → patient: two sites may both have an "r12". Before, the local id was the patient id.
      ALTER TABLE patient_gateways ADD COLUMN local_id text COLLATE "C";
      UPDATE patient_gateways SET local_id = patient_id;
      ALTER TABLE patient_gateways ALTER COLUMN local_id SET NOT NULL;
      CREATE UNIQUE INDEX patient_gateways_local ON patient_gateways (gateway_id, local_id);
    `,
  },
  {
    version: 11,
    name: 'appointments (a scheduled act: the teleconsultation row, status scheduled, with its booked slot)',
    sql: `
      -- The act's own row booked ahead: one status for both (see the SQLite twin).
      ALTER TABLE teleconsultations
        ADD COLUMN appointment_id uuid,
        ADD COLUMN appointment_patient_id text COLLATE "C",
        ADD COLUMN appointment_start timestamptz,
        ADD COLUMN appointment_end timestamptz,
        ADD COLUMN appointment_specialty text,
        ADD COLUMN appointment_booked_by text;
      CREATE UNIQUE INDEX teleconsultations_appointment ON teleconsultations (appointment_id) WHERE appointment_id IS NOT NULL;
      CREATE INDEX teleconsultations_appointment_gateway ON teleconsultations (gateway_id, appointment_start) WHERE appointment_id IS NOT NULL;
      CREATE INDEX teleconsultations_appointment_patient ON teleconsultations (appointment_patient_id, appointment_start) WHERE appointment_id IS NOT NULL;
      CREATE INDEX teleconsultations_appointment_start ON teleconsultations (appointment_start) WHERE appointment_id IS NOT NULL;
    `,
  },
  {
    version: 12,
    name: 'durable outbox (e-mail, SMS) and alert escalations',
    sql: `
      CREATE TABLE outbox (
        id               uuid PRIMARY KEY,
        idempotency_key  text COLLATE "C" NOT NULL,
        topic            text COLLATE "C" NOT NULL,
        channel          text NOT NULL CHECK (channel IN ('email', 'sms')),
        recipient        text NOT NULL,
        payload_json     json NOT NULL,
        status           text NOT NULL CHECK (status IN ('pending', 'sent', 'failed', 'cancelled')),
        attempts         integer NOT NULL DEFAULT 0,
        not_before_ms    bigint NOT NULL,
        lease_token      text,
        lease_until_ms   bigint,
        created_at       timestamptz NOT NULL,
        settled_at       timestamptz,
        last_error       text,
        provider_ref     text
      );
      CREATE UNIQUE INDEX outbox_idempotency ON outbox (idempotency_key);
      CREATE INDEX outbox_due ON outbox (not_before_ms) WHERE status = 'pending';
      CREATE INDEX outbox_topic ON outbox (topic, status);
      CREATE TABLE alert_escalations (
        alert_id  uuid PRIMARY KEY,
        level     integer NOT NULL,
        due_ms    bigint NOT NULL
      );
      CREATE INDEX alert_escalations_due ON alert_escalations (due_ms);
    `,
  },
  {
    version: 13,
    name: 'teleconsultation reports (compte-rendu): versions, signed ones frozen',
    sql: `
      -- One row per version of an act's report. A signed row is never changed nor deleted (the
      -- trigger refuses it, whatever the query): a correction is a new row, version n+1.
      CREATE TABLE report_versions (
        id              uuid PRIMARY KEY,
        session_id      uuid NOT NULL,
        version         integer NOT NULL CHECK (version >= 1),
        patient_id      text COLLATE "C" NOT NULL,
        author_id       text COLLATE "C" NOT NULL,
        status          text NOT NULL CHECK (status IN ('draft', 'signed')),
        content_json    text NOT NULL,
        vitals_json     text NOT NULL,
        created_at      timestamptz NOT NULL,
        updated_at      timestamptz NOT NULL,
        signed_at       timestamptz,
        signed_by       text COLLATE "C",
        signed_name     text,
        content_sha256  text,
        CHECK (status = 'draft' OR (signed_at IS NOT NULL AND signed_by IS NOT NULL AND content_sha256 IS NOT NULL)),
        UNIQUE (session_id, version)
      );
      CREATE UNIQUE INDEX report_versions_one_draft ON report_versions (session_id) WHERE status = 'draft';
      CREATE INDEX report_versions_patient ON report_versions (patient_id, created_at DESC);
      CREATE FUNCTION report_versions_signed_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF OLD.status = 'signed' THEN
            RAISE EXCEPTION 'a signed report version is immutable: a correction is a new version';
          END IF;
          IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
          RETURN NEW;
        END $$;
      CREATE TRIGGER report_versions_signed_no_change BEFORE UPDATE OR DELETE ON report_versions
        FOR EACH ROW EXECUTE FUNCTION report_versions_signed_frozen();
      -- Download links to one signed version: only the token's SHA-256 is kept.
      CREATE TABLE report_links (
        token_sha256  text COLLATE "C" PRIMARY KEY,
        version_id    uuid NOT NULL REFERENCES report_versions (id),
        audience      text NOT NULL CHECK (audience IN ('patient', 'gp')),
        recipient     text,
        created_by    text COLLATE "C" NOT NULL,
        created_at    timestamptz NOT NULL,
        expires_ms    bigint NOT NULL
      );
    `,
  },
  {
    version: 14,
    name: 'how each login was made (password, OpenID Connect with its acr and amr)',
    sql: `
      -- Older rows keep NULL: logins made before this release, by password or token.
      ALTER TABLE login_sessions ADD COLUMN method text;
      ALTER TABLE login_sessions ADD COLUMN acr text;
      ALTER TABLE login_sessions ADD COLUMN amr jsonb;
    `,
  },
  {
    version: 15,
    name: 'join links of home acts (single-use per device)',
    sql: `
      CREATE TABLE act_links (
        token_sha256    text COLLATE "C" PRIMARY KEY,
        appointment_id  uuid NOT NULL,
        patient_id      text COLLATE "C" NOT NULL,
        created_at      timestamptz NOT NULL,
        expires_ms      bigint NOT NULL,
        device_sha256   text COLLATE "C",
        bound_at        timestamptz
      );
      CREATE INDEX act_links_appointment ON act_links (appointment_id);
    `,
  },
  {
    version: 16,
    name: 'the teleconsultation relay state of open acts (survives a cloud restart)',
    sql: `
      -- NULL on final acts and on rows written before this release (those restart with the defaults).
      ALTER TABLE teleconsultations ADD COLUMN relay_link text CHECK (relay_link IN ('present', 'reconnecting'));
      ALTER TABLE teleconsultations ADD COLUMN relay_lost_at timestamptz;
      ALTER TABLE teleconsultations ADD COLUMN relay_rejoin_until timestamptz;
      ALTER TABLE teleconsultations ADD COLUMN relay_waiting_until timestamptz;
    `,
  },
  {
    version: 17,
    name: 'accounts in the store: role, RPPS, sites, secrets, disabled (the configuration seeds them)',
    sql: `
      CREATE TABLE accounts (
        id             text COLLATE "C" PRIMARY KEY,
        name           text NOT NULL,
        role           text NOT NULL,
        rpps           text,
        email          text,
        phone          text,
        sites_json     text NOT NULL,
        gateways_json  text NOT NULL,
        specialty      text,
        audit          smallint NOT NULL CHECK (audit IN (0, 1)),
        password_hash  text,
        token_sha256   text,
        totp           text,
        oidc_subject   text UNIQUE,
        source         text NOT NULL CHECK (source IN ('config', 'admin')),
        disabled_at    timestamptz,
        created_at     timestamptz NOT NULL,
        updated_at     timestamptz NOT NULL
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
      ALTER TABLE patients ADD COLUMN identity_status text CHECK (identity_status IN ('provisional', 'recovered', 'validated', 'qualified'));
      ALTER TABLE patients ADD COLUMN site_id text COLLATE "C";
      ALTER TABLE patients ADD COLUMN gateway_id text COLLATE "C";
      ALTER TABLE patients ADD COLUMN admitted_at timestamptz;
      ALTER TABLE patients ADD COLUMN discharged_at timestamptz;
      ALTER TABLE patients ADD COLUMN merged_into text COLLATE "C" REFERENCES patients(id);
      CREATE INDEX patients_ins ON patients (ins) WHERE ins IS NOT NULL;
      CREATE INDEX patients_gateway ON patients (gateway_id) WHERE gateway_id IS NOT NULL;
      -- Every movement, never updated nor deleted: the patient's history in the directory.
      CREATE TABLE patient_movements (
        id                bigserial PRIMARY KEY,
        patient_id        text COLLATE "C" NOT NULL,
        kind              text NOT NULL CHECK (kind IN ('create', 'update', 'admit', 'transfer', 'discharge', 'merge')),
        at                timestamptz NOT NULL,
        actor             text NOT NULL,
        from_gateway      text,
        to_gateway        text,
        site_id           text,
        other_patient_id  text,
        detail            text
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
        id                      uuid PRIMARY KEY,
        patient_id              text COLLATE "C" NOT NULL,
        programme               text NOT NULL CHECK (programme IN ('heart-failure', 'hypertension', 'copd', 'diabetes')),
        start_at                timestamptz NOT NULL,
        end_at                  timestamptz,
        prescriber_name         text,
        prescriber_rpps         text,
        consent_by              text,
        consent_at              timestamptz,
        consent_method          text CHECK (consent_method IN ('written', 'oral')),
        consent_given_by        text CHECK (consent_given_by IN ('patient', 'representative')),
        consent_representative  text,
        thresholds              text,
        created_by              text NOT NULL,
        created_at              timestamptz NOT NULL,
        ended_by                text,
        ended_at                timestamptz,
        CHECK (end_at IS NULL OR end_at > start_at)
      );
      CREATE INDEX enrolments_patient ON enrolments (patient_id, programme, start_at);
      CREATE INDEX enrolments_end ON enrolments (end_at);
    `,
  },
  {
    version: 20,
    name: 'nurses’ cart credentials (badge hash, PIN verifier, carts)',
    sql: `
      -- Keyed by the nurse's account id (the accounts are elsewhere). Never a PIN nor a badge UID:
      -- the badge's SHA-256 and the scrypt verifier (JSON) of the PIN chosen on a cart.
      CREATE TABLE nurse_credentials (
        account_id    text PRIMARY KEY,
        name          text NOT NULL,
        badge_sha256  text UNIQUE,
        gateways      text NOT NULL,
        pin_verifier  text,
        pin_set_at    timestamptz,
        updated_at    timestamptz NOT NULL
      );
    `,
  },
  {
    version: 21,
    name: 'join links of guests invited into a running act, and links withdrawn',
    sql: `
      ALTER TABLE act_links ADD COLUMN role text NOT NULL DEFAULT 'patient' CHECK (role IN ('patient', 'guest'));
      ALTER TABLE act_links ADD COLUMN guest_name text;
      ALTER TABLE act_links ADD COLUMN revoked_at timestamptz;
    `,
  },
  {
    version: 22,
    name: 'identity confirmation of the join links (date of birth or a code)',
    sql: `
      CREATE TABLE act_link_identity (
        token_sha256     text COLLATE "C" PRIMARY KEY REFERENCES act_links (token_sha256),
        version          integer NOT NULL,
        code_hmac        text COLLATE "C",
        code_channel     text CHECK (code_channel IN ('sms', 'email')),
        code_sent_at     timestamptz,
        code_expires_at  timestamptz,
        codes_sent       integer NOT NULL DEFAULT 0,
        attempts         integer NOT NULL DEFAULT 0,
        locked_at        timestamptz,
        confirmed_at     timestamptz,
        confirmed_by     text CHECK (confirmed_by IN ('birth-date', 'code'))
      );
    `,
  },
  {
    version: 23,
    name: 'owner leases of open acts (several cloud instances on one store)',
    sql: `
      -- One row per act an instance holds (docs/teleconsultation.md « Several cloud instances »): the
      -- owner is a random id per process start; the row goes when the act ends or its owner stops.
      CREATE TABLE act_leases (
        session_id            text COLLATE "C" PRIMARY KEY,
        relay_owner           text NOT NULL,
        relay_lease_until_ms  bigint NOT NULL
      );
      `,
  },
  {
    version: 24,
    name: 'sites and on-call teams in the store (the configuration seeds them)',
    sql: `
      CREATE TABLE sites (
        id             text COLLATE "C" PRIMARY KEY,
        name           text NOT NULL,
        kind           text NOT NULL CHECK (kind IN ('ehpad', 'home')),
        gateways_json  text NOT NULL,
        contact_json   text,
        source         text NOT NULL CHECK (source IN ('config', 'admin')),
        created_at     timestamptz NOT NULL,
        updated_at     timestamptz NOT NULL
      );
      CREATE TABLE oncall_teams (
        id          text COLLATE "C" PRIMARY KEY,
        team_json   text NOT NULL,
        source      text NOT NULL CHECK (source IN ('config', 'admin')),
        updated_at  timestamptz NOT NULL
      );
      `,
  },
  {
    version: 26,
    name: 'report links for the carts (audience cart), found again by version and recipient',
    sql: `
      ALTER TABLE report_links DROP CONSTRAINT report_links_audience_check;
      ALTER TABLE report_links ADD CONSTRAINT report_links_audience_check CHECK (audience IN ('patient', 'gp', 'cart'));
      UPDATE report_links SET audience = 'cart'
        WHERE audience = 'patient' AND created_by = 'cloud' AND recipient LIKE 'cart %';
      CREATE INDEX report_links_recipient ON report_links (version_id, recipient, expires_ms);
    `,
  },
  {
    version: 27,
    name: 'the patient directory keeps the referring GP (name, RPPS, e-mail)',
    sql: `
      CREATE TABLE patient_referring_gps (
        patient_id  text PRIMARY KEY REFERENCES patients(id),
        name        text NOT NULL,
        rpps        text,
        email       text,
        updated_at  timestamptz NOT NULL,
        updated_by  text NOT NULL
      );
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
        gateway_id  text NOT NULL,
        device_id   text NOT NULL,
        user_index  integer NOT NULL CHECK (user_index BETWEEN 0 AND 254),
        patient_id  text NOT NULL REFERENCES patients(id),
        set_at      timestamptz NOT NULL,
        set_by      text NOT NULL,
        PRIMARY KEY (gateway_id, device_id, user_index)
      );
    `,
  },
  {
    version: 30,
    name: "the acts' rooms on the forwarding unit and the guests let in, across a cloud restart",
    sql: `
      -- docs/conversation.md « Across a cloud restart »: one row per act whose room is open (a guest was
      -- let in), gone when the act ends; the room itself (the unit's peers) is rebuilt, not stored.
      CREATE TABLE act_rooms (
        session_id  text COLLATE "C" PRIMARY KEY,
        gateway_id  text,
        opened_by   text NOT NULL,
        opened_at   timestamptz NOT NULL
      );
      -- When the specialist let the link's participant in: a guest back after a restart is let in again.
      ALTER TABLE act_links ADD COLUMN admitted_at timestamptz;
    `,
  },
  {
    version: 31,
    name: "a patient's report link asks the date of birth: wrong answers counted, the link locked at the fifth",
    sql: `
      ALTER TABLE report_links ADD COLUMN failed_attempts integer NOT NULL DEFAULT 0;
      ALTER TABLE report_links ADD COLUMN locked_at timestamptz;
    `,
  },
  {
    version: 32,
    name: "the patient's own contact (e-mail, mobile) in the directory, with who changed it and when",
    sql: `
      -- docs/patient-directory.md « The patient's contact »: both null is a contact removed (kept, so the
      -- configuration's seed does not come back); updated_by 'configuration' is the seed.
      CREATE TABLE patient_contacts (
        patient_id  text PRIMARY KEY REFERENCES patients(id),
        email       text,
        phone       text,
        updated_at  timestamptz NOT NULL,
        updated_by  text NOT NULL
      );
    `,
  },
  {
    version: 33,
    name: "a home act's media halves (each page's word that it decoded the other), across a restart or a hand-over",
    sql: `
      -- docs/teleconsultation.md « The home act's status »: when the specialist's page and the patient's page
      -- first said they decoded the other; the act's media are up when both did. Gone when the act ends.
      CREATE TABLE home_act_media (
        session_id     text COLLATE "C" PRIMARY KEY,
        specialist_at  timestamptz,
        patient_at     timestamptz
      );
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

/** Arbitrary constant naming the migration lock (pg_advisory_xact_lock is per database). */
const MIGRATION_LOCK = 0x7e1eca27;

export async function migratePostgres(client: pg.ClientBase, now: () => Date, schema?: string): Promise<number[]> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    if (schema !== undefined) await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL
    )`);
    const applied = new Set(
      (await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => Number(r.version)),
    );
    const newest = Math.max(0, ...applied);
    const known = Math.max(0, ...PG_MIGRATIONS.map((m) => m.version));
    if (newest > known) throw new Error(`database schema version ${newest} is newer than this release knows (${known})`);
    const done: number[] = [];
    for (const m of PG_MIGRATIONS) {
      if (applied.has(m.version)) continue;
      await client.query(m.sql);
      await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [m.version, m.name, now()]);
      done.push(m.version);
    }
    await client.query('COMMIT');
    return done;
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
}

/** A double-quoted SQL identifier. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
