/**
 * The join page's step after the device check: the patient confirms who they are through the link's
 * identity routes (cloud/src/http/routes/join-identity.ts) — the date of birth, or a code sent by SMS
 * or e-mail then typed in — and, once confirmed, waits for the specialist to let them in.
 * body[data-step] goes identity → waiting (or locked), for the patient's page and the tests; the
 * waiting step itself is waiting.ts.
 */
import { byId } from '@telecart/ui/browser';
import { format, type home, type TextsOf } from '@telecart/ui/i18n';

/** What GET/POST …/identity answer (the route's IdentityReply). */
interface IdentityState {
  confirmed: boolean;
  locked: boolean;
  attemptsLeft: number;
  methods: { birthDate: boolean; sms: string | null; email: string | null };
}
/** The routes' refusals carry a reason the page turns into its own words. */
const REASONS = ['wrong', 'locked', 'code-expired', 'no-code', 'too-soon', 'too-many-codes', 'no-birth-date'] as const;
type Reason = (typeof REASONS)[number];
const isReason = (r: unknown): r is Reason => typeof r === 'string' && (REASONS as readonly string[]).includes(r);

function isState(b: unknown): b is IdentityState {
  if (typeof b !== 'object' || b === null) return false;
  const s = b as Record<string, unknown>;
  return typeof s.confirmed === 'boolean' && typeof s.locked === 'boolean' && typeof s.methods === 'object' && s.methods !== null;
}

/** `onConfirmed` runs once, when the identity is (or already was) confirmed: the waiting step. */
export function startIdentity(t: TextsOf<typeof home>, under: (what: string) => string, onConfirmed: () => void): void {
  const section = byId('identity');
  const birthForm = byId<HTMLFormElement>('identity-birth');
  const birthInput = byId<HTMLInputElement>('identity-birth-date');
  const codes = byId('identity-codes');
  const sms = byId<HTMLButtonElement>('identity-sms');
  const email = byId<HTMLButtonElement>('identity-email');
  const codeForm = byId<HTMLFormElement>('identity-code');
  const codeInput = byId<HTMLInputElement>('identity-code-value');
  const message = byId('identity-message');
  const waiting = byId('waiting');
  let confirmed = false;

  const say = (text: string, reason?: string) => {
    message.textContent = text;
    if (reason === undefined) delete message.dataset.reason;
    else message.dataset.reason = reason;
  };

  /** Shows the step the state calls for; the forms only while there is something to answer. */
  function render(s: IdentityState): void {
    if (s.confirmed) {
      section.hidden = true;
      waiting.hidden = false;
      if (!confirmed) {
        confirmed = true;
        document.body.dataset.step = 'waiting';
        onConfirmed();
      }
      return;
    }
    section.hidden = false;
    if (s.locked) {
      birthForm.hidden = true;
      codes.hidden = true;
      say(t['identity:locked'], 'locked');
      document.body.dataset.step = 'locked';
      return;
    }
    document.body.dataset.step = 'identity';
    birthForm.hidden = !s.methods.birthDate;
    sms.hidden = s.methods.sms === null;
    email.hidden = s.methods.email === null;
    if (s.methods.sms !== null) sms.textContent = format(t.codeBySms, { to: s.methods.sms });
    if (s.methods.email !== null) email.textContent = format(t.codeByEmail, { to: s.methods.email });
    codes.hidden = s.methods.sms === null && s.methods.email === null;
  }

  /** One call to the identity routes: the new state is shown, a refusal said in the page's words. */
  async function call(path: '' | '/code', body?: unknown): Promise<IdentityState | null> {
    let r: Response;
    let b: unknown;
    try {
      r = await fetch(under(`identity${path}`), {
        method: body === undefined ? 'GET' : 'POST',
        cache: 'no-store',
        ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
      });
      b = await r.json();
    } catch {
      say(t['identity:error'], 'error');
      return null;
    }
    if (r.ok && isState(b)) {
      say('');
      render(b);
      return b;
    }
    const reason = (b as { reason?: unknown } | null)?.reason;
    const left = (b as { attemptsLeft?: unknown } | null)?.attemptsLeft;
    if (reason === 'locked')
      render({ confirmed: false, locked: true, attemptsLeft: 0, methods: { birthDate: false, sms: null, email: null } });
    else if (isReason(reason)) say(format(t[`identity:${reason}`], { left: typeof left === 'number' ? String(left) : '?' }), reason);
    else say(t['identity:error'], 'error');
    return null;
  }

  birthForm.addEventListener('submit', (e) => {
    e.preventDefault();
    void call('', { birthDate: birthInput.value });
  });
  codeForm.addEventListener('submit', (e) => {
    e.preventDefault();
    void call('', { code: codeInput.value.trim() });
  });
  for (const [button, channel] of [
    [sms, 'sms'],
    [email, 'email'],
  ] as const)
    button.addEventListener('click', () => {
      button.disabled = true;
      void call('/code', { channel }).then((s) => {
        button.disabled = false;
        if (s === null) return;
        codeForm.hidden = false;
        say(t.codeSent, 'code-sent');
        codeInput.focus();
      });
    });

  void call('');
}
