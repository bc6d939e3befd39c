/**
 * The care team's sign-in page in front of the dashboard and the patient-data API (GET /login).
 * The server renders the form in the asked language; browser/main.ts posts it. Script and style
 * are inline, allowed by hash: no eval, no third-party origin.
 */
import { CATALOGUE, format, InlineScript, InlineStyle, type Lang, loadPageBundle, PageHead, renderDocument, textsIn } from '@telecart/ui';
import { pageCsp } from '../../http/csp.js';
import { FAVICON_HREF } from '../../http/routes/favicon.js';
import { DASHBOARD_CSS } from '../dashboard/style.js';

const bundle = () => loadPageBundle(import.meta.url);

export function loginPageCsp(): string {
  return pageCsp({ scripts: [bundle().source], styles: [DASHBOARD_CSS] });
}

export interface LoginPageOptions {
  lang: Lang;
  next: string;
  /** The OpenID Connect provider's display name: a "Se connecter avec <name>" link above the form. */
  oidcName?: string | undefined;
  /** Show the second-factor code field (some account has TOTP, or the site requires it). */
  totp?: boolean | undefined;
  /** Why the last sign-in was refused, shown in the message line. */
  error?: string | undefined;
}

export function renderLoginPage(o: LoginPageOptions): string {
  const t = textsIn(CATALOGUE.login, o.lang);
  const start = `auth/oidc/start?${new URLSearchParams({ next: o.next, lang: o.lang }).toString()}`;
  return renderDocument(
    <html lang={o.lang}>
      <PageHead title={t.title} icon={FAVICON_HREF} css={DASHBOARD_CSS} />
      <body>
        <main>
          <h1>{t.heading}</h1>
          {o.oidcName !== undefined && (
            <>
              <p>
                <a id="login-oidc" href={start}>
                  {format(t.oidc, { name: o.oidcName })}
                </a>
              </p>
              <p>{t.or}</p>
            </>
          )}
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
            {o.totp === true && (
              <p>
                <label for="login-totp">{t.totp}</label>
                <br />
                <input id="login-totp" name="totp" autocomplete="one-time-code" inputMode="numeric" pattern="[0-9]{6}" maxLength={6} />
              </p>
            )}
            <p>
              <button type="submit">{t.submit}</button>
            </p>
            <p id="login-message" role="alert">
              {o.error}
            </p>
          </form>
        </main>
        <InlineScript source={bundle().source} />
      </body>
    </html>,
  );
}

/**
 * After a sign-in with the provider: a page of this site that moves on to `next`. The browser
 * arrives here from the provider (a cross-site navigation) and would not send the SameSite=Strict
 * login cookie on a redirect; the refresh below is a same-site navigation, so it does.
 */
export function renderSignedInPage(o: { lang: Lang; next: string; name: string }): string {
  const t = textsIn(CATALOGUE.login, o.lang);
  return renderDocument(
    <html lang={o.lang}>
      <head>
        <meta charset="utf-8" />
        <meta http-equiv="refresh" content={`0;url=${o.next}`} />
        <title>{t.title}</title>
        <link rel="icon" href={FAVICON_HREF} type="image/svg+xml" />
        <InlineStyle css={DASHBOARD_CSS} />
      </head>
      <body>
        <main>
          <p id="signed-in">{format(t.signedIn, { name: o.name })}</p>
          <p>
            <a href={o.next}>{t.continue}</a>
          </p>
        </main>
      </body>
    </html>,
  );
}

export function signedInPageCsp(): string {
  return pageCsp({ scripts: [], styles: [DASHBOARD_CSS] });
}
