/**
 * The simulated camera's pan/tilt/zoom mechanics, pure and clock-driven: every axis moves in a
 * straight line at a bounded speed towards a stop point (a target, a limit, or where a continuous
 * move's timeout ends it), so the position at any instant is computed, never ticked. Positions are
 * in the ONVIF generic spaces: pan and tilt in [-1, 1], zoom in [0, 1].
 */
import type { Clock } from '@telecart/devices';

export type Axis = 'pan' | 'tilt' | 'zoom';
export const AXES: readonly Axis[] = ['pan', 'tilt', 'zoom'];

export interface Position {
  pan: number;
  tilt: number;
  zoom: number;
}

export type MoveStatus = 'IDLE' | 'MOVING';

export interface Preset {
  token: string;
  name: string;
  position: Position;
}

/** ONVIF PTZ fault subcodes (ter:…) the model can raise; the SOAP layer maps them to faults. */
export type PtzFaultCode =
  | 'InvalidPosition'
  | 'InvalidTranslation'
  | 'InvalidVelocity'
  | 'InvalidSpeed'
  | 'NoToken'
  | 'PresetExist'
  | 'TooManyPresets'
  | 'MovingPTZ'
  | 'InvalidPresetName';

export class PtzFault extends Error {
  constructor(
    readonly code: PtzFaultCode,
    message: string,
  ) {
    super(message);
    this.name = 'PtzFault';
  }
}

export interface PtzModelOptions {
  clock: Clock;
  /** Generic units per second at velocity or speed 1. Default pan/tilt 0.5/s (full sweep in 4 s), zoom 0.5/s. */
  maxSpeed?: { panTilt: number; zoom: number };
  /** ContinuousMove without a Timeout stops after this. Default 10 s (the configuration's DefaultPTZTimeout). */
  defaultTimeoutMs?: number;
  maxPresets?: number;
  start?: Position;
}

interface Motion {
  from: number;
  at: number;
  /** Signed units per ms. */
  rate: number;
  /** Where the axis stops. */
  to: number;
}

const RANGE: Record<Axis, [number, number]> = { pan: [-1, 1], tilt: [-1, 1], zoom: [0, 1] };

function clamp(axis: Axis, v: number): number {
  const [lo, hi] = RANGE[axis];
  return Math.min(hi, Math.max(lo, v));
}

function inRange(axis: Axis, v: number): boolean {
  const [lo, hi] = RANGE[axis];
  return Number.isFinite(v) && v >= lo - 1e-9 && v <= hi + 1e-9;
}

export class PtzModel {
  private readonly clock: Clock;
  private readonly maxSpeed: { panTilt: number; zoom: number };
  private readonly defaultTimeoutMs: number;
  private readonly maxPresets: number;
  private readonly motion: Record<Axis, Motion>;
  private readonly presets = new Map<string, Preset>();
  private home: Position = { pan: 0, tilt: 0, zoom: 0 };
  private nextPreset = 1;

  constructor(opts: PtzModelOptions) {
    this.clock = opts.clock;
    this.maxSpeed = opts.maxSpeed ?? { panTilt: 0.5, zoom: 0.5 };
    this.defaultTimeoutMs = opts.defaultTimeoutMs ?? 10_000;
    this.maxPresets = opts.maxPresets ?? 16;
    const start = opts.start ?? { pan: 0, tilt: 0, zoom: 0 };
    const now = this.clock.now();
    this.motion = {
      pan: { from: start.pan, at: now, rate: 0, to: start.pan },
      tilt: { from: start.tilt, at: now, rate: 0, to: start.tilt },
      zoom: { from: start.zoom, at: now, rate: 0, to: start.zoom },
    };
  }

  private axisAt(axis: Axis, now: number): number {
    const m = this.motion[axis];
    if (m.rate === 0) return m.from;
    const p = m.from + m.rate * (now - m.at);
    return m.rate > 0 ? Math.min(p, m.to) : Math.max(p, m.to);
  }

  position(): Position {
    const now = this.clock.now();
    return { pan: this.axisAt('pan', now), tilt: this.axisAt('tilt', now), zoom: this.axisAt('zoom', now) };
  }

  moveStatus(): { panTilt: MoveStatus; zoom: MoveStatus } {
    const now = this.clock.now();
    const moving = (a: Axis) => this.motion[a].rate !== 0 && this.axisAt(a, now) !== this.motion[a].to;
    return { panTilt: moving('pan') || moving('tilt') ? 'MOVING' : 'IDLE', zoom: moving('zoom') ? 'MOVING' : 'IDLE' };
  }

  private unitsPerMs(axis: Axis): number {
    return (axis === 'zoom' ? this.maxSpeed.zoom : this.maxSpeed.panTilt) / 1000;
  }

  /** Starts `axis` from where it is now towards `to` at `speed` (0..1 of the maximum). */
  private go(axis: Axis, to: number, speed: number, now: number): void {
    const from = this.axisAt(axis, now);
    const target = clamp(axis, to);
    const rate = target === from || speed === 0 ? 0 : Math.sign(target - from) * speed * this.unitsPerMs(axis);
    this.motion[axis] = { from, at: now, rate, to: rate === 0 ? from : target };
  }

  /** Velocity in [-1, 1] per axis (zoom too); 0 stops that axis, like Stop (ONVIF PTZ). */
  continuousMove(velocity: Partial<Position>, timeoutMs = this.defaultTimeoutMs): void {
    if (!(timeoutMs > 0)) throw new PtzFault('InvalidVelocity', `timeout must be positive, got ${timeoutMs} ms`);
    for (const axis of AXES) {
      const v = velocity[axis];
      if (v !== undefined && !(Number.isFinite(v) && Math.abs(v) <= 1 + 1e-9)) {
        throw new PtzFault('InvalidVelocity', `${axis} velocity ${v} is outside [-1, 1]`);
      }
    }
    const now = this.clock.now();
    for (const axis of AXES) {
      const v = velocity[axis];
      if (v === undefined) continue;
      const from = this.axisAt(axis, now);
      const travel = v * this.unitsPerMs(axis) * timeoutMs;
      this.go(axis, from + travel, Math.abs(v), now);
    }
  }

  absoluteMove(position: Partial<Position>, speed: { panTilt?: number; zoom?: number } = {}): void {
    for (const axis of AXES) {
      const p = position[axis];
      if (p !== undefined && !inRange(axis, p)) throw new PtzFault('InvalidPosition', `${axis} ${p} is outside ${RANGE[axis].join('..')}`);
    }
    this.checkSpeed(speed);
    const now = this.clock.now();
    for (const axis of AXES) {
      const p = position[axis];
      if (p !== undefined) this.go(axis, p, (axis === 'zoom' ? speed.zoom : speed.panTilt) ?? 1, now);
    }
  }

  /** Translation in [-1, 1] (pan, tilt) or [-1, 1] (zoom); the result is clamped to the limits. */
  relativeMove(translation: Partial<Position>, speed: { panTilt?: number; zoom?: number } = {}): void {
    for (const axis of AXES) {
      const d = translation[axis];
      if (d !== undefined && !(Number.isFinite(d) && Math.abs(d) <= 2 + 1e-9)) {
        throw new PtzFault('InvalidTranslation', `${axis} translation ${d} is out of range`);
      }
    }
    this.checkSpeed(speed);
    const now = this.clock.now();
    for (const axis of AXES) {
      const d = translation[axis];
      if (d !== undefined) this.go(axis, this.axisAt(axis, now) + d, (axis === 'zoom' ? speed.zoom : speed.panTilt) ?? 1, now);
    }
  }

  stop(which: { panTilt?: boolean; zoom?: boolean } = {}): void {
    const now = this.clock.now();
    const axes: Axis[] = [
      ...((which.panTilt ?? true) ? (['pan', 'tilt'] as const) : []),
      ...((which.zoom ?? true) ? (['zoom'] as const) : []),
    ];
    for (const axis of axes) {
      const p = this.axisAt(axis, now);
      this.motion[axis] = { from: p, at: now, rate: 0, to: p };
    }
  }

  private checkSpeed(speed: { panTilt?: number; zoom?: number }): void {
    for (const [k, v] of Object.entries(speed)) {
      if (v !== undefined && !(Number.isFinite(v) && v >= 0 && v <= 1 + 1e-9))
        throw new PtzFault('InvalidSpeed', `${k} speed ${v} is outside [0, 1]`);
    }
  }

  listPresets(): Preset[] {
    return [...this.presets.values()].map((p) => ({ ...p, position: { ...p.position } }));
  }

  /** Creates a preset (no token) or overwrites one; refused while moving (ONVIF PTZ). */
  setPreset(name?: string, token?: string): string {
    const status = this.moveStatus();
    if (status.panTilt === 'MOVING' || status.zoom === 'MOVING') throw new PtzFault('MovingPTZ', 'cannot set a preset while moving');
    if (name !== undefined && (name.length === 0 || name.length > 64))
      throw new PtzFault('InvalidPresetName', 'preset name must be 1..64 characters');
    if (token !== undefined && !this.presets.has(token)) throw new PtzFault('NoToken', `no preset ${token}`);
    if (name !== undefined && [...this.presets.values()].some((p) => p.name === name && p.token !== token)) {
      throw new PtzFault('PresetExist', `a preset named ${name} exists`);
    }
    if (token === undefined && this.presets.size >= this.maxPresets)
      throw new PtzFault('TooManyPresets', `at most ${this.maxPresets} presets`);
    const t = token ?? `preset-${this.nextPreset++}`;
    this.presets.set(t, { token: t, name: name ?? this.presets.get(t)?.name ?? t, position: this.position() });
    return t;
  }

  gotoPreset(token: string, speed: { panTilt?: number; zoom?: number } = {}): void {
    const p = this.presets.get(token);
    if (p === undefined) throw new PtzFault('NoToken', `no preset ${token}`);
    this.absoluteMove(p.position, speed);
  }

  removePreset(token: string): void {
    if (!this.presets.delete(token)) throw new PtzFault('NoToken', `no preset ${token}`);
  }

  setHome(): void {
    this.home = this.position();
  }

  gotoHome(speed: { panTilt?: number; zoom?: number } = {}): void {
    this.absoluteMove(this.home, speed);
  }
}
