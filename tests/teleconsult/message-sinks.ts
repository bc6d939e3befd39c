/**
 * Where a test cloud's outbox sends: a real SMTP server (smtp-server, reading what it received) and a
 * local stand-in of the SMS provider's documented API; `outbox` is the cloud configuration that points
 * at both (the provider's key through the environment, as in production).
 */
import type { StartCloudOptions } from '@telecart/cloud';
import { type BrevoStandIn, startBrevoStandIn } from '../../cloud/src/testing/brevo-stand-in.js';
import { type SmtpSink, startSmtpSink } from '../../cloud/src/testing/smtp-sink.js';

export interface MessageSinks {
  sink: SmtpSink;
  brevo: BrevoStandIn;
  outbox: NonNullable<StartCloudOptions['outbox']>;
  close(): Promise<void>;
}

const KEY_ENV = 'TEST_BREVO_KEY';

export async function startMessageSinks(from: string): Promise<MessageSinks> {
  const sink = await startSmtpSink();
  const brevo = await startBrevoStandIn('key');
  process.env[KEY_ENV] = 'key';
  return {
    sink,
    brevo,
    outbox: {
      email: { host: '127.0.0.1', port: sink.port, tls: 'none', from },
      sms: { provider: 'brevo', apiKeyEnv: KEY_ENV, sender: 'Telecart', url: brevo.url, timeoutSeconds: 5 },
    },
    async close() {
      await sink.close();
      await brevo.close();
    },
  };
}
