/**
 * The stethoscope end to end on a real audio path: a private PulseAudio server (null sink), the
 * simulated stethoscope playing synthesized heart sounds + a 3 kHz tone whose level steps ×10 every
 * second into it, the gateway capturing the sink's monitor with pulsesrc (gst-launch), FLAC segments
 * in the waveform lane synced over MQTT to the in-process cloud, downloaded and decoded with the
 * reference `flac` decoder. Checks: bytes identical (SHA-256), nothing lost between segments, the
 * 3 kHz tone survives (≥ 4 kHz bandwidth), its absolute level and the ×10 step are kept (no AGC),
 * FHIR Media/Observation, a store-full refusal, and the WFDB export of ECG segments.
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Cloud, startCloud } from '@telecart/cloud';
import { parseWfdbHeader, readWfdbSamples } from '@telecart/devices';
import { type PulseServer, startPulseServer, startVirtualStethoscope, type VirtualStethoscope } from '@telecart/firmware-sim';
import { type Gateway, type RecordingSummary, resolveGatewayConfig, startGateway } from '@telecart/gateway';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testClinician } from '../../cloud/src/testing/clinician.js';
import { waitFor } from '../support/wait.js';

const RATE = 16_000;
const TONE_HZ = 3000;
const LOUD = 0.2;
const PATIENT = { id: 'ehpad-r7', family: 'BERNARD', given: 'Louise' };

let dir: string;
let pulse: PulseServer;
let steth: VirtualStethoscope;
let cloud: Cloud;
let gw: Gateway;

function gatewayConfig(id: string, extra: Record<string, unknown> = {}) {
  return resolveGatewayConfig({
    gatewayId: id,
    mode: 'cart',
    // Not a nurse sign-in test: changes on the cart go through without a nurse.
    nurseSignIn: { required: false },
    patients: [PATIENT],
    http: { port: 0 },
    sync: { ackTimeoutMs: 2000, reconnectPeriodMs: 50, reconnectMaxMs: 200 },
    audio: {
      stethoscope: {
        enabled: true,
        pulseServer: pulse.server,
        pulseDevice: pulse.source,
        model: 'SIM-STETH',
        segmentSeconds: 2,
        maxDurationSeconds: 30,
      },
    },
    ...extra,
  });
}

/** The cloud's patient-data routes need a logged-in clinician. */
const clinician = testClinician();
const cloudFetch = (url: string) => fetch(url, { headers: clinician.headers });

async function post(url: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, {
    method: 'POST',
    ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Amplitude of one frequency in a window (Goertzel), in sample units. */
function toneAmplitude(x: Int16Array, from: number, n: number, freq: number): number {
  const w = (2 * Math.PI * freq) / RATE;
  const c = 2 * Math.cos(w);
  let s1 = 0;
  let s2 = 0;
  for (let i = from; i < from + n; i++) {
    const s0 = (x[i] ?? 0) + c * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return (2 * Math.sqrt(s1 * s1 + s2 * s2 - c * s1 * s2)) / n;
}

function decodeFlac(bytes: Buffer): Int16Array {
  const inFile = join(dir, `${randomUUID()}.flac`);
  const outFile = `${inFile}.raw`;
  writeFileSync(inFile, bytes);
  // The reference decoder, independent of the GStreamer encoder; it also verifies the MD5 in STREAMINFO.
  execFileSync('flac', ['-d', '-s', '-f', '--force-raw-format', '--endian=little', '--sign=signed', '-o', outFile, inFile]);
  const raw = readFileSync(outFile);
  return new Int16Array(raw.buffer, raw.byteOffset, raw.length / 2);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'telecart-steth-e2e-'));
  pulse = await startPulseServer({ dir: join(dir, 'pulse'), rateHz: RATE });
  steth = await startVirtualStethoscope({
    server: pulse.server,
    sink: pulse.sink,
    seed: 7,
    heartRateBpm: 72,
    murmur: 0.05,
    amplitude: 0.3,
    testTone: { frequencyHz: TONE_HZ, amplitude: LOUD },
    levels: { periodS: 1, gains: [0.1, 1] },
  });
  cloud = await startCloud({
    dataDir: join(dir, 'cloud'),
    mqttPort: 0,
    httpPort: 0,
    patients: [{ ...PATIENT, gateways: ['cart-steth', 'cart-steth-full'] }],
    logger: pino({ level: 'silent' }),
    teleconsult: { specialists: [clinician.account] },
  });
  gw = await startGateway({ config: gatewayConfig('cart-steth'), dataDir: join(dir, 'gateway'), cloudUrl: cloud.mqttUrl });
  gw.patients.select(PATIENT.id);
}, 30_000);

afterAll(async () => {
  await gw?.stop();
  await cloud?.stop();
  await steth?.stop();
  await pulse?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('stethoscope capture → FLAC attachments → cloud', () => {
  let rec: RecordingSummary;

  it('records an auscultation in ≤ 2 s FLAC segments the nurse starts and stops', async () => {
    const started = await post(`${gw.httpUrl}/api/stethoscope/recordings`, { site: 'aortic' });
    expect(started.status).toBe(201);
    const id = started.body.recordingId as string;
    expect((await post(`${gw.httpUrl}/api/stethoscope/recordings`, { site: 'mitral' })).status).toBe(409);
    await waitFor(() => (gw.stethoscope?.get(id)?.segments.length ?? 0) >= 2, { timeoutMs: 15_000, what: 'two segments' });
    const stopped = await post(`${gw.httpUrl}/api/stethoscope/recordings/${id}/stop`);
    expect(stopped.status).toBe(200);
    rec = stopped.body as unknown as RecordingSummary;
    expect(rec).toMatchObject({
      state: 'stopped',
      stopReason: 'nurse',
      site: 'aortic',
      patientId: PATIENT.id,
      sampleRateHz: RATE,
      error: null,
    });
    expect(rec.segments.length).toBeGreaterThanOrEqual(3);
    expect(rec.segments.map((s) => s.index)).toEqual(rec.segments.map((_, i) => i));
    expect(rec.segments.map((s) => s.last)).toEqual(rec.segments.map((_, i) => i === rec.segments.length - 1));
    for (const s of rec.segments.slice(0, -1)) expect(s.durationMs).toBe(2000);
  }, 30_000);

  it('syncs every segment to the cloud; downloads are byte-identical (sha256) FLAC with the right headers', async () => {
    const summary = await waitFor(
      async () => {
        const res = await cloudFetch(`${cloud.httpUrl}/api/recordings/${rec.recordingId}`);
        const body = res.ok
          ? ((await res.json()) as { complete: boolean; kind: string; segments: { observationId: string; attachment: string }[] })
          : null;
        return body?.complete ? body : null;
      },
      { timeoutMs: 20_000, what: 'the whole recording in the cloud' },
    );
    expect(summary.kind).toBe('audio');
    expect(summary.segments.map((s) => s.observationId)).toEqual(rec.segments.map((s) => s.observationId));
    const pcm: Int16Array[] = [];
    for (const [i, seg] of summary.segments.entries()) {
      const res = await cloudFetch(seg.attachment);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('audio/flac');
      expect(res.headers.get('etag')).toBe(`"${rec.segments[i]?.sha256}"`);
      const bytes = Buffer.from(await res.arrayBuffer());
      expect(Number(res.headers.get('content-length'))).toBe(bytes.length);
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(rec.segments[i]?.sha256);
      expect(bytes.subarray(0, 4).toString('latin1')).toBe('fLaC');
      const obs = await cloud.store.getObservation(seg.observationId);
      expect(obs).toMatchObject({
        lane: 'waveform',
        code: { loinc: '8702-3' },
        device: { id: 'audio:stethoscope', transport: 'audio', model: 'SIM-STETH' },
        patient: { id: PATIENT.id, assignment: 'nurse-selected' },
        attachment: { contentType: 'audio/flac', size: bytes.length, sampleRateHz: RATE, durationMs: rec.segments[i]?.durationMs },
        segment: { recordingId: rec.recordingId, index: i },
        flags: ['body-site:aortic'],
      });
      const samples = decodeFlac(bytes);
      // Sample-exact segments: the decoded length is the announced duration.
      expect(samples.length).toBe(((rec.segments[i]?.durationMs ?? 0) * RATE) / 1000);
      pcm.push(samples);
    }

    // Bandwidth and no AGC, over the whole recording in 50 ms windows at 3 kHz.
    const all = new Int16Array(pcm.reduce((n, p) => n + p.length, 0));
    let o = 0;
    for (const p of pcm) {
      all.set(p, o);
      o += p.length;
    }
    const win = RATE / 20;
    const amps: number[] = [];
    for (let i = 0; i + win <= all.length; i += win) amps.push(toneAmplitude(all, i, win, TONE_HZ));
    amps.sort((a, b) => a - b);
    const quiet = amps[Math.floor(amps.length * 0.1)] ?? 0;
    const loud = amps[Math.floor(amps.length * 0.9)] ?? 0;
    const full = LOUD * 32767;
    // The 3 kHz tone arrives at the level it was played (0 dB path, ±10 %): nothing filtered it out…
    expect(loud).toBeGreaterThan(full * 0.9);
    expect(loud).toBeLessThan(full * 1.1);
    // …and the quiet sections stay ten times quieter: an AGC would have lifted them.
    expect(loud / quiet).toBeGreaterThan(8);
    expect(loud / quiet).toBeLessThan(12.5);
    // Energy above 2 kHz other than the tone is small: it is the tone that carries it, not noise.
    expect(toneAmplitude(all, 0, all.length, 2500)).toBeLessThan(full * 0.02);
  }, 40_000);

  it('exports FHIR R4: the Observation derives from a Media whose url, size and SHA-1 match the download', async () => {
    const seg = rec.segments[0];
    if (!seg) throw new Error('no segment');
    const obsRes = await cloudFetch(`${cloud.httpUrl}/fhir/Observation/${seg.observationId}`);
    const obs = (await obsRes.json()) as {
      derivedFrom?: { reference: string }[];
      method?: unknown;
      category?: { coding: { code: string }[] }[];
    };
    expect(obs.derivedFrom?.[0]?.reference).toMatch(new RegExp(`/fhir/Media/${seg.observationId}$`));
    expect(obs.category?.[0]?.coding[0]?.code).toBe('exam');
    const mediaRes = await cloudFetch(obs.derivedFrom?.[0]?.reference ?? '');
    expect(mediaRes.headers.get('content-type')).toMatch(/^application\/fhir\+json/);
    const media = (await mediaRes.json()) as {
      resourceType: string;
      status: string;
      content: { url: string; size: number; hash: string; contentType: string };
    };
    expect(media).toMatchObject({ resourceType: 'Media', status: 'completed', content: { contentType: 'audio/flac', size: seg.bytes } });
    const bytes = Buffer.from(await (await cloudFetch(media.content.url)).arrayBuffer());
    expect(media.content.hash).toBe(createHash('sha1').update(bytes).digest('base64'));
    expect((await cloudFetch(`${cloud.httpUrl}/fhir/Media/${randomUUID()}`)).status).toBe(404);
  });

  it('exports a recording of ECG segments as a WFDB record (.hea + .dat) that reads back sample for sample', async () => {
    const recordingId = randomUUID();
    // `+ 0` turns Math.round's −0 into 0: the WFDB reader gives integers, and −0 is not one of them.
    const lead = (k: number) => Array.from({ length: 500 }, (_, i) => Math.round(400 * Math.sin((2 * Math.PI * (k * 500 + i)) / 250)) + 0);
    for (let k = 0; k < 3; k++) {
      gw.store.record({
        code: { loinc: '11524-6', display: 'EKG study' },
        sampledData: {
          origin: { value: 0, unit: 'mV' },
          periodMs: 2,
          factor: 0.005,
          dimensions: 1,
          channels: ['II'],
          data: lead(k).join(' '),
        },
        segment: { recordingId, index: k, ...(k === 2 ? { last: true } : {}) },
        status: 'final',
        flags: [],
        patient: gw.patients.nurseAssigned(PATIENT.id),
        device: { id: 'serial:ecg-1', transport: 'serial' },
        time: {
          effective: new Date(Date.UTC(2026, 10, 23, 9, 0, k)).toISOString(),
          device: null,
          received: new Date().toISOString(),
          correctionMs: 0,
          source: 'gateway',
        },
        lane: 'waveform',
      });
    }
    const index = await waitFor(
      async () => {
        const res = await cloudFetch(`${cloud.httpUrl}/api/recordings/${recordingId}/wfdb`);
        const body = res.ok ? ((await res.json()) as { complete: boolean; record: string; files: string[] }) : null;
        return body?.complete ? body : null;
      },
      { timeoutMs: 20_000, what: 'the ECG recording in the cloud' },
    );
    const [heaUrl, datUrl] = index.files;
    const hea = await (await cloudFetch(heaUrl ?? '')).text();
    const dat = new Uint8Array(await (await cloudFetch(datUrl ?? '')).arrayBuffer());
    expect(hea.split('\n')[0]).toBe(`${index.record} 1 500 1500 09:00:00 23/11/2026`);
    const h = parseWfdbHeader(hea);
    if (!h.ok) throw new Error(h.error.reason);
    expect(h.value.signals[0]).toMatchObject({
      fileName: `${index.record}.dat`,
      format: 212,
      gain: 200,
      baseline: 0,
      units: 'mV',
      description: 'II',
    });
    const s = readWfdbSamples(h.value, dat);
    if (!s.ok) throw new Error(s.error.reason);
    expect([...(s.value[0] ?? [])]).toEqual([...lead(0), ...lead(1), ...lead(2)]);
    const f16 = new Uint8Array(await (await cloudFetch(`${datUrl}?format=16`)).arrayBuffer());
    expect(f16.length).toBe(1500 * 2);
  });
});

describe('stethoscope with a full store', () => {
  it('stops the recording with a clear message when the store refuses waveform capture', async () => {
    // No cloud (nothing ever leaves the store) and a soft cap of ~52 KB: the first segments fill it.
    const full = await startGateway({
      config: gatewayConfig('cart-steth-full', { store: { maxBytes: 1024 * 1024, waveformStopRatio: 0.05 } }),
      dataDir: join(dir, 'gateway-full'),
      cloudUrl: 'mqtt://127.0.0.1:9',
    });
    try {
      full.patients.select(PATIENT.id);
      const started = await post(`${full.httpUrl}/api/stethoscope/recordings`, { site: 'mitral' });
      expect(started.status).toBe(201);
      const id = started.body.recordingId as string;
      const ended = await waitFor(() => (full.stethoscope?.get(id)?.state === 'refused' ? full.stethoscope.get(id) : null), {
        timeoutMs: 20_000,
        what: 'the refusal',
      });
      expect(ended.stopReason).toBe('store-full');
      expect(ended.error).toMatch(/store full: waveform capture refused/);
      const stop = await post(`${full.httpUrl}/api/stethoscope/recordings/${id}/stop`);
      expect(stop.status).toBe(507);
      expect(stop.body.message).toMatch(/store full/);
      // The segments committed before the refusal are kept.
      const kept = full.store.list('pending', 1000).filter((r) => r.observation.code.loinc === '8702-3');
      expect(kept.map((r) => r.observation.segment?.index)).toEqual(ended.segments.map((x) => x.index));
    } finally {
      await full.stop();
    }
  }, 40_000);
});
