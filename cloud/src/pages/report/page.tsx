/**
 * The specialist's report page for one act (GET /consult/acts/:sessionId/report), during or after
 * the act: the six sections, save, sign, correct; the versions with their PDFs. The server renders
 * the empty form; browser/main.ts reads and writes through the report API.
 */
import { InlineScript, type Lang, loadPageBundle, PageHead, renderDocument, report, textsIn } from '@telecart/ui';
import { pageCsp } from '../../http/csp.js';
import { FAVICON_HREF } from '../../http/routes/favicon.js';
import { REPORT_SECTIONS } from '../../report/content.js';
import { DASHBOARD_CSS } from '../dashboard/style.js';

const bundle = () => loadPageBundle(import.meta.url);

export function reportPageCsp(): string {
  return pageCsp({ scripts: [bundle().source], styles: [DASHBOARD_CSS] });
}

export function renderReportPage(o: { lang: Lang; sessionId: string }): string {
  const t = textsIn(report, o.lang);
  return renderDocument(
    <html lang={o.lang}>
      <PageHead title={t.pageTitle} icon={FAVICON_HREF} css={DASHBOARD_CSS} />
      <body>
        <main id="report" data-session={o.sessionId}>
          <h1>{t.title}</h1>
          <p id="report-state" />
          <form id="report-form">
            {REPORT_SECTIONS.map((s) => (
              <p>
                <label for={`section-${s.key}`}>{t[s.key]}</label>
                <br />
                <textarea id={`section-${s.key}`} name={s.key} rows={4} cols={80} maxLength={20_000} />
              </p>
            ))}
            <p>
              <button type="button" id="report-save">
                {t.save}
              </button>{' '}
              <button type="button" id="report-sign">
                {t.sign}
              </button>{' '}
              <button type="button" id="report-correct">
                {t.correct}
              </button>
            </p>
          </form>
          <p id="report-message" role="status" />
          <ul id="report-versions" />
        </main>
        <InlineScript source={bundle().source} />
      </body>
    </html>,
  );
}
