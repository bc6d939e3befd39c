/**
 * The specialist's page in one language at a time: rendered in French and in English (and switched
 * in the browser), each of its views — login, waiting room with a call, the act — shows no message
 * of the other language (tests/support/language-mix.ts on the visible text, the title and the
 * accessible names; the language toggle, marked lang= the other language, names that language on
 * purpose). Its CSP allows scripts by hash only, and the page runs without a CSP violation.
 */
import { randomUUID } from 'node:crypto';
import type { Lang } from '@telecart/ui';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchChromium } from '../support/chromium.js';
import { otherLanguageMessages } from '../support/language-mix.js';
import { type ConsultCloud, PASSWORDS, startConsultCloud, TestCart } from './support.js';

/** What the page says in its current view: visible text (less elements marked in another language), title, accessible names. */
function pageWords(page: Page): Promise<{ lang: string; text: string }> {
  return page.evaluate(() => {
    const lang = document.documentElement.lang;
    // biome-ignore lint/performance/useDomNodeTextContent: the visible text is wanted, not the hidden views'
    let text = document.body.innerText;
    for (const e of document.querySelectorAll<HTMLElement>('body [lang]')) {
      // biome-ignore lint/performance/useDomNodeTextContent: as above
      if (e.lang !== lang) text = text.replace(e.innerText, '');
    }
    const labels = [...document.querySelectorAll('[aria-label]')].map((e) => e.getAttribute('aria-label') ?? '');
    return { lang, text: [document.title, text, ...labels].join('\n') };
  });
}

describe.skipIf(!hasChromium)('consultation page: one language at a time, strict CSP', () => {
  let c: ConsultCloud;
  let cart: TestCart;
  let browser: Browser;

  beforeAll(async () => {
    c = await startConsultCloud({ teleconsult: { connectTimeoutSeconds: 120 } });
    cart = await TestCart.connect(c.cloud.mqttUrl, 'cart-1');
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await cart?.close();
    await c?.stop();
  });

  it.each(['fr', 'en'] as const)(
    'in %s: no word of the other language in any view, nor after the switch',
    async (lang: Lang) => {
      // A context of its own: the switch is kept in localStorage.
      const context = await browser.newContext({ locale: lang === 'fr' ? 'fr-FR' : 'en-GB' });
      const page = await context.newPage();
      const problems: string[] = [];
      await page.addInitScript(() => {
        document.addEventListener('securitypolicyviolation', (e) => {
          console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`);
        });
      });
      page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
      page.on('console', (m) => {
        // api/specialist/me answers 401 before the login, on purpose.
        if (m.type() === 'error' && !/status of 401/.test(m.text())) problems.push(`console: ${m.text()}`);
      });
      const view = () => page.evaluate(() => document.body.dataset.view);
      const mixed = async (expected: Lang) => {
        const words = await pageWords(page);
        expect(words.lang).toBe(expected);
        return otherLanguageMessages(words.text, expected);
      };

      const response = await page.goto(`${c.cloud.httpUrl}/consult?lang=${lang}`);
      const csp = response?.headers()['content-security-policy'] ?? '';
      const scriptSrc = csp.split(';').find((d) => d.trim().startsWith('script-src')) ?? '';
      expect(scriptSrc).toMatch(/'sha256-[A-Za-z0-9+/=]+'/);
      expect(scriptSrc).not.toContain('unsafe-inline');
      expect(csp).not.toContain('unsafe-eval');

      await expect.poll(view).toBe('login');
      expect(await mixed(lang)).toEqual([]);

      await page.fill('#login-id', 'dr-roux');
      await page.fill('#login-password', PASSWORDS['dr-roux']);
      await page.click('#login-form button[type=submit]');
      await expect.poll(view).toBe('room');
      const sid = randomUUID();
      await cart.call(sid, 'p-001', { reason: 'dyspnée' });
      const row = page.locator(`tr[data-session="${sid}"]`);
      await expect.poll(() => row.count()).toBe(1);
      expect(await mixed(lang)).toEqual([]);

      await row.locator('button.join').click();
      await cart.next('start', (m) => m.sessionId === sid);
      await expect.poll(view).toBe('consult');
      await expect.poll(() => page.locator('#act-status').getAttribute('data-status')).toBe('in-progress');
      await cart.send({ v: 1, type: 'state', sessionId: sid, state: 'connected' });
      await expect.poll(() => page.locator('#conn-state').getAttribute('data-cart-state')).toBe('connected');
      expect(await mixed(lang)).toEqual([]);

      // Switched in the browser: every text and accessible name follows.
      const other: Lang = lang === 'fr' ? 'en' : 'fr';
      await page.click('#lang-toggle');
      expect(await mixed(other)).toEqual([]);

      await page.click('#hangup');
      await cart.next('hangup', (m) => m.sessionId === sid);
      await cart.status(sid, 'completed');
      await expect.poll(() => page.locator('#act-status').getAttribute('data-status')).toBe('completed');
      expect(await mixed(other)).toEqual([]);
      await page.click('#back');
      await expect.poll(view).toBe('room');
      expect(await mixed(other)).toEqual([]);

      expect(problems).toEqual([]);
      await context.close();
    },
    60_000,
  );
});
