/**
 * The demo's mail catcher against the cloud's own outbox transports (nodemailer over SMTP, the
 * Brevo SMS client): what they send is listed on the mailbox page, links are links, the .ics is
 * downloadable, bad input is refused with its reason, and the mailbox stays bounded.
 */
import { brevoSmsSender, smtpSender, TransportError } from '@telecart/cloud';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Mailbox, type SmtpCatcher, startSmtpCatcher } from './mail-catcher.js';
import { type MailboxHttp, startMailboxHttp } from './mailbox-http.js';

const ICS = 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:a1@demo\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n';
const KEY = 'demo-run-key';

let mailbox: Mailbox;
let smtp: SmtpCatcher;
let http: MailboxHttp;

beforeAll(async () => {
  mailbox = new Mailbox(50);
  smtp = await startSmtpCatcher(mailbox, { host: '127.0.0.1', port: 0 });
  http = await startMailboxHttp(mailbox, { host: '127.0.0.1', port: 0, smsApiKey: KEY });
});
afterAll(async () => {
  await smtp.close();
  await http.close();
});

const get = async (path: string) => {
  const res = await fetch(`${http.url}${path}`);
  return { res, body: await res.text() };
};

describe('the demo mail catcher', () => {
  it('keeps what the outbox sends by e-mail and shows it: links clickable, the .ics downloadable', async () => {
    const sender = smtpSender({ host: '127.0.0.1', port: smtp.port, tls: 'none', from: 'demo@telecart.test' });
    try {
      await sender.send({
        id: 'o1',
        to: 'desk@ehpad.test',
        subject: 'Téléconsultation <cardiologie>',
        text: 'Bonjour,\nRejoindre : http://127.0.0.1:9/join/abc?act=1.\nNon : javascript:alert(1)\n',
        calendar: { method: 'REQUEST', ics: ICS },
      });
    } finally {
      sender.close();
    }
    const [m] = mailbox.list();
    expect(m).toMatchObject({
      kind: 'email',
      to: ['desk@ehpad.test'],
      from: 'demo@telecart.test',
      subject: 'Téléconsultation <cardiologie>',
    });

    const list = await get('/');
    expect(list.res.status).toBe(200);
    expect(list.res.headers.get('content-security-policy')).toContain("default-src 'none'");
    // Escaped by the renderer, never markup.
    expect(list.body).toContain('Téléconsultation &lt;cardiologie>');
    expect(list.body).toContain(`href="/m/${m?.id}?lang=fr"`);

    const page = await get(`/m/${m?.id}?lang=en`);
    expect(page.res.status).toBe(200);
    expect(page.body).toContain('<html lang="en"');
    // The link is a link, without the sentence's full stop; javascript: stays text.
    expect(page.body).toContain('<a href="http://127.0.0.1:9/join/abc?act=1" rel="noreferrer">');
    expect(page.body).not.toContain('href="javascript:');
    const ics = m?.attachments.findIndex((a) => a.contentType === 'text/calendar') ?? -1;
    expect(ics).toBeGreaterThanOrEqual(0);
    expect(page.body).toContain(`/m/${m?.id}/attachments/${ics}`);
    const file = await fetch(`${http.url}/m/${m?.id}/attachments/${ics}`);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-disposition')).toMatch(/^attachment; filename="[A-Za-z0-9._-]+\.ics"$/);
    expect((await file.text()).replaceAll('\r\n', '\n')).toContain('UID:a1@demo');
  });

  it("takes the outbox's SMS as Brevo would, and refuses a wrong key or a malformed body with the reason", async () => {
    const sms = brevoSmsSender({ provider: 'brevo', apiKeyEnv: 'K', sender: 'Telecart', url: http.smsUrl, timeoutSeconds: 5 }, { K: KEY });
    const sent = await sms.send({ id: 'o2', to: '+33612345678', text: 'RDV téléconsultation demain 10:00' });
    expect(sent.providerRef).toMatch(/^[0-9]+$/);
    expect(mailbox.list()[0]).toMatchObject({
      kind: 'sms',
      to: ['+33612345678'],
      from: 'Telecart',
      text: 'RDV téléconsultation demain 10:00',
    });
    expect((await get('/')).body).toContain('data-kind="sms"');

    const wrong = brevoSmsSender(
      { provider: 'brevo', apiKeyEnv: 'K', sender: 'Telecart', url: http.smsUrl, timeoutSeconds: 5 },
      { K: 'other' },
    );
    await expect(wrong.send({ id: 'o3', to: '+33612345678', text: 'x' })).rejects.toThrow(TransportError);
    const bad = await fetch(http.smsUrl, {
      method: 'POST',
      headers: { 'api-key': KEY, 'content-type': 'application/json' },
      body: JSON.stringify({ sender: 'Telecart', recipient: '+33612345678', content: 'x' }),
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: 'invalid_parameter', message: expect.stringContaining('/recipient') });
    const notJson = await fetch(http.smsUrl, { method: 'POST', headers: { 'api-key': KEY }, body: '{' });
    expect(notJson.status).toBe(400);
    expect(mailbox.list().filter((x) => x.kind === 'sms')).toHaveLength(1);
  });

  it('is read-only, and answers an unknown message with a page that says so', async () => {
    expect((await fetch(`${http.url}/`, { method: 'POST', body: 'x' })).status).toBe(405);
    const missing = await get('/m/999999');
    expect(missing.res.status).toBe(404);
    expect(missing.body).toContain('id="message-not-found"');
    expect((await get('/m/1/attachments/7')).res.status).toBe(404);
  });

  it('keeps only the newest messages, and says how many it dropped', async () => {
    const small = new Mailbox(2);
    for (const n of [1, 2, 3]) small.add({ kind: 'sms', from: 'T', to: ['+33600000000'], subject: '', text: `n${n}`, attachments: [] });
    expect(small.list().map((m) => m.text)).toEqual(['n3', 'n2']);
    expect(small.dropped).toBe(1);
    expect(small.get(1)).toBeUndefined();
    const web = await startMailboxHttp(small, { host: '127.0.0.1', port: 0, smsApiKey: KEY });
    try {
      const body = await (await fetch(`${web.url}/?lang=en`)).text();
      expect(body).toContain('1 older messages are no longer kept (only the last 2 are)');
    } finally {
      await web.close();
    }
  });
});
