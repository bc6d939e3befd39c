/**
 * The minimal nurse page served at /: pick the patient, see the last readings arrive (held ones
 * flagged), assign held readings, call the specialist for the current patient and follow the act's
 * status (POST/DELETE /api/teleconsult/call, GET /api/teleconsult) with the act's own patient
 * (captured at call time, never the selection of the moment), in French or English. The call
 * button stays disabled until the nurse has recorded the consent (the patient's, or a named
 * representative's; oral or written) and confirmed it (CSP R.6316-2). Plain DOM, textContent only (device
 * strings are untrusted), script served from /app.js so the CSP can forbid inline script.
 */
import { labelsByLoinc, UNIT_DISPLAY } from '@telecart/devices';

export const NURSE_PAGE_CSP = "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self'";

/** The page icon (GET /favicon.svg and /favicon.ico): a white cross on the page's blue, allowed by img-src 'self'. */
export const NURSE_PAGE_ICON =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#0b5394"/>' +
  '<path d="M13 6h6v7h7v6h-7v7h-6v-7H6v-6h7z" fill="#fff"/></svg>';

export const NURSE_PAGE_HTML = `<!doctype html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>telecart</title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<style>
  body { font: 18px system-ui, sans-serif; margin: 0; background: #f4f6f8; color: #111; }
  header { background: #0b5394; color: #fff; padding: .6em 1em; display: flex; gap: 1em; align-items: center; flex-wrap: wrap; }
  header h1 { font-size: 1.1em; margin: 0; flex: 1; }
  select, button { font-size: 1em; padding: .35em .6em; }
  main { padding: 1em; }
  #who { font-weight: bold; font-size: 1.2em; margin-bottom: .6em; }
  #who.none { color: #b45309; }
  #live { color: #555; min-height: 1.4em; }
  ul { list-style: none; padding: 0; }
  li { background: #fff; margin: .4em 0; padding: .6em .8em; border-radius: 6px; display: flex; gap: 1em; align-items: center; flex-wrap: wrap; }
  li .v { font-weight: bold; min-width: 10em; }
  li .held { color: #b45309; font-weight: bold; }
  li.invalid .v { color: #6b7280; text-decoration: line-through; }
  li .invalid-note { color: #b91c1c; }
  li .t { color: #555; font-size: .85em; }
  #tc { background: #fff; border-radius: 6px; padding: .6em .8em; margin-bottom: 1em; display: flex; gap: .8em; align-items: center; flex-wrap: wrap; }
  #tc-call { background: #0b5394; color: #fff; border: 0; border-radius: 4px; }
  #tc-call:disabled { background: #9fb3c8; }
  #tc-status { font-weight: bold; }
  #refused-readings { background: #fef3c7; color: #78350f; padding: .6em .8em; border-radius: 6px; margin-bottom: .6em; }
  #tc-patient { font-weight: bold; }
  #tc-patient .other { font-weight: normal; color: #b45309; }
  #store { background: #b91c1c; color: #fff; padding: .6em .8em; border-radius: 6px; margin-bottom: .6em; font-weight: bold; }
  #tc-status[data-status="in-progress"] { color: #15803d; }
  #tc-status[data-status="waiting"], #tc-status[data-status="reconnecting"] { color: #b45309; }
  #tc-consent { flex-basis: 100%; border: 1px solid #cbd5e1; border-radius: 6px; display: flex; gap: .4em 1em; flex-wrap: wrap; align-items: center; }
  #tc-consent input[type=text] { font-size: .9em; }
</style>
</head>
<body>
<header>
  <h1 data-i18n="title">Chariot de télémédecine</h1>
  <label><span data-i18n="patient">Patient</span> <select id="patient"></select></label>
  <button id="clear" data-i18n="clear">Aucun patient</button>
  <button id="lang">EN</button>
</header>
<main>
  <div id="store" role="alert" hidden></div>
  <div id="refused-readings" role="alert" hidden></div>
  <div id="who"></div>
  <section id="tc" aria-live="polite">
    <fieldset id="tc-consent">
      <legend data-i18n="consent">Consentement à la téléconsultation</legend>
      <label><input type="radio" name="tc-by" id="tc-by-patient" value="patient" checked> <span data-i18n="byPatient">du patient</span></label>
      <label><input type="radio" name="tc-by" id="tc-by-rep" value="representative"> <span data-i18n="byRep">de son représentant (patient hors d’état de consentir)</span></label>
      <span id="tc-rep" hidden>
        <input type="text" id="tc-rep-name" maxlength="128" data-i18n-placeholder="repName" placeholder="Nom du représentant">
        <input type="text" id="tc-rep-relation" maxlength="64" data-i18n-placeholder="repRelation" placeholder="Lien (fille, tuteur, personne de confiance…)">
      </span>
      <label><span data-i18n="method">Recueilli</span> <select id="tc-method"><option value="oral" data-i18n="oral">oralement</option><option value="written" data-i18n="written">par écrit</option></select></label>
      <label><input type="checkbox" id="tc-confirm"> <span data-i18n="confirm">J’ai informé la personne et recueilli son consentement libre et éclairé</span></label>
    </fieldset>
    <input id="tc-reason" maxlength="200" data-i18n-placeholder="reason" placeholder="Motif (facultatif)">
    <button id="tc-call" data-i18n="call">Appeler le spécialiste</button>
    <button id="tc-cancel" data-i18n="cancelCall" hidden>Annuler l’appel</button>
    <span id="tc-status" data-status=""></span>
    <span id="tc-patient" hidden></span>
  </section>
  <div id="live"></div>
  <h2 data-i18n="recent">Dernières mesures</h2>
  <ul id="readings"></ul>
</main>
<script src="/app.js"></script>
</body>
</html>
`;

export const NURSE_PAGE_JS = `'use strict';
const T = {
  fr: { title: 'Chariot de télémédecine', patient: 'Patient', clear: 'Aucun patient', recent: 'Dernières mesures',
        none: 'Aucun patient sélectionné : les mesures sont mises en attente', current: 'Patient : ',
        held: 'en attente de patient', invalid: 'non valide selon l’appareil : exclue des tendances et des alertes', assign: 'Attribuer au patient sélectionné', recorded: 'enregistrée', choose: '— choisir —', map: 'PAM',
        call: 'Appeler le spécialiste', cancelCall: 'Annuler l’appel', reason: 'Motif (facultatif)', with: 'avec', needPatient: 'Choisissez d’abord le patient',
        consent: 'Consentement à la téléconsultation', byPatient: 'du patient', byRep: 'de son représentant (patient hors d’état de consentir)',
        repName: 'Nom du représentant', repRelation: 'Lien (fille, tuteur, personne de confiance…)', method: 'Recueilli', oral: 'oralement', written: 'par écrit',
        confirm: 'J’ai informé la personne et recueilli son consentement libre et éclairé', needConsent: 'Recueillez d’abord le consentement',
        actPatient: 'Patient de l’appel : ', otherSelected: 'les nouvelles mesures vont au patient sélectionné',
        refused: { 'no-consent': 'Appel refusé : consentement non transmis' },
        refusedReadings: (n) => n + (n > 1 ? ' mesures refusées par le serveur (conservées sur le chariot, non renvoyées)' : ' mesure refusée par le serveur (conservée sur le chariot, non renvoyée)') + ' ; prévenez l’administrateur. Dernier motif : ',
        store: { 'near-full': 'Mémoire du chariot presque pleine : les tracés (ECG, stéthoscope) ne sont plus enregistrés. Reconnectez le chariot au réseau.',
                 full: 'Mémoire du chariot pleine : plus aucune mesure n’est enregistrée. Reconnectez le chariot au réseau.' },
        st: { scheduled: 'Téléconsultation à venir', waiting: 'Patient en salle d’attente', 'in-progress': 'Téléconsultation en cours',
              completed: 'Téléconsultation finalisée', 'not-done': 'Téléconsultation non réalisée', cancelled: 'Appel annulé',
              reconnecting: 'Téléconsultation interrompue : reconnexion du spécialiste…' } },
  en: { title: 'Telemedicine cart', patient: 'Patient', clear: 'No patient', recent: 'Latest readings',
        none: 'No patient selected: readings are held', current: 'Patient: ',
        held: 'waiting for a patient', invalid: 'not valid, as the device said: left out of trends and alerts', assign: 'Assign to the selected patient', recorded: 'recorded', choose: '— choose —', map: 'MAP',
        call: 'Call the specialist', cancelCall: 'Cancel the call', reason: 'Reason (optional)', with: 'with', needPatient: 'Select the patient first',
        consent: 'Consent to the teleconsultation', byPatient: 'by the patient', byRep: 'by their representative (patient unable to consent)',
        repName: 'Representative’s name', repRelation: 'Relation (daughter, guardian, trusted person…)', method: 'Given', oral: 'orally', written: 'in writing',
        confirm: 'I informed them and obtained their free and informed consent', needConsent: 'Record the consent first',
        actPatient: 'Patient of the call: ', otherSelected: 'new readings go to the selected patient',
        refused: { 'no-consent': 'Call refused: no consent sent' },
        refusedReadings: (n) => n + (n > 1 ? ' readings' : ' reading') + ' refused by the server (kept on the cart, not resent); tell the administrator. Latest reason: ',
        store: { 'near-full': 'Cart storage nearly full: waveforms (ECG, stethoscope) are no longer recorded. Bring the cart back on the network.',
                 full: 'Cart storage full: no new reading is recorded. Bring the cart back on the network.' },
        st: { scheduled: 'Teleconsultation scheduled', waiting: 'Patient in the waiting room', 'in-progress': 'Teleconsultation in progress',
              completed: 'Teleconsultation completed', 'not-done': 'Teleconsultation not done', cancelled: 'Call cancelled',
              reconnecting: 'Teleconsultation interrupted: specialist reconnecting…' } },
};
// Vital labels by LOINC and display units by UCUM code, from the vitals catalogue.
const LABELS = ${JSON.stringify(labelsByLoinc())};
const UNITS = ${JSON.stringify(UNIT_DISPLAY)};
let lang = (navigator.language || 'fr').startsWith('fr') ? 'fr' : 'en';
let patients = [];
let current = null;
const $ = (id) => document.getElementById(id);
const t = (k) => T[lang][k];
const name = (p) => p.given + ' ' + p.family + (p.room ? ' (' + p.room + ')' : '');

async function api(method, url, body) {
  const res = await fetch(url, { method, headers: body ? { 'content-type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined });
  if (!res.ok) throw new Error((await res.json().catch(() => ({}))).message || res.statusText);
  return res.status === 204 ? null : res.json();
}

const unit = (u) => UNITS[u] || u;
const label = (code) => (LABELS[code.loinc] ? LABELS[code.loinc][lang] : code.display);
// A meter's HI / LO reading is a bound, not a value: '> 600', never '600'.
const num = (q) => (q.comparator ? q.comparator + ' ' : '') + q.value;
function valueText(o) {
  if (o.components && o.components.length) {
    // Blood pressure: systolic/diastolic, then the mean arterial pressure when the cuff sent one.
    const [a, b, c] = o.components;
    return num(a.value) + (b ? '/' + num(b.value) : '') + ' ' + unit(a.value.unit) + (c ? ' (' + t('map') + ' ' + num(c.value) + ')' : '');
  }
  return o.value ? num(o.value) + ' ' + unit(o.value.unit) : '';
}

// The teleconsultation act of this cart, as GET /api/teleconsult last described it.
let act = null;
let actError = '';
const ACTIVE = ['scheduled', 'waiting', 'in-progress'];
const actActive = () => act !== null && ACTIVE.includes(act.status);

// The consent for the next call (R.6316-2): the patient's, or a named representative's, confirmed by the nurse.
let consentFor = null;
function consentValue() {
  const rep = $('tc-by-rep').checked;
  $('tc-rep').hidden = !rep;
  if (!$('tc-confirm').checked) return null;
  const c = { by: rep ? 'representative' : 'patient', method: $('tc-method').value === 'written' ? 'written' : 'oral' };
  if (!rep) return c;
  const name = $('tc-rep-name').value.trim();
  const relation = $('tc-rep-relation').value.trim();
  return name && relation ? Object.assign(c, { representative: { name: name, relation: relation } }) : null;
}
// Consent is per act and per patient: cleared after a call and when the patient changes.
function resetConsent() {
  $('tc-by-patient').checked = true;
  $('tc-method').value = 'oral';
  $('tc-rep-name').value = '';
  $('tc-rep-relation').value = '';
  $('tc-confirm').checked = false;
}

function renderCall() {
  const st = $('tc-status');
  // In progress with the specialist's page gone (reload, lost connection): the act waits for them.
  const shown = act && act.status === 'in-progress' && act.specialistLink === 'reconnecting' ? 'reconnecting' : act ? act.status : '';
  st.dataset.status = shown;
  const refused = act && act.refused ? T[lang].refused[act.refused] || act.refused : '';
  st.textContent = actError || refused || (act ? (T[lang].st[shown] || act.status) + (act.specialist ? ' — ' + t('with') + ' ' + act.specialist.name : '') : '');
  const consent = consentValue();
  $('tc-call').disabled = actActive() || !current || !consent;
  $('tc-call').title = !current ? t('needPatient') : consent ? '' : t('needConsent');
  $('tc-cancel').hidden = !(act && (act.status === 'waiting' || act.status === 'scheduled'));
  renderActPatient();
}

// The act's patient, as the gateway captured it when the nurse called: never the selection, which
// may change during the call (the next resident's readings) without touching the act.
function renderActPatient() {
  const el = $('tc-patient');
  const id = act && !act.refused ? act.patientId : null;
  el.hidden = !id;
  if (!id) { el.replaceChildren(); return; }
  const p = patients.find((x) => x.id === id);
  el.dataset.patientId = id;
  el.textContent = t('actPatient') + (p ? name(p) : id);
  if (actActive() && current && current.id !== id) {
    const other = document.createElement('span');
    other.className = 'other';
    other.textContent = ' (' + t('otherSelected') + ')';
    el.append(other);
  }
}

async function refreshCall() {
  try {
    const r = await api('GET', '/api/teleconsult');
    act = r && r.session ? r.session : act && !ACTIVE.includes(act.status) ? act : null;
    actError = '';
  } catch (e) {
    actError = '';
    act = null;
  }
  renderCall();
}

function pollCall() {
  refreshCall().finally(() => setTimeout(pollCall, actActive() ? 1500 : 5000));
}

function renderWho() {
  const id = current ? current.id : null;
  if (id !== consentFor) { consentFor = id; resetConsent(); }
  renderCall();
  const who = $('who');
  who.className = current ? '' : 'none';
  who.textContent = current ? t('current') + name(current) : t('none');
  $('patient').value = current ? current.id : '';
  document.querySelectorAll('button.assign').forEach((b) => { b.disabled = !current; });
}

function renderStatic() {
  document.documentElement.lang = lang;
  document.querySelectorAll('[data-i18n]').forEach((el) => { el.textContent = t(el.dataset.i18n); });
  document.querySelectorAll('[data-i18n-placeholder]').forEach((el) => { el.placeholder = t(el.dataset.i18nPlaceholder); });
  renderCall();
  $('lang').textContent = lang === 'fr' ? 'EN' : 'FR';
  const sel = $('patient');
  sel.replaceChildren();
  const blank = document.createElement('option');
  blank.value = '';
  blank.textContent = t('choose');
  sel.append(blank);
  for (const p of patients) {
    const o = document.createElement('option');
    o.value = p.id;
    o.textContent = name(p);
    sel.append(o);
  }
  renderWho();
}

// The readings on screen by seq, newest first when drawn; redrawn whole on a language switch.
const shown = new Map();

function readingItem(o) {
  const li = document.createElement('li');
  li.id = 'seq-' + o.seq;
  const v = document.createElement('span');
  v.className = 'v';
  v.textContent = label(o.code) + ' ' + valueText(o);
  const when = document.createElement('span');
  when.className = 't';
  when.textContent = new Date(o.time.effective).toLocaleString(lang);
  const who = document.createElement('span');
  li.append(v, when, who);
  if (o.status === 'entered-in-error') {
    // The device said the value is not a valid measurement (no skin contact, invalid PLX…): say so.
    li.classList.add('invalid');
    const note = document.createElement('span');
    note.className = 'invalid-note';
    note.textContent = t('invalid');
    li.append(note);
  }
  if (o.patient) {
    const p = patients.find((x) => x.id === o.patient.id);
    who.textContent = p ? name(p) : o.patient.id;
  } else {
    who.className = 'held';
    who.textContent = t('held');
    const b = document.createElement('button');
    b.className = 'assign';
    b.textContent = t('assign');
    b.disabled = !current;
    b.onclick = async () => {
      await api('POST', '/api/readings/assign', { seqs: [o.seq], patientId: current.id });
      addReading({ observation: Object.assign({}, o, { patient: { id: current.id } }) });
    };
    li.append(b);
  }
  return li;
}

function renderReadings() {
  const seqs = [...shown.keys()].sort((a, b) => b - a);
  for (const seq of seqs.slice(50)) shown.delete(seq);
  $('readings').replaceChildren(...seqs.slice(0, 50).map((seq) => readingItem(shown.get(seq))));
}

function addReading(r) {
  shown.set(r.observation.seq, r.observation);
  renderReadings();
}

// The store's fill level (nothing is ever deleted to make room: the nurse must know when it refuses).
let storeLevel = 'ok';
function renderStore() {
  const el = $('store');
  el.hidden = storeLevel === 'ok';
  el.dataset.level = storeLevel;
  el.textContent = storeLevel === 'ok' ? '' : T[lang].store[storeLevel] || storeLevel;
}
let refusedCount = 0;
let refusedReason = '';
function renderRefused() {
  const el = $('refused-readings');
  el.hidden = refusedCount === 0;
  // Text only: the reason comes from the server.
  el.textContent = refusedCount === 0 ? '' : T[lang].refusedReadings(refusedCount) + refusedReason;
}
function noteStatus(status) {
  const c = status && status.backlog && status.backlog.capacity;
  storeLevel = c && c.level ? c.level : 'ok';
  renderStore();
  refusedCount = (status && status.backlog && status.backlog.rejected) || 0;
  const latest = status && status.rejectedByCloud && status.rejectedByCloud[0];
  refusedReason = latest && latest.reason ? latest.reason : '';
  renderRefused();
}
function pollStatus() {
  setInterval(() => { api('GET', '/api/status').then(noteStatus).catch(() => {}); }, 10000);
}

async function main() {
  patients = await api('GET', '/api/patients');
  const status = await api('GET', '/api/status');
  current = status.currentPatient;
  renderStatic();
  noteStatus(status);
  pollStatus();
  const [held, pending] = await Promise.all([api('GET', '/api/readings?state=held&limit=25'), api('GET', '/api/readings?state=pending&limit=25')]);
  for (const r of [...held.readings, ...pending.readings]) shown.set(r.observation.seq, r.observation);
  renderReadings();
  $('patient').onchange = async (e) => {
    const id = e.target.value;
    current = id ? (await api('PUT', '/api/context/patient', { patientId: id })).patient : (await api('DELETE', '/api/context/patient')).patient;
    renderWho();
  };
  $('clear').onclick = async () => { current = (await api('DELETE', '/api/context/patient')).patient; renderWho(); };
  $('tc-call').onclick = async () => {
    const reason = $('tc-reason').value.trim();
    const consent = consentValue();
    if (!consent) return;
    $('tc-call').disabled = true;
    try {
      const r = await api('POST', '/api/teleconsult/call', reason ? { reason: reason, consent: consent } : { consent: consent });
      act = { sessionId: r.sessionId, status: r.status || 'waiting', specialist: null, patientId: current ? current.id : null };
      actError = '';
      $('tc-reason').value = '';
      resetConsent();
    } catch (e) {
      actError = String(e.message || e);
    }
    renderCall();
    refreshCall();
  };
  for (const id of ['tc-by-patient', 'tc-by-rep', 'tc-method', 'tc-confirm', 'tc-rep-name', 'tc-rep-relation']) {
    $(id).addEventListener('input', renderCall);
    $(id).addEventListener('change', renderCall);
  }
  $('tc-cancel').onclick = async () => {
    if (!act) return;
    try { await api('DELETE', '/api/teleconsult/call/' + encodeURIComponent(act.sessionId)); } catch (e) { actError = String(e.message || e); }
    refreshCall();
  };
  pollCall();
  $('lang').onclick = () => { lang = lang === 'fr' ? 'en' : 'fr'; renderStatic(); renderReadings(); renderStore(); renderRefused(); };
  const es = new EventSource('/api/events');
  // Marks the live stream as open (readings and live values from now on reach this page).
  es.addEventListener('open', () => { document.body.dataset.events = 'open'; });
  es.addEventListener('error', () => { document.body.dataset.events = 'reconnecting'; });
  es.addEventListener('reading', (e) => addReading(JSON.parse(e.data)));
  es.addEventListener('live', (e) => { const v = JSON.parse(e.data); $('live').textContent = label(v.code) + ' ' + valueText(v) + ' …'; });
  es.addEventListener('context', (e) => { current = JSON.parse(e.data).patient; renderWho(); });
}
main().catch((e) => { $('who').textContent = String(e.message || e); });
`;
