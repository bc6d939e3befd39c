/**
 * The patient's join page of a home act (GET /join/:token?act=): server-rendered. It says when the
 * teleconsultation is and that the specialist will let the patient in, or why the link does not open;
 * an opened link gets the device check (browser/main.ts: camera, microphone, speaker, connection,
 * relay). The waiting room comes next (docs/teleconsultation.md).
 */
import { format, home, InlineScript, InlineStyle, join, type Lang, loadPageBundle, renderDocument, textsIn } from '@telecart/ui';
import { pageCsp } from '../../http/csp.js';
import { FAVICON_HREF } from '../../http/routes/favicon.js';
import { DASHBOARD_CSS } from '../dashboard/style.js';

const bundle = () => loadPageBundle(import.meta.url);

/** The device check's script by hash; the camera preview is a MediaStream (media-src mediastream:). */
export function joinPageCsp(): string {
  return pageCsp({ scripts: [bundle().source], styles: [DASHBOARD_CSS], extra: ['media-src mediastream: blob:'] });
}

export type JoinRefusal = 'malformed' | 'unknown' | 'other-act' | 'expired' | 'superseded' | 'closed' | 'other-device' | 'removed';

export function renderJoinPage(
  o: { lang: Lang } & ({ ok: true; when: string; withWhom: string } | { ok: false; reason: JoinRefusal }),
): string {
  const t = textsIn(join, o.lang);
  const c = textsIn(home, o.lang);
  return renderDocument(
    <html lang={o.lang}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        <title>{t.pageTitle}</title>
        <link rel="icon" href={FAVICON_HREF} type="image/svg+xml" />
        <InlineStyle css={DASHBOARD_CSS} />
      </head>
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
