import { describe, expect, it } from 'vitest';
import { passwordDigest } from './auth.js';
import { PtzFault, PtzModel } from './ptz-model.js';
import { parseDuration } from './soap.js';

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('PtzModel', () => {
  it('moves continuously at velocity × max speed, stops at the timeout and at the limits', () => {
    const c = clock();
    const m = new PtzModel({ clock: c, maxSpeed: { panTilt: 0.5, zoom: 0.25 } });
    m.continuousMove({ pan: 1, tilt: -0.5, zoom: 1 }, 1000);
    c.advance(500);
    expect(m.position()).toEqual({ pan: 0.25, tilt: -0.125, zoom: 0.125 });
    expect(m.moveStatus()).toEqual({ panTilt: 'MOVING', zoom: 'MOVING' });
    c.advance(1000);
    expect(m.position()).toEqual({ pan: 0.5, tilt: -0.25, zoom: 0.25 });
    expect(m.moveStatus()).toEqual({ panTilt: 'IDLE', zoom: 'IDLE' });
    m.continuousMove({ pan: 1 }, 60_000);
    c.advance(10_000);
    expect(m.position().pan).toBe(1);
    expect(m.moveStatus().panTilt).toBe('IDLE');
  });

  it('velocity 0 on an axis stops that axis only, like Stop', () => {
    const c = clock();
    const m = new PtzModel({ clock: c });
    m.continuousMove({ pan: 1, zoom: 1 });
    c.advance(200);
    m.continuousMove({ pan: 0 });
    const pan = m.position().pan;
    c.advance(200);
    expect(m.position().pan).toBe(pan);
    expect(m.moveStatus()).toEqual({ panTilt: 'IDLE', zoom: 'MOVING' });
    m.stop({ zoom: true, panTilt: false });
    expect(m.moveStatus().zoom).toBe('IDLE');
  });

  it('absolute and relative moves reach their target at the given speed, clamped to the range', () => {
    const c = clock();
    const m = new PtzModel({ clock: c });
    m.absoluteMove({ pan: 0.5, zoom: 1 }, { panTilt: 0.5, zoom: 1 });
    c.advance(1000);
    expect(m.position().pan).toBeCloseTo(0.25, 9);
    c.advance(5000);
    expect(m.position()).toEqual({ pan: 0.5, tilt: 0, zoom: 1 });
    m.relativeMove({ pan: 0.8 });
    c.advance(5000);
    expect(m.position().pan).toBe(1);
    expect(() => m.absoluteMove({ pan: 1.5 })).toThrow(PtzFault);
    expect(() => m.continuousMove({ tilt: -2 })).toThrow(/outside/);
    expect(() => m.absoluteMove({ zoom: 0.5 }, { zoom: 2 })).toThrow(/speed/);
  });

  it('keeps presets: set (refused while moving), go to, overwrite, remove; home', () => {
    const c = clock();
    const m = new PtzModel({ clock: c, maxPresets: 2 });
    m.absoluteMove({ pan: -0.5, tilt: 0.5 });
    expect(() => m.setPreset('bed')).toThrow(expect.objectContaining({ code: 'MovingPTZ' }));
    c.advance(10_000);
    const bed = m.setPreset('bed');
    expect(() => m.setPreset('bed')).toThrow(expect.objectContaining({ code: 'PresetExist' }));
    m.absoluteMove({ pan: 0.5, tilt: 0 });
    c.advance(10_000);
    m.setPreset('door');
    expect(() => m.setPreset('window')).toThrow(expect.objectContaining({ code: 'TooManyPresets' }));
    m.gotoPreset(bed);
    c.advance(10_000);
    expect(m.position()).toMatchObject({ pan: -0.5, tilt: 0.5 });
    m.removePreset(bed);
    expect(m.listPresets().map((p) => p.name)).toEqual(['door']);
    expect(() => m.gotoPreset(bed)).toThrow(expect.objectContaining({ code: 'NoToken' }));
    m.setHome();
    m.absoluteMove({ pan: 0 });
    c.advance(10_000);
    m.gotoHome();
    c.advance(10_000);
    expect(m.position()).toMatchObject({ pan: -0.5, tilt: 0.5 });
  });
});

describe('camera helpers', () => {
  it('WS-UsernameToken PasswordDigest matches Base64(SHA-1(nonce + created + password)) for a fixed nonce', () => {
    const nonce = Uint8Array.from({ length: 16 }, (_, i) => i);
    expect(passwordDigest(nonce, '2024-01-01T12:00:00.000Z', 'secret')).toBe('udEEwxejPtpGjcQVcnXdvFfGYHQ=');
  });

  it('parses xs:duration as cameras send it', () => {
    expect(parseDuration('PT2S')).toBe(2000);
    expect(parseDuration('PT0.5S')).toBe(500);
    expect(parseDuration('PT1M30S')).toBe(90_000);
    expect(parseDuration('PT1093754.348S')).toBe(1_093_754_348);
    expect(parseDuration('P1D')).toBe(86_400_000);
    expect(parseDuration('2S')).toBeUndefined();
    expect(parseDuration('PT')).toBeUndefined();
  });
});
