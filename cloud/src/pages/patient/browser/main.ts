/**
 * The trends page's code. It fetches the period's points from /api/patients/:id/trends and draws
 * one uPlot chart per vital that has readings, with threshold lines and a text alternative in
 * words. Times are shown in the service's zone. Live: each new reading of the patient (SSE
 * /api/events?patient=) redraws the period shown.
 * State for tests and debugging: window.telecartTrends = { days, charts: {key: uPlot}, points: {key: n}, live: redraws }.
 */
import { byId, el, readJson } from '@telecart/ui/browser';
import { patient, textsIn } from '@telecart/ui/i18n';
import type { PatientPageData, TrendsResponse } from '../page-data.js';
import { CHART_HEIGHT, CHART_MIN_WIDTH, drawChart } from './chart.js';
import { formatsFor } from './formats.js';
import { summary } from './summary.js';
import { type UPlot, uplotGlobal } from './uplot-global.js';

interface TrendsState {
  days: number;
  charts: Record<string, UPlot>;
  points: Record<string, number>;
  request: number;
  /** Redraws caused by a live reading. */
  live?: number;
}

const DAY = 86_400_000;
const cfg = readJson<PatientPageData>('patient-page-data');
const t = textsIn(patient, cfg.lang);
const f = formatsFor(t.locale, cfg.timeZone, cfg.digits);
const main = byId('patient-main');
const chartsEl = byId('charts');
const status = byId('trends-status');
const empty = byId('trends-empty');
const exportLink = byId<HTMLAnchorElement>('export-fhir');
const langLink = byId<HTMLAnchorElement>('lang-link');
const buttons = Array.from(document.querySelectorAll<HTMLButtonElement>('#periods button'));
const other = cfg.lang === 'fr' ? 'en' : 'fr';
const state: TrendsState = { days: cfg.days, charts: {}, points: {}, request: 0 };
(window as unknown as { telecartTrends: TrendsState }).telecartTrends = state;
// The dashboard remembers the language the same way.
try {
  localStorage.setItem('telecart.lang', cfg.lang);
} catch {
  /* storage disabled */
}

const label = (key: string) => cfg.vitals[key] ?? key;

function draw(uPlot: typeof UPlot, resp: TrendsResponse): void {
  for (const c of Object.values(state.charts)) c.destroy();
  state.charts = {};
  state.points = {};
  chartsEl.textContent = '';
  const from = Date.parse(resp.from);
  const to = Date.parse(resp.to);
  const missing: string[] = [];
  for (const vt of resp.vitals) {
    state.points[vt.key] = vt.points.length;
    if (!vt.points.length) {
      missing.push(label(vt.key));
      continue;
    }
    const refs = cfg.thresholds[vt.key] ?? [];
    const lines = refs.length ? ` · ${t.threshold} ${refs.map((r) => f.value(vt.key, r)).join(', ')} ${vt.unitDisplay}` : '';
    const titleId = `chart-${vt.key}-title`;
    const altId = `chart-${vt.key}-alt`;
    const box = el('div', { class: 'chart', role: 'img', 'aria-labelledby': `${titleId} ${altId}` });
    const cap = el('figcaption', { id: altId, class: vt.truncated || vt.skipped ? 'note' : undefined }, summary(vt, label(vt.key), t, f));
    const fig = el(
      'figure',
      { 'data-vital': vt.key, 'data-points': vt.points.length },
      el('h3', { id: titleId }, `${label(vt.key)} (${vt.unitDisplay})${lines}`),
      box,
      cap,
    );
    chartsEl.append(fig);
    state.charts[vt.key] = drawChart(uPlot, { vt, vital: label(vt.key), refs, from, to, timeZone: cfg.timeZone }, box, t, f);
  }
  empty.hidden = missing.length === 0;
  empty.textContent = missing.length ? `${t.noneInPeriod} ${missing.join(', ')}` : '';
}

function failed(): void {
  status.setAttribute('data-state', 'failed');
  status.textContent = t.loadFailed;
  main.setAttribute('data-state', 'failed');
}

function load(uPlot: typeof UPlot, days: number, initial = false): void {
  const req = ++state.request;
  state.days = days;
  main.setAttribute('data-days', String(days));
  main.setAttribute('data-state', 'loading');
  for (const b of buttons) b.setAttribute('aria-pressed', String(Number(b.dataset.days) === days));
  const to = Date.now();
  const from = to - days * DAY;
  exportLink.href = `${cfg.exportBase}&date=ge${encodeURIComponent(new Date(from).toISOString())}&_count=${cfg.exportCount}`;
  langLink.href = `?lang=${other}&days=${days}`;
  // A reload or a shared link keeps the period.
  if (!initial) {
    try {
      history.replaceState(null, '', `?lang=${cfg.lang}&days=${days}`);
    } catch {
      /* not critical */
    }
  }
  status.removeAttribute('data-state');
  status.textContent = t.loading;
  const url = `${cfg.trendsUrl}?from=${encodeURIComponent(new Date(from).toISOString())}&to=${encodeURIComponent(new Date(to).toISOString())}`;
  fetch(url, { headers: { accept: 'application/json' }, cache: 'no-store' })
    .then((r) => {
      // Signed out elsewhere or the login expired: reloading leads to the sign-in page.
      if (r.status === 401) location.reload();
      if (!r.ok) throw new Error(`HTTP ${r.status}`);
      return r.json() as Promise<TrendsResponse>;
    })
    .then((resp) => {
      if (req !== state.request) return;
      draw(uPlot, resp);
      status.textContent = '';
      main.setAttribute('data-state', 'ready');
    })
    .catch(() => {
      if (req !== state.request) return;
      failed();
    });
}

function start(uPlot: typeof UPlot): void {
  for (const b of buttons)
    b.addEventListener('click', () => {
      const d = Number(b.dataset.days);
      if (d !== state.days || main.getAttribute('data-state') === 'failed') load(uPlot, d);
    });
  let resizing = false;
  window.addEventListener('resize', () => {
    if (resizing) return;
    resizing = true;
    requestAnimationFrame(() => {
      resizing = false;
      for (const c of Object.values(state.charts)) {
        const width = c.root.parentElement?.clientWidth ?? 0;
        c.setSize({ width: Math.max(CHART_MIN_WIDTH, width), height: CHART_HEIGHT });
      }
    });
  });
  load(uPlot, cfg.days, true);
  // Live: a new reading of this patient redraws the period shown (debounced: a burst is one redraw).
  if ('EventSource' in window) {
    let pending: ReturnType<typeof setTimeout> | null = null;
    new EventSource(cfg.eventsUrl).addEventListener('observation', () => {
      if (pending !== null) return;
      pending = setTimeout(() => {
        pending = null;
        state.live = (state.live ?? 0) + 1;
        load(uPlot, state.days);
      }, 500);
    });
  }
}

const uPlot = uplotGlobal();
if (uPlot) start(uPlot);
else failed();
