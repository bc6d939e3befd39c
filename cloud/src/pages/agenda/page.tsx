/**
 * The specialist's agenda (GET /agenda: appointments of a day or a week, and the form that books
 * one) and the list of acts (GET /acts: filters by period, site, specialist, status, and the CSV
 * export with the same filters). Rendered on the server; browser/main.ts only posts the form.
 */

import { agenda, format, InlineScript, type Lang, loadPageBundle, PageHead, renderDocument, type TextsOf, textsIn } from '@telecart/ui';
import { wallClock } from '../../activity/zoned-days.js';
import { pageCsp } from '../../http/csp.js';
import { FAVICON_HREF } from '../../http/routes/favicon.js';
import type { AppointmentRecord } from '../../store/appointment-records.js';
import type { TeleconsultationRecord } from '../../store/teleconsult-records.js';
import { STATUS_LABELS } from '../../teleconsult/status-machine.js';
import { formatTime } from '../dashboard/format.js';
import { DASHBOARD_CSS } from '../dashboard/style.js';

const bundle = () => loadPageBundle(import.meta.url);

export function agendaPageCsp(): string {
  return pageCsp({ scripts: [bundle().source], styles: [DASHBOARD_CSS] });
}

export function actsPageCsp(): string {
  return pageCsp({ scripts: [], styles: [DASHBOARD_CSS] });
}

type T = TextsOf<typeof agenda>;

export interface AgendaView {
  lang: Lang;
  timeZone: string;
  view: 'day' | 'week';
  /** YYYY-MM-DD, the first day shown. */
  date: string;
  previous: string;
  next: string;
  appointments: readonly AppointmentRecord[];
  /** Display names of the patients and specialists named. */
  patientNames: ReadonlyMap<string, string>;
  specialistNames: ReadonlyMap<string, string>;
  /** What the form offers: the specialist's carts' patients (with their carts), specialists and specialties. */
  patients: readonly { id: string; name: string; gateways: readonly string[] }[];
  specialists: readonly { id: string; name: string }[];
  specialties: readonly string[];
}

function Nav(props: { t: T; lang: Lang }) {
  return (
    <nav>
      <a href={`/agenda?lang=${props.lang}`}>{props.t.agendaLink}</a> · <a href={`/acts?lang=${props.lang}`}>{props.t.actsLink}</a>
    </nav>
  );
}

const minutes = (a: AppointmentRecord) => Math.round((Date.parse(a.end) - Date.parse(a.start)) / 60_000);

/** The instant as a datetime-local input's value (YYYY-MM-DDTHH:mm), on the wall clock of the zone. */
export function localInputValue(iso: string, timeZone: string): string {
  const w = wallClock(new Date(iso), timeZone);
  return `${w.year}-${w.month}-${w.day}T${w.hour}:${w.minute}`;
}

/** A scheduled appointment's move and cancel forms (browser/main.ts sends them to the API, as the booking form). */
function Change(props: { t: T; a: AppointmentRecord; patient: string; when: string; timeZone: string }) {
  const { t, a } = props;
  return (
    <details class="appointment-change">
      <summary>{t.change}</summary>
      <form class="reschedule-form" data-appointment={a.id}>
        <label for={`move-start-${a.id}`}>{t.newStart}</label>{' '}
        <input id={`move-start-${a.id}`} name="start" type="datetime-local" required value={localInputValue(a.start, props.timeZone)} />{' '}
        <label for={`move-minutes-${a.id}`}>{t.duration}</label>{' '}
        <input id={`move-minutes-${a.id}`} name="minutes" type="number" min={5} max={240} required value={String(minutes(a))} />{' '}
        <button type="submit">{t.move}</button>
      </form>
      <form class="cancel-form" data-appointment={a.id} data-patient={props.patient} data-when={props.when}>
        <label for={`cancel-reason-${a.id}`}>{t.cancelReason}</label>{' '}
        <input id={`cancel-reason-${a.id}`} name="reason" required maxLength={200} /> <button type="submit">{t.cancelAppointment}</button>
      </form>
      <p class="change-message" role="status" />
    </details>
  );
}

export function renderAgendaPage(v: AgendaView): string {
  const t = textsIn(agenda, v.lang);
  const locale = v.lang === 'fr' ? 'fr-FR' : 'en-GB';
  const link = (view: string, date: string) => `/agenda?view=${view}&date=${date}&lang=${v.lang}`;
  return renderDocument(
    <html lang={v.lang}>
      <PageHead title={t.title} icon={FAVICON_HREF} css={DASHBOARD_CSS} />
      <body>
        <main>
          <Nav t={t} lang={v.lang} />
          <h1>{t.heading}</h1>
          <p>
            <a href={link('day', v.date)} aria-current={v.view === 'day' ? 'page' : undefined}>
              {t.day}
            </a>{' '}
            ·{' '}
            <a href={link('week', v.date)} aria-current={v.view === 'week' ? 'page' : undefined}>
              {t.week}
            </a>{' '}
            · <a href={link(v.view, v.previous)}>{t.previous}</a> · <a href={link(v.view, v.next)}>{t.next}</a>
          </p>
          {v.appointments.length === 0 ? (
            <p id="agenda-empty">{t.none}</p>
          ) : (
            <table id="agenda">
              <thead>
                <tr>
                  <th scope="col">{t.time}</th>
                  <th scope="col">{t.duration}</th>
                  <th scope="col">{t.patient}</th>
                  <th scope="col">{t.cart}</th>
                  <th scope="col">{t.specialist}</th>
                  <th scope="col">{t.reason}</th>
                  <th scope="col">{t.status}</th>
                  <th scope="col">{t.actions}</th>
                </tr>
              </thead>
              <tbody>
                {v.appointments.map((a) => (
                  <tr data-appointment={a.id} data-status={a.status}>
                    <td>
                      <time datetime={a.start}>{formatTime(a.start, locale, v.timeZone)}</time>
                    </td>
                    <td>{minutes(a)}</td>
                    <td>{v.patientNames.get(a.patientId) ?? a.patientId}</td>
                    <td>{a.gatewayId}</td>
                    <td>
                      {a.specialistId
                        ? (v.specialistNames.get(a.specialistId) ?? a.specialistId)
                        : format(t.pool, { specialty: a.specialty ?? '' })}
                    </td>
                    <td>{a.reason ?? ''}</td>
                    <td>{STATUS_LABELS[a.status][v.lang]}</td>
                    <td>
                      {a.status === 'scheduled' ? (
                        <Change
                          t={t}
                          a={a}
                          patient={v.patientNames.get(a.patientId) ?? a.patientId}
                          when={formatTime(a.start, locale, v.timeZone)}
                          timeZone={v.timeZone}
                        />
                      ) : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <h2>{t.scheduleHeading}</h2>
          <form id="schedule-form">
            <p>
              <label for="schedule-patient">{t.patient}</label>
              <br />
              <select id="schedule-patient" name="patient" required>
                {v.patients.map((p) => (
                  <option value={p.id} data-gateways={p.gateways.join(' ')}>
                    {p.name}
                  </option>
                ))}
              </select>
            </p>
            <p>
              <label for="schedule-gateway">{t.cart}</label>
              <br />
              <select id="schedule-gateway" name="gateway" required>
                {[...new Set(v.patients.flatMap((p) => p.gateways))].sort().map((g) => (
                  <option value={g}>{g}</option>
                ))}
              </select>
            </p>
            <p>
              <label for="schedule-start">{t.start}</label>
              <br />
              <input id="schedule-start" name="start" type="datetime-local" required />
            </p>
            <p>
              <label for="schedule-minutes">{t.duration}</label>
              <br />
              <input id="schedule-minutes" name="minutes" type="number" min={5} max={240} value="20" required />
            </p>
            <p>
              <label for="schedule-reason">{t.reason}</label>
              <br />
              <input id="schedule-reason" name="reason" maxLength={500} />
            </p>
            <p>
              <label for="schedule-specialist">{t.specialistOrPool}</label>
              <br />
              <select id="schedule-specialist" name="specialist">
                <option value="">—</option>
                {v.specialists.map((s) => (
                  <option value={s.id}>{s.name}</option>
                ))}
              </select>
            </p>
            <p>
              <label for="schedule-specialty">{t.specialty}</label>
              <br />
              <select id="schedule-specialty" name="specialty">
                <option value="">—</option>
                {v.specialties.map((s) => (
                  <option value={s}>{s}</option>
                ))}
              </select>
            </p>
            <p>
              <button type="submit">{t.schedule}</button>
            </p>
            <p id="schedule-message" role="status" />
          </form>
        </main>
        <InlineScript source={bundle().source} />
      </body>
    </html>,
  );
}

export interface ActsView {
  lang: Lang;
  timeZone: string;
  filters: { from?: string; to?: string; site?: string; specialist?: string; status?: string };
  sites: readonly { id: string; name: string }[];
  acts: readonly { act: TeleconsultationRecord; patient: string; site: string }[];
}

/** The CSV export's URL for the same filters. */
export function exportHref(f: ActsView['filters'], lang: Lang): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(f)) if (v) q.set(k, v);
  q.set('lang', lang);
  return `/api/acts.csv?${q.toString()}`;
}

export function renderActsPage(v: ActsView): string {
  const t = textsIn(agenda, v.lang);
  const locale = v.lang === 'fr' ? 'fr-FR' : 'en-GB';
  const f = v.filters;
  return renderDocument(
    <html lang={v.lang}>
      <PageHead title={t.actsTitle} icon={FAVICON_HREF} css={DASHBOARD_CSS} />
      <body>
        <main>
          <Nav t={t} lang={v.lang} />
          <h1>{t.actsHeading}</h1>
          <form id="acts-filters" method="get" action="/acts">
            <input type="hidden" name="lang" value={v.lang} />
            <label for="acts-from">{t.from}</label> <input id="acts-from" name="from" type="date" value={f.from ?? ''} />{' '}
            <label for="acts-to">{t.to}</label> <input id="acts-to" name="to" type="date" value={f.to ?? ''} />{' '}
            <label for="acts-site">{t.site}</label>{' '}
            <select id="acts-site" name="site">
              <option value="">{t.anySite}</option>
              {v.sites.map((s) => (
                <option value={s.id} selected={s.id === f.site}>
                  {s.name}
                </option>
              ))}
            </select>{' '}
            <label for="acts-specialist">{t.specialist}</label>{' '}
            <input id="acts-specialist" name="specialist" maxLength={64} value={f.specialist ?? ''} />{' '}
            <label for="acts-status">{t.status}</label>{' '}
            <select id="acts-status" name="status">
              <option value="">{t.anyStatus}</option>
              {Object.entries(STATUS_LABELS).map(([s, l]) => (
                <option value={s} selected={s === f.status}>
                  {l[v.lang]}
                </option>
              ))}
            </select>{' '}
            <button type="submit">{t.filter}</button>
          </form>
          <p>
            <a id="acts-export" href={exportHref(f, v.lang)}>
              {t.export}
            </a>
          </p>
          {v.acts.length === 0 ? (
            <p id="acts-empty">{t.noActs}</p>
          ) : (
            <table id="acts">
              <thead>
                <tr>
                  <th scope="col">{t.date}</th>
                  <th scope="col">{t.patient}</th>
                  <th scope="col">{t.site}</th>
                  <th scope="col">{t.cart}</th>
                  <th scope="col">{t.specialist}</th>
                  <th scope="col">{t.reason}</th>
                  <th scope="col">{t.status}</th>
                </tr>
              </thead>
              <tbody>
                {v.acts.map(({ act, patient, site }) => (
                  <tr data-act={act.sessionId} data-status={act.status}>
                    <td>
                      <time datetime={act.createdAt}>{formatTime(act.createdAt, locale, v.timeZone)}</time>
                    </td>
                    <td>{patient}</td>
                    <td>{site}</td>
                    <td>{act.gatewayId}</td>
                    <td>{act.specialistName ?? act.requestedSpecialistId ?? ''}</td>
                    <td>{act.reason ?? ''}</td>
                    <td>{STATUS_LABELS[act.status][v.lang]}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </main>
      </body>
    </html>,
  );
}
