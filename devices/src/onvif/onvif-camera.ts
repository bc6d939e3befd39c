/**
 * An ONVIF PTZ camera as the gateway drives it, on top of the `onvif` package (agsh/onvif): it
 * brings SOAP, WS-UsernameToken digests with the camera's clock offset (read from an
 * unauthenticated GetSystemDateAndTime) and HTTP Digest. This layer adds typed, validated results,
 * safe arguments (the package interpolates strings into XML), the dead-man rule for continuous
 * moves, and the fallback for cameras that refuse Stop: a zero-velocity ContinuousMove.
 */
import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type onvifModule from 'onvif';
import { systemTimers, type Timers } from '../ble/backoff.js';
import { type Clock, systemClock } from '../model/frame.js';
import { DeadMan } from './dead-man.js';
import { lazyXmlParser } from './xml-parser.js';

export class OnvifError extends Error {
  constructor(
    readonly operation: string,
    message: string,
    override readonly cause?: unknown,
  ) {
    super(`${operation}: ${message}`);
    this.name = 'OnvifError';
  }
}

export interface PtzVector {
  /** Pan, -1 (left) … 1 (right) in the generic space. */
  pan?: number;
  /** Tilt, -1 (down) … 1 (up). */
  tilt?: number;
  /** Zoom, 0 (wide) … 1 (tele) for positions; -1 … 1 for velocities and translations. */
  zoom?: number;
}

export interface PtzStatus {
  position: { pan: number; tilt: number; zoom: number };
  moving: { panTilt: boolean; zoom: boolean };
  utcTime: string | null;
}

export interface PtzPreset {
  token: string;
  name: string;
}

export interface DeviceInformation {
  manufacturer: string;
  model: string;
  firmwareVersion: string;
  serialNumber: string;
  hardwareId: string;
}

export interface MediaProfile {
  token: string;
  name: string;
  encoding: string | null;
  width: number | null;
  height: number | null;
  hasPtz: boolean;
}

export interface OnvifCameraOptions {
  /** Device service URL, e.g. http://10.0.0.5/onvif/device_service (from discovery or configuration). */
  url: string;
  username?: string;
  password?: string;
  /** A continuous move stops when no new command arrives within this. Default 1000 ms. */
  deadManMs?: number;
  /** SOAP request timeout. Default 5000 ms. */
  timeoutMs?: number;
  clock?: Clock;
  timers?: Timers;
  /** Force WS-UsernameToken off to use HTTP Digest only. Default true (both, as the camera asks). */
  useWsSecurity?: boolean;
}

// What the onvif package hands back is loosely typed parsed XML: checked here before use.
const Num = Type.Union([Type.Number(), Type.String({ pattern: '^-?\\d+(\\.\\d+)?([eE][-+]?\\d+)?$' })]);
const StatusShape = Type.Object({
  position: Type.Object({ x: Num, y: Num, zoom: Num }),
  moveStatus: Type.Optional(
    Type.Union([Type.Object({ panTilt: Type.Optional(Type.String()), zoom: Type.Optional(Type.String()) }), Type.String()]),
  ),
  utcTime: Type.Optional(Type.Unknown()),
});
const DeviceInfoShape = Type.Object({
  manufacturer: Type.Unknown(),
  model: Type.Unknown(),
  firmwareVersion: Type.Unknown(),
  serialNumber: Type.Unknown(),
  hardwareId: Type.Unknown(),
});
const UriShape = Type.Object({ uri: Type.String({ minLength: 1 }) });
const PRESET_NAME = /^[\p{L}\p{N} _.-]{1,64}$/u;
const TOKEN = /^[A-Za-z0-9_.:-]{1,64}$/;

function check<T extends TSchema>(operation: string, schema: T, v: unknown): Static<T> {
  if (Value.Check(schema, v)) return v;
  const first = [...Value.Errors(schema, v)][0];
  throw new OnvifError(operation, `unexpected reply from the camera${first ? ` at ${first.path || '/'}: ${first.message}` : ''}`);
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '';
}

function checkVector(operation: string, v: PtzVector, zoomMin: number): void {
  for (const [axis, value] of Object.entries(v)) {
    const min = axis === 'zoom' ? zoomMin : -1;
    if (value !== undefined && !(Number.isFinite(value) && value >= min && value <= 1)) {
      throw new OnvifError(operation, `${axis} ${value} is outside [${min}, 1]`);
    }
  }
}

const replyParser = lazyXmlParser({ removeNSPrefix: true, ignoreAttributes: true, parseTagValue: false });

function presetTokenOf(xml: string): string {
  try {
    const doc = replyParser().parse(xml) as { Envelope?: { Body?: { SetPresetResponse?: { PresetToken?: unknown } } } };
    return str(doc.Envelope?.Body?.SetPresetResponse?.PresetToken);
  } catch {
    return '';
  }
}

type CallbackCam = InstanceType<typeof onvifModule.Cam>;

/** The `onvif` package (and its XML stack, ~10 MiB resident) is loaded at the first camera connect, not with @telecart/devices. */
let onvifLoaded: Promise<typeof onvifModule> | undefined;
const loadOnvif = () => {
  onvifLoaded ??= import('onvif').then((m) => m.default);
  return onvifLoaded;
};

export class OnvifCamera {
  private readonly deadMan: DeadMan;
  private stopRefused = false;

  private constructor(
    private readonly cam: CallbackCam,
    private readonly clock: Clock,
    private readonly deadManMs: number,
    timers: Timers,
    /** Reports a dead-man stop that failed (the caller logs it). */
    private readonly onError: (e: Error) => void = () => undefined,
  ) {
    this.deadMan = new DeadMan(
      deadManMs,
      () => {
        this.stop().catch((e: unknown) => this.onError(e instanceof Error ? e : new Error(String(e))));
      },
      timers,
    );
  }

  /** Connects: GetSystemDateAndTime (unauthenticated, for the clock offset), services, profiles. */
  static async connect(opts: OnvifCameraOptions & { onError?: (e: Error) => void }): Promise<OnvifCamera> {
    let url: URL;
    try {
      url = new URL(opts.url);
    } catch {
      throw new OnvifError('connect', `invalid device service URL ${JSON.stringify(opts.url)}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new OnvifError('connect', `unsupported scheme ${url.protocol}`);
    const onvif = await loadOnvif();
    const cam = new onvif.Cam({
      hostname: url.hostname.replace(/^\[|\]$/g, ''),
      port: url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80,
      path: url.pathname,
      useSecure: url.protocol === 'https:',
      username: opts.username,
      password: opts.password,
      timeout: opts.timeoutMs ?? 5000,
      autoconnect: false,
      // Service addresses the camera announces may name another interface: keep the one we reached.
      preserveAddress: true,
      useWSSecurity: opts.useWsSecurity ?? true,
    });
    await new Promise<void>((resolve, reject) => {
      cam.connect((err: Error | null) => (err ? reject(new OnvifError('connect', err.message, err)) : resolve()));
    });
    return new OnvifCamera(cam, opts.clock ?? systemClock, opts.deadManMs ?? 1000, opts.timers ?? systemTimers, opts.onError);
  }

  private call<T>(operation: string, f: (cb: (err: Error | null, data?: unknown) => void) => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      try {
        f((err, data) => (err ? reject(new OnvifError(operation, err.message, err)) : resolve(data as T)));
      } catch (e) {
        reject(new OnvifError(operation, (e as Error).message, e));
      }
    });
  }

  /**
   * Camera clock minus ours, ms (from GetSystemDateAndTime; 1 s resolution). The package signs
   * UsernameTokens with this shift, so a camera 10 minutes off still accepts them.
   */
  get clockOffsetMs(): number {
    const shift = (this.cam as unknown as { timeShift?: number }).timeShift;
    if (typeof shift !== 'number') return 0;
    // onvif keeps timeShift relative to process.uptime(), not to the wall clock.
    return Math.round(shift + process.uptime() * 1000 - this.clock.now());
  }

  async deviceInformation(): Promise<DeviceInformation> {
    const d = check(
      'GetDeviceInformation',
      DeviceInfoShape,
      await this.call('GetDeviceInformation', (cb) => this.cam.getDeviceInformation(cb)),
    );
    return {
      manufacturer: str(d.manufacturer),
      model: str(d.model),
      firmwareVersion: str(d.firmwareVersion),
      serialNumber: str(d.serialNumber),
      hardwareId: str(d.hardwareId),
    };
  }

  async profiles(): Promise<MediaProfile[]> {
    const raw = await this.call<unknown>('GetProfiles', (cb) => this.cam.getProfiles(cb));
    if (!Array.isArray(raw)) throw new OnvifError('GetProfiles', 'unexpected reply from the camera: no profile list');
    return raw.map((p: unknown) => {
      const o = (p ?? {}) as {
        $?: { token?: unknown };
        name?: unknown;
        videoEncoderConfiguration?: { encoding?: unknown; resolution?: { width?: unknown; height?: unknown } };
        PTZConfiguration?: unknown;
      };
      const token = str(o.$?.token);
      if (!token) throw new OnvifError('GetProfiles', 'a profile without a token');
      const w = Number(o.videoEncoderConfiguration?.resolution?.width);
      const h = Number(o.videoEncoderConfiguration?.resolution?.height);
      return {
        token,
        name: str(o.name) || token,
        encoding: str(o.videoEncoderConfiguration?.encoding) || null,
        width: Number.isFinite(w) ? w : null,
        height: Number.isFinite(h) ? h : null,
        hasPtz: o.PTZConfiguration !== undefined,
      };
    });
  }

  private profileToken(token?: string): string | undefined {
    if (token !== undefined && !TOKEN.test(token)) throw new OnvifError('profile', `invalid profile token ${JSON.stringify(token)}`);
    return token;
  }

  async streamUri(profileToken?: string): Promise<string> {
    const t = this.profileToken(profileToken);
    const r = check(
      'GetStreamUri',
      UriShape,
      await this.call('GetStreamUri', (cb) => this.cam.getStreamUri({ protocol: 'RTSP', ...(t ? { profileToken: t } : {}) }, cb)),
    );
    return r.uri;
  }

  async snapshotUri(profileToken?: string): Promise<string> {
    const t = this.profileToken(profileToken);
    const r = check(
      'GetSnapshotUri',
      UriShape,
      await this.call('GetSnapshotUri', (cb) => this.cam.getSnapshotUri(t ? { profileToken: t } : {}, cb)),
    );
    return r.uri;
  }

  /**
   * Starts or continues a continuous move. The move lasts while calls keep coming: each one re-arms
   * the dead-man timer, and the camera-side Timeout (2 × the dead-man) is a second safety net.
   */
  async continuousMove(velocity: PtzVector, profileToken?: string): Promise<void> {
    checkVector('ContinuousMove', velocity, -1);
    const t = this.profileToken(profileToken);
    const still = (velocity.pan ?? 0) === 0 && (velocity.tilt ?? 0) === 0 && (velocity.zoom ?? 0) === 0;
    if (still) this.deadMan.disarm();
    else this.deadMan.arm();
    await this.call('ContinuousMove', (cb) =>
      this.cam.continuousMove(
        {
          x: velocity.pan ?? 0,
          y: velocity.tilt ?? 0,
          zoom: velocity.zoom ?? 0,
          timeout: 2 * this.deadManMs,
          ...(t ? { profileToken: t } : {}),
        },
        cb,
      ),
    );
  }

  async relativeMove(translation: PtzVector, profileToken?: string): Promise<void> {
    checkVector('RelativeMove', translation, -1);
    this.deadMan.disarm();
    const t = this.profileToken(profileToken);
    await this.call('RelativeMove', (cb) =>
      this.cam.relativeMove(
        { x: translation.pan ?? 0, y: translation.tilt ?? 0, zoom: translation.zoom ?? 0, ...(t ? { profileToken: t } : {}) },
        cb,
      ),
    );
  }

  async absoluteMove(position: PtzVector, profileToken?: string): Promise<void> {
    checkVector('AbsoluteMove', position, 0);
    this.deadMan.disarm();
    const t = this.profileToken(profileToken);
    await this.call('AbsoluteMove', (cb) =>
      this.cam.absoluteMove(
        { x: position.pan ?? 0, y: position.tilt ?? 0, zoom: position.zoom ?? 0, ...(t ? { profileToken: t } : {}) },
        cb,
      ),
    );
  }

  /** Stops pan, tilt and zoom; a camera that refuses Stop gets a zero-velocity ContinuousMove (and is remembered). */
  async stop(profileToken?: string): Promise<void> {
    this.deadMan.disarm();
    const t = this.profileToken(profileToken);
    const zeroVelocity = () =>
      this.call('ContinuousMove', (cb) => this.cam.continuousMove({ x: 0, y: 0, zoom: 0, ...(t ? { profileToken: t } : {}) }, cb));
    if (this.stopRefused) {
      await zeroVelocity();
      return;
    }
    try {
      await this.call('Stop', (cb) => this.cam.stop({ panTilt: true, zoom: true, ...(t ? { profileToken: t } : {}) }, cb));
    } catch (e) {
      this.stopRefused = true;
      try {
        await zeroVelocity();
      } catch {
        throw e;
      }
    }
  }

  /** True once the camera refused Stop and zero-velocity moves replaced it. */
  get refusesStop(): boolean {
    return this.stopRefused;
  }

  async status(profileToken?: string): Promise<PtzStatus> {
    const t = this.profileToken(profileToken);
    const s = check('GetStatus', StatusShape, await this.call('GetStatus', (cb) => this.cam.getStatus(t ? { profileToken: t } : {}, cb)));
    const ms = typeof s.moveStatus === 'object' ? s.moveStatus : {};
    return {
      position: { pan: Number(s.position.x), tilt: Number(s.position.y), zoom: Number(s.position.zoom) },
      moving: { panTilt: ms.panTilt === 'MOVING', zoom: ms.zoom === 'MOVING' },
      utcTime: typeof s.utcTime === 'string' ? s.utcTime : s.utcTime instanceof Date ? s.utcTime.toISOString() : null,
    };
  }

  async presets(profileToken?: string): Promise<PtzPreset[]> {
    const t = this.profileToken(profileToken);
    await this.call('GetPresets', (cb) => this.cam.getPresets(t ? { profileToken: t } : {}, cb));
    // The package keeps them by token in cam.presets (its result is keyed by name, which may repeat).
    const byToken = ((this.cam as unknown as { presets?: Record<string, { name?: unknown }> }).presets ?? {}) as Record<
      string,
      { name?: unknown }
    >;
    return Object.entries(byToken).map(([token, p]) => ({ token, name: str(p.name) || token }));
  }

  async setPreset(name: string, profileToken?: string): Promise<string> {
    if (!PRESET_NAME.test(name))
      throw new OnvifError('SetPreset', `invalid preset name ${JSON.stringify(name)} (letters, digits, space, _ . -; 1..64)`);
    const t = this.profileToken(profileToken);
    // The package hands SetPreset's reply back as raw parsed XML: read the token from the XML text.
    const xml = await new Promise<string>((resolve, reject) => {
      this.cam.setPreset({ presetName: name, ...(t ? { profileToken: t } : {}) }, (err: Error | null, _data: unknown, raw?: string) =>
        err ? reject(new OnvifError('SetPreset', err.message, err)) : resolve(raw ?? ''),
      );
    });
    const token = presetTokenOf(xml);
    if (!token) throw new OnvifError('SetPreset', 'the camera returned no preset token');
    return token;
  }

  async gotoPreset(token: string, profileToken?: string): Promise<void> {
    if (!TOKEN.test(token)) throw new OnvifError('GotoPreset', `invalid preset token ${JSON.stringify(token)}`);
    this.deadMan.disarm();
    const t = this.profileToken(profileToken);
    await this.call('GotoPreset', (cb) => this.cam.gotoPreset({ preset: token, ...(t ? { profileToken: t } : {}) }, cb));
  }

  async removePreset(token: string, profileToken?: string): Promise<void> {
    if (!TOKEN.test(token)) throw new OnvifError('RemovePreset', `invalid preset token ${JSON.stringify(token)}`);
    const t = this.profileToken(profileToken);
    await this.call('RemovePreset', (cb) => this.cam.removePreset({ presetToken: token, ...(t ? { profileToken: t } : {}) }, cb));
  }

  async gotoHome(profileToken?: string): Promise<void> {
    this.deadMan.disarm();
    const t = this.profileToken(profileToken);
    await this.call('GotoHomePosition', (cb) => this.cam.gotoHomePosition(t ? { profileToken: t } : {}, cb));
  }

  /** Stops watching (does not move the camera). */
  close(): void {
    this.deadMan.disarm();
  }
}
