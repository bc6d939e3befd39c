/**
 * The 'ptz' data channel → the ONVIF camera. Each PtzCommand (validated: it comes from a browser)
 * gets exactly one PtzReply with the same seq, error or not. A `move` the browser keeps repeating
 * keeps the camera moving (each one re-arms OnvifCamera's dead-man timer); when they stop coming —
 * the page froze, the link dropped, the specialist let go — the dead-man stops the camera.
 * Moves are not queued behind each other: while one ContinuousMove is in flight, a newer move
 * replaces the waiting one (the older waiting one is answered ok, superseded), so a slow camera
 * never replays a backlog of stale velocities.
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

type Move = Extract<PtzCommand, { op: 'move' }>;

export class PtzRelay {
  readonly counters: PtzRelayCounters = { commands: 0, malformed: 0, errors: 0, superseded: 0 };
  private moving: Promise<void> | null = null;
  private waiting: { cmd: Move; reply: (r: PtzReply) => void } | null = null;

  /** `camera` may resolve later (connecting) or fail: commands are answered with the error. */
  constructor(
    private readonly camera: () => Promise<OnvifCamera>,
    private readonly onMalformed: (reason: string) => void = () => undefined,
  ) {}

  /** One message from the channel; `send` gets the reply text. */
  handle(text: string, send: (text: string) => void): void {
    const reply = (r: PtzReply) => send(JSON.stringify(r));
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
      if (Number.isInteger(seq) && (seq as number) >= 0) reply({ seq: seq as number, ok: false, error: 'invalid PTZ command' });
      return;
    }
    this.counters.commands++;
    const cmd = r.value;
    if (cmd.op === 'move') {
      this.move(cmd, reply);
      return;
    }
    void this.run(cmd).then(reply);
  }

  private move(cmd: Move, reply: (r: PtzReply) => void): void {
    if (this.moving) {
      if (this.waiting) {
        this.counters.superseded++;
        this.waiting.reply({ seq: this.waiting.cmd.seq, ok: true });
      }
      this.waiting = { cmd, reply };
      return;
    }
    this.moving = (async () => {
      let next: { cmd: Move; reply: (r: PtzReply) => void } | null = { cmd, reply };
      while (next) {
        const { cmd: c, reply: rep } = next;
        rep(await this.run(c));
        next = this.waiting;
        this.waiting = null;
      }
      this.moving = null;
    })();
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
