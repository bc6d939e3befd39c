/**
 * SMS through Brevo's transactional SMS API (POST /v3/transactionalSMS/send; docs/notifications.md
 * cites the reference): JSON body {sender, recipient, content, type, tag, unicodeEnabled}, the key
 * in the `api-key` header, 201 {messageId} on success, {code, message} with a 4xx on error.
 * Brevo takes no idempotency key: the outbox row id goes in `tag`, so a copy sent after a crash
 * can at least be traced in Brevo's logs.
 */
import { Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { BrevoSmsConfig } from './config.js';
import { type OutgoingSms, type SendResult, type SmsSender, TransportError } from './transport.js';

const Accepted = Type.Object({ messageId: Type.Union([Type.Integer(), Type.String({ minLength: 1 })]) });
const Refused = Type.Object({ code: Type.String(), message: Type.String() });

/** Brevo's `recipient`: the number with its country code, digits only. */
export function brevoRecipient(e164: string): string {
  if (!/^\+[1-9][0-9]{6,14}$/.test(e164))
    throw new TransportError(`SMS: ${JSON.stringify(e164)} is not an E.164 number (+33612345678)`, true);
  return e164.slice(1);
}

/** GSM 03.38 basic set (+ €): anything else needs unicodeEnabled (70 characters per SMS instead of 160). */
const GSM = /^[@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&'()*+,\-./0-9:;<=>?¡A-ZÄÖÑÜ§¿a-zäöñüà^{}\\[~\]|€]*$/;

export function brevoSmsSender(c: BrevoSmsConfig, env: NodeJS.ProcessEnv = process.env): SmsSender {
  const key = env[c.apiKeyEnv];
  if (key === undefined || key === '') throw new Error(`outbox.sms.apiKeyEnv: environment variable ${c.apiKeyEnv} is not set`);
  return {
    async send(m: OutgoingSms): Promise<SendResult> {
      const body = {
        sender: c.sender,
        recipient: brevoRecipient(m.to),
        content: m.text,
        type: 'transactional',
        tag: m.id,
        unicodeEnabled: !GSM.test(m.text),
      };
      let res: Response;
      try {
        res = await fetch(c.url, {
          method: 'POST',
          headers: { 'api-key': key, 'content-type': 'application/json', accept: 'application/json' },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(c.timeoutSeconds * 1000),
        });
      } catch (err) {
        throw new TransportError(`SMS: Brevo unreachable: ${(err as Error).message}`, false);
      }
      const text = await res.text().catch(() => '');
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      if (res.status === 201 || res.status === 200) {
        if (!Value.Check(Accepted, json))
          // Accepted (2xx) but unreadable: sent all the same; retrying would send it twice.
          return { providerRef: null };
        return { providerRef: String(json.messageId) };
      }
      const why = Value.Check(Refused, json) ? `${json.code}: ${json.message}` : text.slice(0, 200) || res.statusText;
      // 400 (invalid or missing parameter), 404-406: this request will never pass. 401/402/403
      // (key, credits, permission) are the operator's to fix; 429 and 5xx pass later.
      const permanent = res.status === 400 || (res.status >= 404 && res.status <= 406);
      throw new TransportError(`SMS: Brevo answered ${res.status} (${why})`, permanent);
    },
  };
}
