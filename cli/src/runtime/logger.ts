import { pino } from 'pino';

/** JSON lines on stderr (journald and log shippers read them); stdout stays for the human summary. */
export function createLogger(service: string) {
  return pino({ name: `telecart-${service}`, level: process.env.TELECART_LOG_LEVEL ?? 'info' }, pino.destination(2));
}
