/**
 * The care team's dashboard (GET /): the alerts panel, the patient table and the carts and home
 * boxes panel, rendered on the server. browser/main.ts keeps them live (re-fetching the fragments
 * the server renders when /api/events says something changed), acknowledges alerts and switches
 * the language. Script and style are inline, allowed by hash; nothing loads from elsewhere:
 * hospital networks are often cut off from the Internet.
 */
import { common, dashboard, InlineScript, type Lang, loadPageBundle, PageHead, renderDocument } from '@telecart/ui';
import { pageCsp } from '../../http/csp.js';
import { FAVICON_HREF } from '../../http/routes/favicon.js';
import type { GatewayRecord } from '../../store/cloud-store.js';
import type { PatientOverview } from '../../vitals/overview.js';
import { AlertsSection } from './alerts-panel.js';
import { GatewaysTable } from './gateways-table.js';
import { PatientsTable, type RenderOptions } from './patients-table.js';
import { DASHBOARD_CSS } from './style.js';

export { type AlertPatient, alertText, renderAlertsFragment, sortAlerts } from './alerts-panel.js';
export { renderGatewaysFragment } from './gateways-table.js';
export { type RenderOptions, renderPatientsFragment } from './patients-table.js';

export const dashboardBundle = () => loadPageBundle(import.meta.url);

/** Only the page's own inline script and style run (by hash); nothing may load from elsewhere. */
export function dashboardPageCsp(): string {
  return pageCsp({ scripts: [dashboardBundle().source], styles: [DASHBOARD_CSS] });
}

export function renderDashboardPage(
  patients: readonly PatientOverview[],
  o: RenderOptions,
  gateways: readonly GatewayRecord[] = [],
): string {
  const lang = o.lang;
  const other: Lang = lang === 'fr' ? 'en' : 'fr';
  const say = (key: keyof typeof dashboard) => dashboard[key][lang];
  return renderDocument(
    <html lang={lang}>
      <PageHead title={say('title')} icon={FAVICON_HREF} css={DASHBOARD_CSS} titleKey="title" />
      <body>
        <header>
          <h1 data-i18n="heading">{say('heading')}</h1>
          <p id="live-status" role="status" aria-live="polite" />
          <button type="button" id="lang-toggle" lang={other}>
            {common.switchToOther[lang]}
          </button>
          {o.reader && (
            <>
              <p id="reader">
                <span data-i18n="signedInAs">{say('signedInAs')}</span> {o.reader.name}
              </p>
              <button type="button" id="logout" data-i18n="logout">
                {say('logout')}
              </button>
            </>
          )}
        </header>
        <main>
          <noscript>
            <p>{say('noScript')}</p>
          </noscript>
          <AlertsSection lang={lang} />
          <section id="patients" aria-labelledby="patients-heading">
            <h2 id="patients-heading" class="visually-hidden" data-i18n="heading">
              {say('heading')}
            </h2>
            <div id="patients-table">
              <PatientsTable patients={patients} o={o} />
            </div>
          </section>
          <section id="gateways" aria-labelledby="gateways-heading">
            <h2 id="gateways-heading" class="visually-hidden" data-i18n="gatewaysHeading">
              {say('gatewaysHeading')}
            </h2>
            <div id="gateways-table">
              <GatewaysTable gateways={gateways} o={o} />
            </div>
          </section>
        </main>
        <InlineScript source={dashboardBundle().source} />
      </body>
    </html>,
  );
}
