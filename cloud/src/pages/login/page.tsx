/**
 * The care team's sign-in page in front of the dashboard and the patient-data API (GET /login).
 * The server renders the form in the asked language; browser/main.ts posts it. Script and style
 * are inline, allowed by hash: no eval, no third-party origin.
 */
import { CATALOGUE, InlineScript, InlineStyle, type Lang, loadPageBundle, renderDocument, textsIn } from '@telecart/ui';
import { pageCsp } from '../../http/csp.js';
import { FAVICON_HREF } from '../../http/routes/favicon.js';
import { DASHBOARD_CSS } from '../dashboard/style.js';

const bundle = () => loadPageBundle(import.meta.url);

export function loginPageCsp(): string {
  return pageCsp({ scripts: [bundle().source], styles: [DASHBOARD_CSS] });
}

export function renderLoginPage(o: { lang: Lang; next: string }): string {
  const t = textsIn(CATALOGUE.login, o.lang);
  return renderDocument(
    <html lang={o.lang}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{t.title}</title>
        <link rel="icon" href={FAVICON_HREF} type="image/svg+xml" />
        <InlineStyle css={DASHBOARD_CSS} />
      </head>
      <body>
        <main>
          <h1>{t.heading}</h1>
          <form id="login-form" data-next={o.next} autocomplete="on">
            <p>
              <label for="login-id">{t.id}</label>
              <br />
              <input id="login-id" name="id" autocomplete="username" required maxLength={64} />
            </p>
            <p>
              <label for="login-password">{t.password}</label>
              <br />
              <input id="login-password" name="password" type="password" autocomplete="current-password" required maxLength={256} />
            </p>
            <p>
              <button type="submit">{t.submit}</button>
            </p>
            <p id="login-message" role="alert" />
          </form>
        </main>
        <InlineScript source={bundle().source} />
      </body>
    </html>,
  );
}
