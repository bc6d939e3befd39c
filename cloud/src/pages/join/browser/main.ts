/**
 * The join page's device check (ui/src/browser/device-check.ts): on « Commencer », the camera preview
 * with its frames counted, the microphone's level on the meter, the connection (round trip and upload
 * to the link's net-probe route), and whether the TURN relay answers with the act's credentials; then
 * the test sound and the patient's « I heard it ». Each result is a line: OK / problem and advice.
 * body[data-check] goes running → done (all five verdicts in), for the patient's page and the tests;
 * done opens the next step, the identity confirmation then the waiting room (identity.ts). A problem
 * does not hold the patient back: the advice is there, the specialist can still see them. A guest's
 * link (/guest/…) has no device check nor identity step: the guest waits to be let in at once.
 */
import {
  byId,
  type CheckResult,
  checkCamera,
  checkMicrophone,
  checkNetwork,
  checkRelay,
  el,
  playTestSound,
  speakerResult,
} from '@telecart/ui/browser';
import { home, isLang, textsIn } from '@telecart/ui/i18n';
import { startIdentity } from './identity.js';
import { startWaiting } from './waiting.js';

const lang = isLang(document.documentElement.lang) ? document.documentElement.lang : 'fr';
const t = textsIn(home, lang);
const start = byId<HTMLButtonElement>('check-start');
const video = byId<HTMLVideoElement>('check-video');
const meter = byId<HTMLMeterElement>('check-level');
const sound = byId<HTMLButtonElement>('check-sound');
const heard = byId<HTMLButtonElement>('check-heard');
const notHeard = byId<HTMLButtonElement>('check-not-heard');
const list = byId('check-results');
/** Under the link: /join/<token>/<what>?act=… */
const under = (what: string) => `${location.pathname}/${what}${location.search}`;
const results = new Map<string, CheckResult>();
let played = false;
let identityStarted = false;
const guest = location.pathname.startsWith('/guest/');

function show(r: CheckResult): void {
  results.set(r.check, r);
  const line = el(
    'li',
    { 'data-check': r.check, 'data-status': r.status, 'data-reason': r.reason },
    el('strong', {}, `${t[`check:${r.check}`]} : ${t[`status:${r.status}`]}`),
    ' ',
    t[`advice:${r.reason}`],
  );
  list.querySelector(`[data-check="${r.check}"]`)?.remove();
  list.append(line);
  if (results.size === 5) {
    document.body.dataset.check = 'done';
    if (!identityStarted) {
      identityStarted = true;
      startIdentity(t, under, () => startWaiting(t, { iceServersUrl: under('ice-servers') }));
    }
  }
}

async function iceServers(): Promise<RTCIceServer[]> {
  const r = await fetch(under('ice-servers'), { cache: 'no-store' });
  if (!r.ok) return [];
  const b = (await r.json()) as { iceServers?: RTCIceServer[] };
  return Array.isArray(b.iceServers) ? b.iceServers : [];
}

start.addEventListener('click', () => {
  start.disabled = true;
  start.textContent = t.checkRunning;
  document.body.dataset.check = 'running';
  void (async () => {
    show(await checkCamera(video));
    show(await checkMicrophone((level) => (meter.value = Math.min(1, level * 10))));
    show(await checkNetwork(under('net-probe')));
    const servers = await iceServers();
    // No relay configured for this service: nothing to check there, the direct path is all there is.
    show(servers.length > 0 ? await checkRelay(servers) : { check: 'relay', status: 'ok', reason: 'ok', measured: {} });
    sound.hidden = false;
    start.disabled = false;
    start.textContent = t.checkStart;
  })();
});

sound.addEventListener('click', () => {
  void playTestSound().then((ok) => {
    played = ok;
    heard.hidden = false;
    notHeard.hidden = false;
  });
});
heard.addEventListener('click', () => show(speakerResult(played, true)));
notHeard.addEventListener('click', () => show(speakerResult(played, false)));

if (guest) {
  byId('check').hidden = true;
  byId('waiting').hidden = false;
  document.body.dataset.step = 'waiting';
  startWaiting(t, null);
}
