/**
 * The patient's join page of a home act (GET /join/:token?act=): server-rendered, no script. It says
 * when the teleconsultation is and that the specialist will let the patient in, or why the link does
 * not open. The device check and the waiting room come next (docs/teleconsultation.md).
 */
import { format, InlineStyle, join, type Lang, renderDocument, textsIn } from '@telecart/ui';
import { pageCsp } from '../../http/csp.js';
import { FAVICON_HREF } from '../../http/routes/favicon.js';
import { DASHBOARD_CSS } from '../dashboard/style.js';

export function joinPageCsp(): string {
  return pageCsp({ scripts: [], styles: [DASHBOARD_CSS] });
}

export type JoinRefusal = 'malformed' | 'unknown' | 'other-act' | 'expired' | 'superseded' | 'closed' | 'other-device' | 'removed';

export function renderJoinPage(
  o: { lang: Lang } & ({ ok: true; when: string; withWhom: string } | { ok: false; reason: JoinRefusal }),
): string {
  const t = textsIn(join, o.lang);
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
          </main>
        ) : (
          <main id="join" data-refused={o.reason}>
            <h1>{t.refusedTitle}</h1>
            <p id="join-reason">{t[`reason:${o.reason}`]}</p>
            <p>{t.refusedHelp}</p>
          </main>
        )}
      </body>
    </html>,
  );
}
