/**
 * The demo's mailbox page (served by cli/src/demo/mailbox-http.ts on loopback): the messages the
 * mail catcher received, newest first, and each message with its links clickable and its
 * attachments (the invitation's .ics) downloadable. Server-rendered, no script; the list reloads
 * itself (meta refresh) so new invitations show up.
 */
import { cspHash, format, InlineStyle, type Lang, mailbox, renderDocument, textsIn } from '@telecart/ui';
import type { ComponentChildren } from 'preact';
import type { CaughtMessage } from '../../demo/mail-catcher.js';
import { MAILBOX_CSS } from './style.js';

export function mailboxCsp(): string {
  return [
    "default-src 'none'",
    `style-src ${cspHash(MAILBOX_CSS)}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

const LINK = /https?:\/\/[^\s<>"]+/g;

/** The text with its http(s) links as links; trailing punctuation stays text. */
export function linkified(text: string): ComponentChildren[] {
  const out: ComponentChildren[] = [];
  let at = 0;
  for (const m of text.matchAll(LINK)) {
    const url = m[0].replace(/[.,;:!?)]+$/, '');
    const start = m.index;
    if (start > at) out.push(text.slice(at, start));
    out.push(
      <a href={url} rel="noreferrer">
        {url}
      </a>,
    );
    at = start + url.length;
  }
  if (at < text.length) out.push(text.slice(at));
  return out;
}

function when(d: Date, lang: Lang): string {
  return d.toLocaleString(lang === 'fr' ? 'fr-FR' : 'en-GB', { dateStyle: 'short', timeStyle: 'medium' });
}

function Shell(props: { lang: Lang; refresh?: boolean; children: ComponentChildren }) {
  const t = textsIn(mailbox, props.lang);
  return (
    <html lang={props.lang}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        {props.refresh ? <meta http-equiv="refresh" content="15" /> : null}
        <title>{t.pageTitle}</title>
        <InlineStyle css={MAILBOX_CSS} />
      </head>
      <body>{props.children}</body>
    </html>
  );
}

export function renderMailboxList(o: { lang: Lang; messages: readonly CaughtMessage[]; dropped: number; max: number }): string {
  const t = textsIn(mailbox, o.lang);
  return renderDocument(
    <Shell lang={o.lang} refresh>
      <main id="mailbox">
        <h1>{t.title}</h1>
        <p class="muted">{t.intro}</p>
        {o.dropped > 0 ? <p id="mailbox-dropped">{format(t.dropped, { count: o.dropped, max: o.max })}</p> : null}
        {o.messages.length === 0 ? (
          <p id="mailbox-empty">{t.empty}</p>
        ) : (
          <table id="mailbox-list">
            <thead>
              <tr>
                <th scope="col">{t.received}</th>
                <th scope="col">{t.kind}</th>
                <th scope="col">{t.to}</th>
                <th scope="col">{t.subject}</th>
              </tr>
            </thead>
            <tbody>
              {o.messages.map((m) => (
                <tr data-id={String(m.id)} data-kind={m.kind}>
                  <td>{when(m.receivedAt, o.lang)}</td>
                  <td>{t[`kind:${m.kind}`]}</td>
                  <td>{m.to.join(', ')}</td>
                  <td>
                    <a href={`/m/${m.id}?lang=${o.lang}`}>
                      {m.kind === 'sms' ? m.text.slice(0, 80) || t.noSubject : m.subject || t.noSubject}
                    </a>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </main>
    </Shell>,
  );
}

export function renderMailboxMessage(o: { lang: Lang; message: CaughtMessage | null }): string {
  const t = textsIn(mailbox, o.lang);
  const m = o.message;
  return renderDocument(
    <Shell lang={o.lang}>
      <main id="message">
        <p>
          <a href={`/?lang=${o.lang}`}>{t.back}</a>
        </p>
        {m === null ? (
          <p id="message-not-found">{t.notFound}</p>
        ) : (
          <>
            <h1>{m.kind === 'sms' ? t['kind:sms'] : m.subject || t.noSubject}</h1>
            <dl>
              <dt>{t.received}</dt>
              <dd>{when(m.receivedAt, o.lang)}</dd>
              <dt>{t.from}</dt>
              <dd>{m.from}</dd>
              <dt>{t.to}</dt>
              <dd>{m.to.join(', ')}</dd>
            </dl>
            <pre id="message-text">{linkified(m.text)}</pre>
            {m.attachments.length > 0 ? (
              <section id="message-attachments">
                <h2>{t.attachments}</h2>
                <ul>
                  {m.attachments.map((a, i) => (
                    <li>
                      <a href={`/m/${m.id}/attachments/${i}`} download={a.filename}>
                        {a.filename}
                      </a>{' '}
                      <span class="muted">
                        ({a.contentType}, {a.content.length} B)
                      </span>
                    </li>
                  ))}
                </ul>
              </section>
            ) : null}
          </>
        )}
      </main>
    </Shell>,
  );
}
