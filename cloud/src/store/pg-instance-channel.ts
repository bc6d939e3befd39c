/**
 * The instances' channel (instance-channel.ts) over PostgreSQL LISTEN/NOTIFY: one connection of its
 * own, outside the pool, that listens on this instance's name and sends with pg_notify, so that what
 * one instance sends arrives in send order (one connection, its statements in order). A connection
 * lost is opened again after a second and listens again; what was sent meanwhile is lost (the
 * relayed participants' sockets are closed by the relay, and their pages reconnect).
 */
import pg from 'pg';
import { ChannelParts, type InstanceChannel, type InstanceChannelEvents, toParts } from './instance-channel.js';
import { quoteIdent } from './postgres-migrations.js';

/** The connection's application_name (pg_stat_activity): the instances' channel, apart from the pool's. */
export const CHANNEL_APPLICATION = 'telecart-instance-channel';

/** NOTIFY channel of an instance: prefixed, so that other applications' channels are not ours. */
const channelOf = (name: string) => `telecart_${name}`;

export class PgInstanceChannel implements InstanceChannel {
  private client: pg.Client | undefined;
  private connecting: Promise<pg.Client> | undefined;
  private readonly listening = new Map<string, (text: string) => void>();
  private readonly parts = new ChannelParts();
  private closed = false;
  private retry: NodeJS.Timeout | undefined;
  /** The statements on the connection, one after the other (pg queues them, but will stop doing so). */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly url: string,
    private readonly events: InstanceChannelEvents,
  ) {}

  async listen(name: string, receive: (text: string) => void): Promise<void> {
    this.listening.set(channelOf(name), receive);
    const c = await this.connected();
    await this.run(() => c.query(`LISTEN ${quoteIdent(channelOf(name))}`));
  }

  async send(name: string, text: string): Promise<void> {
    const payloads = toParts(text);
    // In order on the one connection: the parts of one text, and the texts, arrive in send order.
    await this.run(async () => {
      const c = await this.connected();
      // One statement (one round trip, one transaction): its notifications are delivered in this order.
      if (payloads.length === 1) await c.query('SELECT pg_notify($1, $2)', [channelOf(name), payloads[0]]);
      else
        await c.query('SELECT pg_notify($1, p) FROM unnest($2::text[]) WITH ORDINALITY AS t(p, i) ORDER BY i', [channelOf(name), payloads]);
    });
  }

  private run<T>(op: () => Promise<T>): Promise<T> {
    const r = this.queue.then(op);
    this.queue = r.catch(() => undefined);
    return r;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    const c = this.client ?? (await this.connecting?.catch(() => undefined));
    this.client = undefined;
    await c?.end().catch(() => undefined);
  }

  private connected(): Promise<pg.Client> {
    if (this.client) return Promise.resolve(this.client);
    if (this.closed) return Promise.reject(new Error('the instances’ channel is closed'));
    this.connecting ??= this.open().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async open(): Promise<pg.Client> {
    const c = new pg.Client({ connectionString: this.url, application_name: CHANNEL_APPLICATION });
    c.on('notification', (n) => {
      const receive = this.listening.get(n.channel);
      if (!receive || n.payload === undefined) return;
      const r = this.parts.take(n.payload);
      if (r === null) return;
      if ('error' in r) this.events.dropped(r.error);
      else receive(r.text);
    });
    const lost = (err: Error) => {
      if (this.client !== c) return;
      this.client = undefined;
      this.events.lost(err);
      void c.end().catch(() => undefined);
      if (!this.closed && this.listening.size > 0)
        this.retry = setTimeout(() => {
          void this.relisten();
        }, 1000).unref();
    };
    c.on('error', lost);
    c.on('end', () => lost(new Error('instances’ channel: the connection ended')));
    await c.connect();
    for (const ch of this.listening.keys()) await c.query(`LISTEN ${quoteIdent(ch)}`);
    this.client = c;
    return c;
  }

  private async relisten(): Promise<void> {
    try {
      await this.connected();
    } catch (e) {
      this.events.lost(e as Error);
      if (!this.closed)
        this.retry = setTimeout(() => {
          void this.relisten();
        }, 1000).unref();
    }
  }
}
