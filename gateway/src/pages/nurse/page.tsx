/**
 * The nurse page served at / on the cart: pick the patient, see the last readings arrive (held ones
 * flagged), assign held readings, call the specialist for the current patient and follow the act's
 * status, in French or English (browser/main.ts picks the browser's language; the switch flips it).
 * The server renders the document; its browser code is the bundle served at /app.js (script-src
 * 'self', no inline script), its stylesheet is inline and allowed by hash. Vital labels and units
 * come from @telecart/devices' vitals catalogue, handed to the bundle as JSON data.
 */
import { labelsByLoinc, UNIT_DISPLAY } from '@telecart/devices';
import {
  cspHash,
  JsonData,
  type Lang,
  loadPageBundle,
  nurse,
  type PageBundle,
  PageHead,
  renderDocument,
  type TextsOf,
  textsIn,
} from '@telecart/ui';
import { NURSE_PAGE_CSS } from './style.js';
import type { NurseVitals } from './vitals-data.js';

/** The URL of the page's bundle (served by the nurse API). */
export const NURSE_PAGE_SCRIPT_PATH = '/app.js';

const styleHash = cspHash(NURSE_PAGE_CSS);

/** Its own script file only (no inline script, no eval), its own stylesheet by hash, its own origin. */
export const NURSE_PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  `style-src ${styleHash}`,
  "connect-src 'self'",
  "img-src 'self'",
  // The conversation's streams (srcObject), nothing fetched.
  "media-src 'self' blob: mediastream:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** The page's browser code, built by `npm run build` (scripts/build-pages.mjs). */
export function nursePageBundle(): PageBundle {
  return loadPageBundle(import.meta.url);
}

const pages = new Map<string, string>();

const KEYS = ['1', '2', '3', '4', '5', '6', '7', '8', '9'];

/**
 * The lock screen (browser/lock.ts drives it): hidden until the page learns that the cart needs a
 * nurse signed in. The nurses of the cart, the PIN keypad (large keys for gloved fingers), the
 * first full sign-in. Not a form: the page's CSP has form-action 'none', the script sends the JSON.
 */
function LockScreen({ t }: { t: TextsOf<typeof nurse> }) {
  return (
    <section id="lock" hidden aria-labelledby="lock-title">
      <h2 id="lock-title" data-i18n="lockTitle">
        {t.lockTitle}
      </h2>
      <p id="lock-msg" role="alert" />
      <div id="lock-pick">
        <p data-i18n="lockHint">{t.lockHint}</p>
        <ul id="lock-nurses" />
      </div>
      <div id="lock-pin" hidden>
        <p id="lock-pin-who" />
        <output id="lock-pin-dots" aria-live="polite" />
        <div id="keypad">
          {KEYS.map((k) => (
            <button type="button" class="key" data-key={k}>
              {k}
            </button>
          ))}
          <button type="button" class="key" id="key-erase" data-i18n="lockErase">
            {t.lockErase}
          </button>
          <button type="button" class="key" data-key="0">
            0
          </button>
          <button type="button" class="key" id="key-ok" data-i18n="lockOk">
            {t.lockOk}
          </button>
        </div>
        <button type="button" id="lock-use-password" class="wide" data-i18n="lockUsePassword">
          {t.lockUsePassword}
        </button>
      </div>
      <div id="lock-full" hidden>
        <p id="lock-full-who" />
        <label>
          <span data-i18n="lockPassword">{t.lockPassword}</span>
          <input type="password" id="full-password" maxLength={256} autocomplete="off" />
        </label>
        <label>
          <span data-i18n="lockTotp">{t.lockTotp}</span>
          <input type="text" id="full-totp" inputMode="numeric" maxLength={6} autocomplete="one-time-code" />
        </label>
        <label>
          <span data-i18n="lockNewPin">{t.lockNewPin}</span>
          <input type="password" id="full-pin" inputMode="numeric" maxLength={6} autocomplete="off" />
        </label>
        <label>
          <span data-i18n="lockNewPin2">{t.lockNewPin2}</span>
          <input type="password" id="full-pin2" inputMode="numeric" maxLength={6} autocomplete="off" />
        </label>
        <button type="button" id="full-submit" class="wide" data-i18n="lockSignIn">
          {t.lockSignIn}
        </button>
      </div>
      <button type="button" id="lock-other" class="wide" data-i18n="lockOther" hidden>
        {t.lockOther}
      </button>
    </section>
  );
}

/** What the page's conversation sends: the browser's camera and microphone, or generated ones (media.conversation.simulated). */
export interface NurseConversationSetup {
  simulated: boolean;
}

/** The document, in the language the page starts in before its script runs (the same for every request). */
export function renderNursePage(lang: Lang = 'fr', convo: NurseConversationSetup = { simulated: false }): string {
  const key = `${lang}:${convo.simulated}`;
  const hit = pages.get(key);
  if (hit) return hit;
  const t = textsIn(nurse, lang);
  const vitals: NurseVitals = { labels: labelsByLoinc(), units: UNIT_DISPLAY };
  const html = renderDocument(
    <html lang={lang}>
      <PageHead title="telecart" icon="/favicon.svg" css={NURSE_PAGE_CSS} />
      <body>
        <header>
          <h1 data-i18n="title">{t.title}</h1>
          <label>
            <span data-i18n="patient">{t.patient}</span> <select id="patient" />
          </label>
          <button type="button" id="clear" data-i18n="clear">
            {t.clear}
          </button>
          <span id="nurse-name" hidden />
          <button type="button" id="nurse-lock" data-i18n="nurseLock" hidden>
            {t.nurseLock}
          </button>
          <button type="button" id="nurse-change" data-i18n="nurseChange" hidden>
            {t.nurseChange}
          </button>
          <button type="button" id="lang" data-i18n="switchLang">
            {t.switchLang}
          </button>
        </header>
        <LockScreen t={t} />
        <main>
          <div id="store" role="alert" hidden />
          <div id="refused-readings" role="alert" hidden />
          <div id="who" />
          <section id="tc" aria-live="polite">
            <fieldset id="tc-consent">
              <legend data-i18n="consent">{t.consent}</legend>
              <label>
                <input type="radio" name="tc-by" id="tc-by-patient" value="patient" checked />{' '}
                <span data-i18n="byPatient">{t.byPatient}</span>
              </label>
              <label>
                <input type="radio" name="tc-by" id="tc-by-rep" value="representative" /> <span data-i18n="byRep">{t.byRep}</span>
              </label>
              <span id="tc-rep" hidden>
                <input type="text" id="tc-rep-name" maxLength={128} data-i18n-placeholder="repName" placeholder={t.repName} />
                <input type="text" id="tc-rep-relation" maxLength={64} data-i18n-placeholder="repRelation" placeholder={t.repRelation} />
              </span>
              <label>
                <span data-i18n="method">{t.method}</span>{' '}
                <select id="tc-method">
                  <option value="oral" data-i18n="oral">
                    {t.oral}
                  </option>
                  <option value="written" data-i18n="written">
                    {t.written}
                  </option>
                </select>
              </label>
              <label>
                <input type="checkbox" id="tc-confirm" /> <span data-i18n="confirm">{t.confirm}</span>
              </label>
            </fieldset>
            <input id="tc-reason" maxLength={200} data-i18n-placeholder="reason" placeholder={t.reason} />
            <button type="button" id="tc-call" data-i18n="call">
              {t.call}
            </button>
            <button type="button" id="tc-cancel" data-i18n="cancelCall" hidden>
              {t.cancelCall}
            </button>
            <span id="tc-status" data-status="" />
            <span id="tc-patient" hidden />
          </section>
          <section id="convo" hidden aria-labelledby="convo-heading">
            <h2 id="convo-heading" data-i18n="convoHeading">
              {t.convoHeading}
            </h2>
            {/* biome-ignore lint/a11y/useMediaCaption: the specialist's live voice and face, no captions exist for a live call */}
            <video id="convo-remote" autoplay playsInline data-tracks="0" />
            <p id="convo-remote-state" data-mic="" data-camera="" />
            <video id="convo-self" autoplay playsInline muted />
            <button type="button" id="convo-mic" aria-pressed="false">
              {t.convoMicOff}
            </button>
            <button type="button" id="convo-cam" aria-pressed="false">
              {t.convoCamOff}
            </button>
            <p id="convo-note" />
            {/* The act's guests, through the cloud's forwarding unit (browser/guest-room.ts). */}
            <section id="convo-guests-section" hidden aria-labelledby="convo-guests-heading">
              <h3 id="convo-guests-heading" data-i18n="convoGuests">
                {t.convoGuests}
              </h3>
              <div id="convo-guests" class="tiles" />
              <p id="convo-guests-note" />
            </section>
          </section>
          <section id="acts" aria-labelledby="acts-heading">
            <h2 id="acts-heading" data-i18n="actsHeading">
              {t.actsHeading}
            </h2>
            <p id="acts-asof" />
            <ul id="acts-list" />
          </section>
          <section id="docs" aria-labelledby="docs-heading">
            <h2 id="docs-heading" data-i18n="docsHeading">
              {t.docsHeading}
            </h2>
            <ul id="docs-list" />
          </section>
          <div id="live" />
          <h2 data-i18n="recent">{t.recent}</h2>
          <ul id="readings" />
        </main>
        <JsonData id="nurse-vitals" value={vitals} />
        <JsonData id="nurse-convo" value={convo} />
        <script src={NURSE_PAGE_SCRIPT_PATH} />
      </body>
    </html>,
  );
  pages.set(key, html);
  return html;
}
