/** The Sites tab of the administration page: the administrator's sites and the on-call teams of their programmes (browser/sites.ts, browser/oncall.ts). */
import type { admin, TextsOf } from '@telecart/ui';
import { PROGRAMMES } from '../../alerts/config.js';
import { Field, ListTable } from './parts.js';

type T = TextsOf<typeof admin>;

export function SitesTab({ t }: { t: T }) {
  return (
    <section id="tab-sites" role="tabpanel" aria-labelledby="tab-button-sites" hidden>
      <ListTable id="sites" columns={[t.id, t.name, t.kind, t.carts, t.contact, t.acrPolicy]} />
      <p id="sites-message" role="status" />
      <form id="acr-form">
        <Field id="acr-site" label={t.site}>
          <select id="acr-site" name="site" required />
        </Field>
        <Field id="acr-accept" label={t.acrAccept}>
          <input id="acr-accept" name="acrAccept" maxLength={400} />
        </Field>
        <p>
          <button type="submit">{t.saveAcr}</button>
        </p>
      </form>
      <h2>{t.oncall}</h2>
      <ListTable id="teams" columns={[t.team, t.site, t.programme, t.members, t.quietHours]} />
      <p id="teams-empty" hidden>
        {t.noTeams}
      </p>
      <p id="oncall-message" role="status" />
      <form id="team-form">
        <Field id="team-id" label={t.team}>
          <input id="team-id" name="id" required maxLength={64} pattern="[A-Za-z0-9][A-Za-z0-9_.\-]*" />
        </Field>
        <Field id="team-site" label={t.site}>
          <select id="team-site" name="site" />
        </Field>
        <Field id="team-programme" label={t.programme}>
          <select id="team-programme" name="programme">
            {PROGRAMMES.map((p) => (
              <option value={p}>{p}</option>
            ))}
          </select>
        </Field>
        <Field id="team-quiet-from" label={t.quietFrom}>
          <input id="team-quiet-from" name="quietFrom" type="time" />
        </Field>
        <Field id="team-quiet-to" label={t.quietTo}>
          <input id="team-quiet-to" name="quietTo" type="time" />
        </Field>
        {([1, 2] as const).map((n) => (
          <fieldset id={`team-level-${n}`}>
            <legend>{n === 1 ? t.level1 : t.level2}</legend>
            {n === 2 ? (
              <Field id="team-after-2" label={t.afterMinutes}>
                <input id="team-after-2" name="after2" type="number" min={0} max={10080} value="30" />
              </Field>
            ) : null}
            <Field id={`team-name-${n}`} label={t.name}>
              <input id={`team-name-${n}`} name={`name${n}`} maxLength={100} required={n === 1} />
            </Field>
            <Field id={`team-email-${n}`} label={t.email}>
              <input id={`team-email-${n}`} name={`email${n}`} type="email" maxLength={320} />
            </Field>
            <Field id={`team-phone-${n}`} label={t.phone}>
              <input id={`team-phone-${n}`} name={`phone${n}`} type="tel" pattern="\+[1-9][0-9]{6,14}" />
            </Field>
          </fieldset>
        ))}
        <p>
          <button type="submit">{t.saveTeam}</button>
        </p>
      </form>
    </section>
  );
}

/** The enrolment form of the Carts tab and where its one-time token is shown (browser/cart-enrol.ts). */
export function CartEnrol({ t }: { t: T }) {
  return (
    <>
      <p id="carts-message" role="status" />
      <h2>{t.enrolCart}</h2>
      <form id="cart-form">
        <Field id="cart-id" label={t.cart}>
          <input id="cart-id" name="gatewayId" required maxLength={64} pattern="[A-Za-z0-9][A-Za-z0-9_.\-]*" />
        </Field>
        <Field id="cart-site" label={t.site}>
          <select id="cart-site" name="site" required />
        </Field>
        <p>
          <button type="submit">{t.enrol}</button>
        </p>
      </form>
      <div id="cart-token" hidden>
        <p id="cart-token-label" />
        <p>
          <code id="cart-token-value" />{' '}
          <button type="button" id="cart-token-copy">
            {t.copy}
          </button>
        </p>
      </div>
    </>
  );
}
