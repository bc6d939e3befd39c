/**
 * The `outbox` section of the cloud configuration: how e-mail (SMTP) and SMS (Brevo's
 * transactional SMS API) are sent, and the sender loop's retry policy. Secrets are read from
 * environment variables named here, never written in the file. docs/notifications.md.
 */
import { type Static, Type } from '@sinclair/typebox';

const EnvName = (description: string) => Type.String({ pattern: '^[A-Z_][A-Z0-9_]*$', maxLength: 128, description });

export const SmtpConfig = Type.Object(
  {
    host: Type.String({ minLength: 1, maxLength: 253, description: 'SMTP server (relay of the hospital, or a provider)' }),
    port: Type.Integer({ minimum: 1, maximum: 65535, default: 587, description: '587 (STARTTLS), 465 (TLS from the start) or 25' }),
    tls: Type.Union([Type.Literal('starttls'), Type.Literal('implicit'), Type.Literal('none')], {
      default: 'starttls',
      description:
        "'starttls' = upgrade required (refuses a server that does not offer it), 'implicit' = TLS from the first byte (port 465), 'none' = clear text (loopback relays only)",
    }),
    caFile: Type.Optional(
      Type.String({ minLength: 1, description: "PEM file of the CA that signed the server's certificate (default: the system's)" }),
    ),
    user: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: 'login, when the server asks for one' })),
    passwordEnv: Type.Optional(EnvName('environment variable holding the SMTP password')),
    from: Type.String({
      minLength: 3,
      maxLength: 320,
      pattern: '^[^@\\s<>]+@[^@\\s<>]+$',
      description: 'sender address of every message; its domain also names the Message-IDs',
    }),
    fromName: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'display name of the sender (default Telecart)' })),
  },
  { additionalProperties: false, description: 'e-mail through SMTP (nodemailer)' },
);
export type SmtpConfig = Static<typeof SmtpConfig>;

export const BrevoSmsConfig = Type.Object(
  {
    provider: Type.Literal('brevo', { description: "Brevo's transactional SMS API (the only one implemented)" }),
    apiKeyEnv: EnvName('environment variable holding the Brevo API key (sent as the api-key header)'),
    sender: Type.String({
      pattern: '^([A-Za-z0-9 ]{1,11}|[0-9]{1,15})$',
      description: 'sender name shown on the phone: up to 11 letters/digits, or a number of up to 15 digits',
    }),
    url: Type.String({
      pattern: '^https?://',
      default: 'https://api.brevo.com/v3/transactionalSMS/send',
      description: 'endpoint (tests point it at a local stand-in)',
    }),
    timeoutSeconds: Type.Number({ minimum: 1, maximum: 120, default: 15, description: 'per request' }),
  },
  { additionalProperties: false, description: 'SMS through Brevo (docs/notifications.md)' },
);
export type BrevoSmsConfig = Static<typeof BrevoSmsConfig>;

export const OutboxConfig = Type.Object(
  {
    email: Type.Optional(SmtpConfig),
    sms: Type.Optional(BrevoSmsConfig),
    everySeconds: Type.Number({
      minimum: 1,
      maximum: 3600,
      default: 10,
      description: 'how often the sender looks for due messages (it is also woken at once)',
    }),
    maxAttempts: Type.Integer({ minimum: 1, maximum: 100, default: 10, description: 'attempts before a message is recorded as failed' }),
    retrySeconds: Type.Number({ minimum: 1, maximum: 3600, default: 30, description: 'first retry delay; doubled at each attempt' }),
    maxRetrySeconds: Type.Number({ minimum: 1, maximum: 86_400, default: 3600, description: 'longest retry delay' }),
    leaseSeconds: Type.Number({
      minimum: 5,
      maximum: 3600,
      default: 120,
      description: 'how long a sender holds a message; after it (the process died) another attempt takes it',
    }),
  },
  { additionalProperties: false, description: 'the durable outbox of e-mails and SMS (docs/notifications.md)' },
);
export type OutboxConfig = Static<typeof OutboxConfig>;
