/**
 * The 'ptz' data channel → the ONVIF camera. Each PtzCommand (validated: it comes from a browser)
 * gets exactly one PtzReply with the same seq, error or not. A `move` the browser keeps repeating
 * keeps the camera moving (each one re-arms OnvifCamera's dead-man timer); when they stop coming —
 * the page froze, the link dropped, the specialist let go — the dead-man stops the camera.
 *
 * Commands that move the camera (move, stop, relative, absolute, preset-goto) go to the camera one
 * at a time, in arrival order: a Stop never overtakes the ContinuousMove before it (two SOAP
 * requests in flight can land in either order, and the camera would keep moving). They are not
 * queued behind each other without bound: a `move` still waiting is replaced by any newer motion
 * command (the older one is answered ok, superseded), so a slow camera never replays a backlog of
 * stale velocities. Queries (status, presets, preset-set/remove) go at once.
 */
import type { OnvifCamera } from '@telecart/devices';
import { formatIssues, type PtzCommand, type PtzReply } from '@telecart/protocol';
import { rtcValidators } from './validators.js';

export interface PtzRelayCounters {
  commands: number;
  malformed: number;
  errors: number;
  superseded: number;
}

/** What the relay needs of a camera (OnvifCamera has it). */
export type PtzCamera = Pick<
  OnvifCamera,
  'continuousMove' | 'stop' | 'relativeMove' | 'absoluteMove' | 'status' | 'presets' | 'gotoPreset' | 'setPreset' | 'removePreset'
>;

/** A PtzCommand is a few dozen bytes: anything much longer is refused before JSON.parse. */
export const PTZ_MAX_MESSAGE_BYTES = 4096;

const MOTION = new Set<PtzCommand['op']>(['move', 'stop', 'relative', 'absolute', 'preset-goto']);

interface Pending {
  cmd: PtzCommand;
  reply: (r: PtzReply) => void;
}

export class PtzRelay {
  readonly counters: PtzRelayCounters = { commands: 0, malformed: 0, errors: 0, superseded: 0 };
  private running = false;
  private readonly queue: Pending[] = [];

  /** `camera` may resolve later (connecting) or fail: commands are answered with the error. */
  constructor(
    private readonly camera: () => Promise<PtzCamera>,
    private readonly onMalformed: (reason: string) => void = () => undefined,
  ) {}

  /** One message from the channel; `send` gets the reply text. */
  handle(text: string, send: (text: string) => void): void {
    const reply = (r: PtzReply) => {
      try {
        send(JSON.stringify(r));
      } catch {
        // The channel closed meanwhile: nobody is waiting for this reply.
      }
    };
    if (text.length > PTZ_MAX_MESSAGE_BYTES) {
      this.counters.malformed++;
      this.onMalformed(`ptz: message of ${text.length} characters refused (at most ${PTZ_MAX_MESSAGE_BYTES})`);
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      this.counters.malformed++;
      this.onMalformed(`ptz: not JSON (${text.slice(0, 60)})`);
      return;
    }
    const r = rtcValidators.ptzCommand.validate(parsed);
    if (!r.ok) {
      this.counters.malformed++;
      const seq = (parsed as { seq?: unknown } | null)?.seq;
      this.onMalformed(`ptz: invalid command: ${formatIssues(r.issues).slice(0, 200)}`);
      // Answer when the seq is readable, so the page does not wait for a reply that never comes.
      if (Number.isSafeInteger(seq) && (seq as number) >= 0) reply({ seq: seq as number, ok: false, error: 'invalid PTZ command' });
      return;
    }
    this.counters.commands++;
    const cmd = r.value;
    if (MOTION.has(cmd.op)) {
      this.enqueue({ cmd, reply });
      return;
    }
    void this.run(cmd).then(reply);
  }

  /** Motion commands waiting for the one in flight (tests, metrics). */
  get waiting(): number {
    return this.queue.length;
  }

  private enqueue(p: Pending): void {
    const last = this.queue.at(-1);
    if (last?.cmd.op === 'move') {
      this.queue.pop();
      this.counters.superseded++;
      last.reply({ seq: last.cmd.seq, ok: true });
    }
    this.queue.push(p);
    if (!this.running) void this.drain();
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      for (let next = this.queue.shift(); next; next = this.queue.shift()) next.reply(await this.run(next.cmd));
    } finally {
      this.running = false;
    }
  }

  private async run(cmd: PtzCommand): Promise<PtzReply> {
    try {
      const cam = await this.camera();
      switch (cmd.op) {
        case 'move':
          await cam.continuousMove({ pan: cmd.pan, tilt: cmd.tilt, zoom: cmd.zoom });
          return { seq: cmd.seq, ok: true };
        case 'stop':
          await cam.stop();
          return { seq: cmd.seq, ok: true };
        case 'relative':
          await cam.relativeMove({ pan: cmd.pan, tilt: cmd.tilt, zoom: cmd.zoom });
          return { seq: cmd.seq, ok: true };
        case 'absolute':
          await cam.absoluteMove({ pan: cmd.pan, tilt: cmd.tilt, zoom: cmd.zoom });
          return { seq: cmd.seq, ok: true };
        case 'status': {
          const s = await cam.status();
          return { seq: cmd.seq, ok: true, status: { ...s.position, moving: s.moving.panTilt || s.moving.zoom } };
        }
        case 'presets':
          return { seq: cmd.seq, ok: true, presets: (await cam.presets()).slice(0, 256) };
        case 'preset-goto':
          await cam.gotoPreset(cmd.token);
          return { seq: cmd.seq, ok: true };
        case 'preset-set':
          return { seq: cmd.seq, ok: true, token: await cam.setPreset(cmd.name) };
        case 'preset-remove':
          await cam.removePreset(cmd.token);
          return { seq: cmd.seq, ok: true };
      }
    } catch (e) {
      this.counters.errors++;
      return { seq: cmd.seq, ok: false, error: (e instanceof Error ? e.message : String(e)).slice(0, 300) };
    }
  }
}
