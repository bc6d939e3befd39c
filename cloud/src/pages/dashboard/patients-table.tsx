/**
 * The patient table: each patient's latest value of each summary vital, with unit, local time and
 * flags. Rendered on the server for the page and for the fragment the browser re-fetches on every
 * reading (GET /dashboard/patients), so formatting rules live in one place.
 */
import { VITAL_CATALOGUE, vitalLabels } from '@telecart/devices';
import { dashboard, type Lang, renderFragment, type TextsOf, textsIn } from '@telecart/ui';
import type { PatientOverview } from '../../vitals/overview.js';
import { VITAL_KEYS, type VitalReading } from '../../vitals/summary.js';
import { displayName, formatDate, formatTime } from './format.js';

export interface RenderOptions {
  lang: Lang;
  timeZone: string;
  /** The signed-in clinician, shown with a sign-out button (none in open access). */
  reader?: { name: string } | null;
}

type T = TextsOf<typeof dashboard>;

function formatValue(v: VitalReading, locale: string): string {
  const digits = VITAL_CATALOGUE[v.key].digits;
  const nf = new Intl.NumberFormat(locale, { maximumFractionDigits: digits, minimumFractionDigits: digits });
  return v.values.map((n) => nf.format(n)).join('/');
}

function VitalCell(props: { v: VitalReading | undefined; t: T; timeZone: string }) {
  const { v, t } = props;
  if (!v)
    return (
      <td class="empty">
        <span class="visually-hidden">{t.noReading}</span>
        <span aria-hidden="true">—</span>
      </td>
    );
  return (
    <td data-observation={v.observationId} class={v.flags.length ? 'flagged' : undefined}>
      <span class="value">{formatValue(v, t.locale)}</span> <span class="unit">{v.unitDisplay}</span>
      <time datetime={v.effective}>{formatTime(v.effective, t.locale, props.timeZone)}</time>
      {v.flags.length > 0 && (
        <span class="flags">
          <span aria-hidden="true">⚠ </span>
          {v.flags.join(', ')}
        </span>
      )}
    </td>
  );
}

function PatientHeader(props: { p: PatientOverview; t: T; lang: Lang }) {
  const { p, t } = props;
  const details: string[] = [];
  if (p.birthDate) details.push(`${t.born} ${formatDate(p.birthDate, t.locale)}`);
  if (p.ins) details.push(`${t.ins} ${p.ins}`);
  if (p.source === 'observed') details.push(t.unregistered);
  return (
    <th scope="row">
      {/* The name opens the patient's trends page. */}
      <a class="name" href={`patients/${encodeURIComponent(p.id)}?lang=${props.lang}`}>
        {displayName(p, p.id)}
      </a>
      {details.length > 0 && <span class="details">{details.join(' · ')}</span>}
    </th>
  );
}

export function PatientsTable(props: { patients: readonly PatientOverview[]; o: RenderOptions }) {
  const { lang, timeZone } = props.o;
  const t = textsIn(dashboard, lang);
  if (props.patients.length === 0) return <p class="none">{t.noPatients}</p>;
  const labels = vitalLabels(VITAL_KEYS, lang);
  return (
    <table>
      <caption>{t.caption}</caption>
      <thead>
        <tr>
          <th scope="col">{t.patient}</th>
          {VITAL_KEYS.map((k) => (
            <th scope="col">{labels[k]}</th>
          ))}
        </tr>
      </thead>
      <tbody>
        {props.patients.map((p) => (
          <tr data-patient={p.id}>
            <PatientHeader p={p} t={t} lang={lang} />
            {VITAL_KEYS.map((k) => (
              <VitalCell v={p.vitals[k]} t={t} timeZone={timeZone} />
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** What #patients-table holds; the browser swaps it in on every update. */
export function renderPatientsFragment(patients: readonly PatientOverview[], o: RenderOptions): string {
  return renderFragment(<PatientsTable patients={patients} o={o} />);
}
