/**
 * The patient's join page of a home act (GET /join/:token?act=): server-rendered. It says when the
 * teleconsultation is and that the specialist will let the patient in, or why the link does not open;
 * an opened link gets the device check (browser/main.ts: camera, microphone, speaker, connection,
 * relay); once the check is done, the identity form (date of birth, or a code by SMS / e-mail through
 * routes/join-identity.ts), then the waiting step and, once let in, the conversation with the
 * specialist (browser/call.ts; docs/teleconsultation.md). A guest's link (GET /guest/:token) shows the
 * same page without the identity step.
 */
import { format, home, InlineScript, join, type Lang, loadPageBundle, PageHead, renderDocument, textsIn } from '@telecart/ui';
import { pageCsp } from '../../http/csp.js';
import { FAVICON_HREF } from '../../http/routes/favicon.js';
import { DASHBOARD_CSS } from '../dashboard/style.js';
import { JOIN_CSS } from './style.js';

const bundle = () => loadPageBundle(import.meta.url);

/** The device check's script by hash; the camera preview is a MediaStream (media-src mediastream:). */
export function joinPageCsp(): string {
  return pageCsp({ scripts: [bundle().source], styles: [DASHBOARD_CSS, JOIN_CSS], extra: ['media-src mediastream: blob:'] });
}

export type JoinRefusal = 'malformed' | 'unknown' | 'other-act' | 'expired' | 'superseded' | 'closed' | 'other-device' | 'removed';

export function renderJoinPage(
  o: { lang: Lang } & ({ ok: true; when: string; withWhom: string } | { ok: false; reason: JoinRefusal }),
): string {
  const t = textsIn(join, o.lang);
  const c = textsIn(home, o.lang);
  return renderDocument(
    <html lang={o.lang}>
      <PageHead title={t.pageTitle} icon={FAVICON_HREF} css={[DASHBOARD_CSS, JOIN_CSS]}>
        <meta name="referrer" content="no-referrer" />
      </PageHead>
      <body>
        {o.ok ? (
          <main id="join">
            <h1>{t.title}</h1>
            <p id="join-when">{format(t.when, { when: o.when, with: o.withWhom })}</p>
            <p>{t.admit}</p>
            <p>{t.device}</p>
            <section id="check">
              <h2>{c.checkTitle}</h2>
              <p>{c.checkIntro}</p>
              <p>
                <button id="check-start" type="button">
                  {c.checkStart}
                </button>
              </p>
              <video id="check-video" autoplay muted playsinline width={320} height={240} />
              <p>
                <label for="check-level">{c.checkLevel}</label>
                <br />
                <meter id="check-level" min={0} max={1} value={0} />
              </p>
              <p>
                <button id="check-sound" type="button" hidden>
                  {c.playSound}
                </button>{' '}
                <button id="check-heard" type="button" hidden>
                  {c.heard}
                </button>{' '}
                <button id="check-not-heard" type="button" hidden>
                  {c.notHeard}
                </button>
              </p>
              <ul id="check-results" />
            </section>
            <section id="identity" hidden>
              <h2>{c.identityTitle}</h2>
              <p>{c.identityIntro}</p>
              <form id="identity-birth" hidden>
                <label for="identity-birth-date">{c.birthDateLabel}</label>{' '}
                <input id="identity-birth-date" type="date" required autocomplete="bday" />{' '}
                <button type="submit">{c.birthDateSubmit}</button>
              </form>
              <div id="identity-codes" hidden>
                <p>{c.codeOr}</p>
                <p>
                  <button id="identity-sms" type="button" hidden /> <button id="identity-email" type="button" hidden />
                </p>
                <form id="identity-code" hidden>
                  <label for="identity-code-value">{c.codeLabel}</label>{' '}
                  <input
                    id="identity-code-value"
                    inputmode="numeric"
                    pattern="[0-9]{6}"
                    maxlength={6}
                    required
                    autocomplete="one-time-code"
                  />{' '}
                  <button type="submit">{c.codeSubmit}</button>
                </form>
              </div>
              <p id="identity-message" role="alert" />
            </section>
            <section id="waiting" hidden>
              <h2>{c.waitingTitle}</h2>
              <p id="waiting-text">{c.waitingText}</p>
            </section>
            <section id="guest-room" hidden aria-labelledby="guest-room-title">
              <h2 id="guest-room-title">{c.roomTitle}</h2>
              <div id="guest-room-tiles" class="tiles" />
              <video id="guest-room-self" autoplay muted playsinline aria-label={c.roomSelf} />
              <div id="guest-room-buttons" class="call-buttons">
                <button id="guest-room-mic" type="button" aria-pressed="false">
                  {c.callMicOff}
                </button>
                <button id="guest-room-cam" type="button" aria-pressed="false">
                  {c.callCamOff}
                </button>
              </div>
              <p id="guest-room-state" hidden data-mic="" data-camera="" />
              <p id="guest-room-note" />
            </section>
            <section id="call" hidden aria-labelledby="call-title">
              <h2 id="call-title">{c.callTitle}</h2>
              <p id="call-remote-state" role="status" aria-live="polite" data-mic="" data-camera="" />
              {/* biome-ignore lint/a11y/useMediaCaption: the specialist's live voice and face, no captions exist for a live call */}
              <video id="call-video" autoplay playsinline data-tracks="0" />
              <div class="call-buttons">
                <button id="call-mic" type="button" aria-pressed="false">
                  {c.callMicOff}
                </button>
                <button id="call-cam" type="button" aria-pressed="false">
                  {c.callCamOff}
                </button>
              </div>
              <video id="call-self" autoplay muted playsinline aria-label={c.callSelf} />
              <p id="call-note" />
            </section>
          </main>
        ) : (
          <main id="join" data-refused={o.reason}>
            <h1>{t.refusedTitle}</h1>
            <p id="join-reason">{t[`reason:${o.reason}`]}</p>
            <p>{t.refusedHelp}</p>
          </main>
        )}
        {o.ok && <InlineScript source={bundle().source} />}
      </body>
    </html>,
  );
}
