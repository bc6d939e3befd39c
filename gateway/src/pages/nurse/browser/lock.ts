/**
 * The lock screen (docs/nurse-sign-in.md), shown only when the cart needs a nurse signed in
 * (nurseSignIn.required): pick a name among the cart's nurses, type the PIN on a large keypad, or
 * tap a badge; a nurse without a PIN here (or whose PIN is locked) signs in once with id, password
 * and TOTP code and chooses a PIN. The page locks after the gateway's idle time without a touch or a
 * key (and ends the session there: the page's own polling would otherwise keep it open), on "lock",
 * and on any 401 of the gateway (its session ended: idle, restart).
 */
import { byId, el } from '@telecart/ui/browser';
import { format } from '@telecart/ui/i18n';
import { whenUnauthorized } from './api.js';
import { state, t } from './state.js';
import type { BadgeTap, CartNurse, NurseSession, SignedNurse } from './types.js';

type View = 'pick' | 'pin' | 'full';

const lock = {
  required: false,
  lockAfterMs: 120_000,
  lastUse: Date.now(),
  nurses: [] as CartNurse[],
  chosen: null as CartNurse | null,
  view: 'pick' as View,
  pin: '',
  // A function, so that the message follows a language switch.
  msg: null as (() => string) | null,
};

interface Answer {
  status: number;
  body: { message?: unknown; attemptsLeft?: unknown; totpRequired?: unknown; nurse?: SignedNurse };
}

/** The sign-in routes answer with a status the page words itself (the server's message is English). */
async function send(method: string, url: string, body?: unknown): Promise<Answer> {
  const res = await fetch(url, {
    method,
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: (await res.json().catch(() => ({}))) as Answer['body'] };
}

const reasonOf = (a: Answer): string => (typeof a.body.message === 'string' ? a.body.message : String(a.status));

function say(msg: (() => string) | null): void {
  lock.msg = msg;
  renderLock();
}

export const isLocked = (): boolean => lock.required && state.nurse === null;

export function renderLock(): void {
  const locked = isLocked();
  document.body.dataset.locked = locked ? '1' : '0';
  byId('lock').hidden = !locked;
  const nurse = state.nurse;
  byId('nurse-name').hidden = nurse === null;
  byId('nurse-name').textContent = nurse?.name ?? '';
  byId('nurse-lock').hidden = nurse === null || !lock.required;
  byId('nurse-change').hidden = nurse === null || !lock.required;
  if (!locked) return;
  byId('lock-msg').textContent = lock.msg ? lock.msg() : '';
  byId('lock-pick').hidden = lock.view !== 'pick';
  byId('lock-pin').hidden = lock.view !== 'pin';
  byId('lock-full').hidden = lock.view !== 'full';
  byId('lock-other').hidden = lock.view === 'pick';
  const name = lock.chosen?.name ?? '';
  byId('lock-pin-who').textContent = format(t().lockPinFor, { name });
  byId('lock-full-who').textContent = format(t().lockFullFor, { name });
  byId('lock-pin-dots').textContent = '•'.repeat(lock.pin.length);
  const buttons = lock.nurses.map((n) => {
    const b = el('button', { type: 'button', 'data-nurse': n.id }, n.name);
    b.addEventListener('click', () => choose(n));
    return el('li', {}, b);
  });
  byId('lock-nurses').replaceChildren(...(buttons.length ? buttons : [el('li', {}, t().lockNoNurse)]));
}

function clearFields(): void {
  for (const id of ['full-password', 'full-totp', 'full-pin', 'full-pin2']) byId<HTMLInputElement>(id).value = '';
  lock.pin = '';
}

function choose(n: CartNurse): void {
  lock.chosen = n;
  clearFields();
  if (n.locked) {
    lock.view = 'full';
    say(() => t().lockPinLocked);
  } else if (!n.hasPin) {
    lock.view = 'full';
    say(() => t().lockNoPin);
  } else {
    lock.view = 'pin';
    say(null);
  }
}

async function loadNurses(): Promise<void> {
  const res = await fetch('/api/nurse/nurses');
  if (res.ok) lock.nurses = (await res.json()) as CartNurse[];
  const chosen = lock.chosen?.id;
  lock.chosen = lock.nurses.find((n) => n.id === chosen) ?? null;
  if (lock.chosen === null) lock.view = 'pick';
  renderLock();
}

function signedIn(n: SignedNurse): void {
  state.nurse = n;
  lock.lastUse = Date.now();
  lock.view = 'pick';
  lock.chosen = null;
  lock.msg = null;
  clearFields();
  renderLock();
}

/**
 * Locks the page. `endSession`: also end the gateway's session (not needed after its 401);
 * `samePerson`: show the keypad of the nurse who was signed in, who is most likely the one back.
 */
async function lockNow(endSession: boolean, samePerson: boolean): Promise<void> {
  const was = state.nurse;
  state.nurse = null;
  lock.chosen = null;
  lock.view = 'pick';
  clearFields();
  say(null);
  if (endSession && was) await send('DELETE', '/api/nurse/session');
  await loadNurses();
  const back = samePerson && was ? lock.nurses.find((n) => n.id === was.id) : undefined;
  if (back) choose(back);
}

async function submitPin(): Promise<void> {
  const n = lock.chosen;
  if (!n || lock.pin.length < 4) return;
  const a = await send('POST', '/api/nurse/pin', { nurseId: n.id, pin: lock.pin });
  lock.pin = '';
  if (a.status === 200 && a.body.nurse) return signedIn(a.body.nurse);
  if (a.status === 401 && typeof a.body.attemptsLeft === 'number') {
    const left = a.body.attemptsLeft;
    return say(() => format(t().lockWrongPin, { n: left }));
  }
  if (a.status === 423) {
    lock.view = 'full';
    return say(() => t().lockPinLocked);
  }
  if (a.status === 409) {
    lock.view = 'full';
    return say(() => t().lockNoPin);
  }
  say(() => format(t().lockFailed, { reason: reasonOf(a) }));
  await loadNurses();
}

async function submitFull(): Promise<void> {
  const n = lock.chosen;
  if (!n) return;
  const value = (id: string) => byId<HTMLInputElement>(id).value.trim();
  const [password, totp, pin, pin2] = [value('full-password'), value('full-totp'), value('full-pin'), value('full-pin2')];
  if (pin !== pin2) return say(() => t().lockPinMismatch);
  if (!/^[0-9]{4,6}$/.test(pin)) return say(() => t().lockPinWeak);
  if (totp !== '' && !/^[0-9]{6}$/.test(totp)) return say(() => t().lockTotpNeeded);
  if (password === '') return say(() => t().lockBadCredentials);
  const a = await send('POST', '/api/nurse/full-sign-in', { nurseId: n.id, password, pin, ...(totp ? { totp } : {}) });
  byId<HTMLInputElement>('full-password').value = '';
  byId<HTMLInputElement>('full-totp').value = '';
  if (a.status === 200 && a.body.nurse) return signedIn(a.body.nurse);
  const msg: Record<number, () => string> = {
    401: a.body.totpRequired === true ? () => t().lockTotpNeeded : () => t().lockBadCredentials,
    403: () => t().lockNotHere,
    422: () => t().lockPinWeak,
    429: () => t().lockThrottled,
    503: () => t().lockOffline,
  };
  say(msg[a.status] ?? (() => format(t().lockFailed, { reason: reasonOf(a) })));
}

/** A badge tapped on the cart's reader (event `badge` of /api/events): that nurse signs in, replacing whoever was. */
export async function onBadge(tap: BadgeTap): Promise<void> {
  if (!lock.required) return;
  if (tap.nurse === null) {
    if (isLocked()) say(() => t().lockBadgeUnknown);
    return;
  }
  const a = await send('POST', '/api/nurse/badge');
  if (a.status === 200 && a.body.nurse) signedIn(a.body.nurse);
  else if (isLocked()) say(() => format(t().lockFailed, { reason: reasonOf(a) }));
}

function wire(): void {
  for (const key of document.querySelectorAll<HTMLButtonElement>('#keypad [data-key]')) {
    key.addEventListener('click', () => {
      if (lock.pin.length < 6) lock.pin += key.dataset.key ?? '';
      renderLock();
    });
  }
  byId('key-erase').addEventListener('click', () => {
    lock.pin = lock.pin.slice(0, -1);
    renderLock();
  });
  byId('key-ok').addEventListener('click', () => void submitPin());
  byId('lock-use-password').addEventListener('click', () => {
    lock.view = 'full';
    say(null);
  });
  byId('full-submit').addEventListener('click', () => void submitFull());
  byId('lock-other').addEventListener('click', () => {
    lock.chosen = null;
    lock.view = 'pick';
    clearFields();
    void loadNurses();
  });
  byId('nurse-lock').addEventListener('click', () => void lockNow(true, true));
  byId('nurse-change').addEventListener('click', () => void lockNow(true, false));
  // Any touch or key is use; the page's own polling is not.
  for (const type of ['pointerdown', 'keydown']) document.addEventListener(type, () => (lock.lastUse = Date.now()), { capture: true });
  setInterval(() => {
    if (lock.required && state.nurse !== null && Date.now() - lock.lastUse >= lock.lockAfterMs) void lockNow(true, true);
  }, 1000);
  whenUnauthorized(() => {
    if (lock.required && state.nurse !== null) void lockNow(false, true);
  });
}

/** Learns whether the cart needs a nurse signed in and who is; locks the page if so and nobody is. */
export async function initLock(): Promise<void> {
  const res = await fetch('/api/nurse/session');
  // A gateway without nurse sign-in: no lock screen.
  if (!res.ok) return renderLock();
  const s = (await res.json()) as NurseSession;
  lock.required = s.required;
  lock.lockAfterMs = s.lockAfterSeconds * 1000;
  state.nurse = s.nurse;
  wire();
  if (isLocked()) await loadNurses();
  else renderLock();
}
