/** The administration page in French, signed in with a login cookie (`name=value`), page errors collected. */
import type { Browser, BrowserContext, Page } from 'playwright-core';

export async function openAdminPage(
  browser: Browser,
  cloudUrl: string,
  cookie: string,
  problems: string[],
): Promise<{ context: BrowserContext; page: Page }> {
  const [name = '', value = ''] = cookie.split('=');
  const context = await browser.newContext({ locale: 'fr-FR' });
  await context.addCookies([{ name, value, url: cloudUrl }]);
  const page = await context.newPage();
  page.on('pageerror', (e) => problems.push(e.message));
  await page.goto(`${cloudUrl}/admin?lang=fr`);
  return { context, page };
}
