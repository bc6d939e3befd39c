/**
 * The page a patient's report link opens (GET /r/:token, audience patient; routes/report-links.ts):
 * server-rendered, no script. It asks the date of birth and posts it to the same address, which
 * answers the PDF; or it says why the link does not open (a wrong date with the attempts left, locked,
 * expired, no date of birth on record). A GP's or a cart's link opens the PDF directly.
 */
import { format, type Lang, PageHead, renderDocument, report, textsIn } from '@telecart/ui';
import { pageCsp } from '../../http/csp.js';
import { FAVICON_HREF } from '../../http/routes/favicon.js';
import { DASHBOARD_CSS } from '../dashboard/style.js';

/** No script; the form posts to this origin only. */
export function reportLinkPageCsp(): string {
  return pageCsp({ scripts: [], styles: [DASHBOARD_CSS], formAction: "'self'" });
}

export type ReportLinkPageState =
  | { step: 'ask' }
  | { step: 'wrong'; attemptsLeft: number }
  | { step: 'locked' }
  | { step: 'expired'; expires: string }
  | { step: 'no-birth-date' };

export function renderReportLinkPage(o: { lang: Lang; state: ReportLinkPageState }): string {
  const t = textsIn(report, o.lang);
  const s = o.state;
  const message =
    s.step === 'wrong'
      ? format(t.linkWrong, { left: String(s.attemptsLeft) })
      : s.step === 'locked'
        ? t.linkLocked
        : s.step === 'expired'
          ? format(t.linkExpired, { expires: s.expires })
          : s.step === 'no-birth-date'
            ? t.linkNoBirthDate
            : '';
  const asks = s.step === 'ask' || s.step === 'wrong';
  return renderDocument(
    <html lang={o.lang}>
      <PageHead title={t.linkPageTitle} icon={FAVICON_HREF} css={DASHBOARD_CSS}>
        <meta name="referrer" content="no-referrer" />
      </PageHead>
      <body>
        <main id="report-link" data-step={s.step}>
          <h1>{t.linkPageTitle}</h1>
          {message ? (
            <p id="report-link-message" role="alert">
              {message}
            </p>
          ) : null}
          {asks ? (
            <form method="post">
              <p>{t.linkIntro}</p>
              <p>
                <label for="birth-date">{t.linkBirthDate}</label>
                <br />
                <input id="birth-date" name="birthDate" type="date" required autocomplete="bday" />
              </p>
              <p>
                <button type="submit">{t.linkOpen}</button>
              </p>
            </form>
          ) : null}
        </main>
      </body>
    </html>,
  );
}
