/**
 * The cart's badge reader (devices' badge-uid codec: UID as hex + CR LF) on a serial port: each
 * tap is emitted as the UID. When the port goes away (unplugged, not there yet) it is opened again
 * every `retryMs`; the gateway never stops for it.
 */
import { EventEmitter } from 'node:events';
import { BadgeUidParser, defaultOpenPortFactory, type OpenPort, type SerialPortLike } from '@telecart/devices';
import type { Logger } from '../logger.js';

export interface BadgeReaderOptions {
  path: string;
  logger: Logger;
  /** Tests and special setups; serialport otherwise. */
  openPort?: OpenPort;
  retryMs?: number;
}

export class BadgeReader extends EventEmitter<{ tap: [string] }> {
  private port: SerialPortLike | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private warned = false;

  constructor(private readonly o: BadgeReaderOptions) {
    super();
  }

  start(): void {
    void this.open();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    const port = this.port;
    this.port = undefined;
    if (port?.isOpen) await new Promise<void>((r) => port.close(() => r()));
    port?.removeAllListeners();
  }

  private async open(): Promise<void> {
    if (this.stopped) return;
    const openPort = this.o.openPort ?? (await defaultOpenPortFactory()).open;
    const port = openPort({ path: this.o.path, baudRate: 9600, dataBits: 8, parity: 'none', stopBits: 1 });
    const parser = new BadgeUidParser();
    this.port = port;
    port.on('data', (chunk) => {
      const out = parser.push(chunk);
      for (const e of out.errors)
        this.o.logger.warn({ path: this.o.path, kind: e.kind, detail: e.detail }, 'badge reader: a line was refused');
      for (const t of out.packets) this.emit('tap', t.uid);
    });
    port.on('error', () => undefined);
    port.on('close', () => this.retry('closed'));
    port.open((err) => {
      if (err) return this.retry(err.message);
      this.warned = false;
      this.o.logger.info({ path: this.o.path }, 'badge reader connected');
    });
  }

  private retry(reason: string): void {
    if (this.stopped) return;
    if (!this.warned) this.o.logger.warn({ path: this.o.path, reason }, 'badge reader not available; trying again');
    this.warned = true;
    this.port?.removeAllListeners();
    this.port = undefined;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.open(), this.o.retryMs ?? 1000);
  }
}
