/**
 * The administration page (GET /admin): tabs Accounts, Carts and Patients of the administrator's
 * sites. The server renders the shell and the forms; browser/main.ts asks /api/specialist/me which
 * tabs the account's permissions open, fills them from the admin and directory JSON APIs and shows
 * their refusals as worded. Hiding a tab is a convenience: each API checks its permission again.
 */

import { INS_OIDS } from '@telecart/devices';
import { admin, InlineScript, type Lang, loadPageBundle, PageHead, renderDocument, type TextsOf, textsIn } from '@telecart/ui';
import { ROLES } from '../../auth/permissions.js';
import { pageCsp } from '../../http/csp.js';
import { FAVICON_HREF } from '../../http/routes/favicon.js';
import type { IDENTITY_STATUSES } from '../../store/directory-records.js';
import { Field, ListTable } from './parts.js';
import { CartEnrol, SitesTab } from './sites-tab.js';
import { ADMIN_CSS } from './style.js';

const bundle = () => loadPageBundle(import.meta.url);

export function adminPageCsp(): string {
  return pageCsp({ scripts: [bundle().source], styles: [ADMIN_CSS] });
}

type T = TextsOf<typeof admin>;

/** The catalogue key of each identity status (the codes stay the API's). */
export const STATUS_KEYS = {
  provisional: 'statusProvisional',
  recovered: 'statusRecovered',
  validated: 'statusValidated',
  qualified: 'statusQualified',
} as const satisfies Record<(typeof IDENTITY_STATUSES)[number], keyof T>;

function AccountsTab({ t }: { t: T }) {
  return (
    <section id="tab-accounts" role="tabpanel" aria-labelledby="tab-button-accounts" hidden>
      <ListTable id="accounts" columns={[t.id, t.name, t.role, t.sites, t.state, t.actions]} />
      <p id="accounts-message" role="status" />
      <section id="nurse-credentials" aria-labelledby="nurse-credentials-heading" hidden>
        <h2 id="nurse-credentials-heading">{t.nurseCredentials}</h2>
        <p>{t.nurseCredentialsHint}</p>
        <ListTable id="nurses" columns={[t.nurse, t.nurseCarts, t.pin, t.badge, t.actions]} />
        <p id="nurses-empty" hidden>
          {t.noNurses}
        </p>
        <p id="nurses-message" role="status" />
      </section>
      <h2>{t.createAccount}</h2>
      <form id="account-form">
        <Field id="account-id" label={t.id}>
          <input id="account-id" name="id" required maxLength={64} pattern="[A-Za-z0-9][A-Za-z0-9_.@\-]*" />
        </Field>
        <Field id="account-name" label={t.name}>
          <input id="account-name" name="name" required maxLength={128} />
        </Field>
        <Field id="account-role" label={t.role}>
          <select id="account-role" name="role" required>
            {ROLES.map((r) => (
              <option value={r}>{r}</option>
            ))}
          </select>
        </Field>
        <Field id="account-rpps" label={t.rpps}>
          <input id="account-rpps" name="rpps" inputMode="numeric" maxLength={11} />
        </Field>
        <fieldset id="account-sites">
          <legend>{t.sites}</legend>
        </fieldset>
        <Field id="account-password" label={t.password}>
          <input id="account-password" name="password" type="password" required minLength={12} autocomplete="new-password" />
        </Field>
        <p>
          <button type="submit">{t.create}</button>
        </p>
      </form>
    </section>
  );
}

function CartsTab({ t }: { t: T }) {
  return (
    <section id="tab-carts" role="tabpanel" aria-labelledby="tab-button-carts" hidden>
      <ListTable id="carts" columns={[t.cart, t.site, t.state, t.backlog, t.version, t.lastSeen, t.actions]} />
      <p id="carts-empty" hidden>
        {t.noCarts}
      </p>
      <CartEnrol t={t} />
      <DeviceUsers t={t} />
    </section>
  );
}

function DeviceUsers({ t }: { t: T }) {
  return (
    <section aria-labelledby="device-users-heading">
      <h2 id="device-users-heading">{t.deviceUsers}</h2>
      <p>{t.deviceUsersHint}</p>
      <form id="device-user-form">
        <Field id="du-cart" label={t.cart}>
          <select id="du-cart" name="cart" required />
        </Field>
        <Field id="du-device" label={t.device}>
          <input id="du-device" name="deviceId" required maxLength={128} pattern="[!-~]+" placeholder="ble:C4:7C:8D:6A:00:02" />
        </Field>
        <Field id="du-user" label={t.userNumber}>
          <input id="du-user" name="userIndex" type="number" required min={0} max={254} step={1} />
        </Field>
        <Field id="du-patient" label={t.patient}>
          <select id="du-patient" name="patientId" required />
        </Field>
        <p>
          <button type="submit">{t.save}</button>
        </p>
      </form>
      <table id="device-users">
        <thead>
          <tr>
            <th scope="col">{t.device}</th>
            <th scope="col">{t.userNumber}</th>
            <th scope="col">{t.patient}</th>
            <th scope="col">{t.setBy}</th>
            <th scope="col">{t.actions}</th>
          </tr>
        </thead>
        <tbody />
      </table>
      <p id="device-users-empty" hidden>
        {t.noDeviceUsers}
      </p>
      <p id="device-users-message" role="status" />
    </section>
  );
}

function PatientsTab({ t }: { t: T }) {
  return (
    <section id="tab-patients" role="tabpanel" aria-labelledby="tab-button-patients" hidden>
      <ListTable id="patients" columns={[t.id, t.patient, t.birthDate, t.identityStatus, t.location]} />
      <p id="patients-message" role="status" />
      <h2>{t.duplicates}</h2>
      <ul id="duplicates" />
      <p id="duplicates-empty" hidden>
        {t.noDuplicates}
      </p>
      <h2>{t.createPatient}</h2>
      <form id="patient-form">
        <Field id="patient-id" label={t.id}>
          <input id="patient-id" name="id" required maxLength={64} pattern="[A-Za-z0-9._\-]+" />
        </Field>
        <Field id="patient-family" label={t.family}>
          <input id="patient-family" name="family" required maxLength={100} />
        </Field>
        <Field id="patient-given" label={t.given}>
          <input id="patient-given" name="given" required maxLength={100} />
        </Field>
        <Field id="patient-birth-date" label={t.birthDate}>
          <input id="patient-birth-date" name="birthDate" type="date" required />
        </Field>
        <Field id="patient-ins" label={t.ins}>
          <input id="patient-ins" name="ins" maxLength={32} />
        </Field>
        <Field id="patient-ins-oid" label={t.insOid}>
          <select id="patient-ins-oid" name="insOid">
            {Object.entries(INS_OIDS).map(([oid, kind]) => (
              <option value={oid}>{kind}</option>
            ))}
          </select>
        </Field>
        <Field id="patient-status" label={t.identityStatus}>
          <select id="patient-status" name="identityStatus">
            {Object.entries(STATUS_KEYS).map(([s, k]) => (
              <option value={s}>{t[k]}</option>
            ))}
          </select>
        </Field>
        <p>
          <button type="submit">{t.create}</button>
        </p>
      </form>
      <h2>{t.patientContact}</h2>
      <p>{t.patientContactHint}</p>
      <form id="contact-form">
        <Field id="contact-patient" label={t.patient}>
          <select id="contact-patient" name="patient" required />
        </Field>
        <Field id="contact-email" label={t.email}>
          <input id="contact-email" name="email" type="email" maxLength={320} />
        </Field>
        <Field id="contact-phone" label={t.mobile}>
          <input id="contact-phone" name="phone" type="tel" maxLength={32} />
        </Field>
        <p id="contact-state" />
        <p>
          <button type="submit">{t.save}</button>{' '}
          <button type="button" id="contact-remove">
            {t.remove}
          </button>
        </p>
      </form>
      <h2>{t.movement}</h2>
      <form id="movement-form">
        <Field id="movement-patient" label={t.patient}>
          <select id="movement-patient" name="patient" required />
        </Field>
        <Field id="movement-kind" label={t.movementKind}>
          <select id="movement-kind" name="kind">
            <option value="admit">{t.admit}</option>
            <option value="transfer">{t.transfer}</option>
            <option value="discharge">{t.discharge}</option>
          </select>
        </Field>
        <Field id="movement-gateway" label={t.cart}>
          <input id="movement-gateway" name="gateway" maxLength={64} />
        </Field>
        <Field id="movement-local" label={t.localId}>
          <input id="movement-local" name="localId" maxLength={64} />
        </Field>
        <Field id="movement-reason" label={t.reason}>
          <input id="movement-reason" name="reason" maxLength={200} />
        </Field>
        <p>
          <button type="submit">{t.apply}</button>
        </p>
      </form>
    </section>
  );
}

export function renderAdminPage(lang: Lang): string {
  const t = textsIn(admin, lang);
  const tabs = [
    ['accounts', t.tabAccounts],
    ['carts', t.tabCarts],
    ['patients', t.tabPatients],
    ['sites', t.tabSites],
  ] as const;
  return renderDocument(
    <html lang={lang}>
      <PageHead title={t.title} icon={FAVICON_HREF} css={ADMIN_CSS} />
      <body>
        <main>
          <h1>{t.heading}</h1>
          <p id="admin-status" role="status">
            {t.loading}
          </p>
          <div role="tablist">
            {tabs.map(([id, label]) => (
              <button type="button" role="tab" id={`tab-button-${id}`} aria-controls={`tab-${id}`} aria-selected="false" hidden>
                {label}
              </button>
            ))}
          </div>
          <AccountsTab t={t} />
          <CartsTab t={t} />
          <PatientsTab t={t} />
          <SitesTab t={t} />
        </main>
        <InlineScript source={bundle().source} />
      </body>
    </html>,
  );
}
