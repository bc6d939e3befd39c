import { createHash } from 'node:crypto';
import type { Observation } from '@telecart/protocol';
import { describe, expect, it } from 'vitest';
// A test helper, not part of @telecart/protocol's exports.
import { sampleObservation } from '../../../protocol/src/testing/sample.js';
import { toFhirMedia } from './media.js';
import { toFhirObservation } from './observation.js';
import { SYSTEM, TELECART } from './systems.js';

const RECORDING = '0190a3c4-0000-7000-8000-0000000000aa';

function ecgSegment(): Observation {
  const { value: _v, ...base } = sampleObservation(5);
  return {
    ...base,
    code: { loinc: '11524-6', display: 'EKG study' },
    lane: 'waveform',
    device: { id: 'serial:ttyUSB0', transport: 'serial' },
    sampledData: {
      origin: { value: 0, unit: 'mV' },
      periodMs: 4,
      factor: 0.005,
      lowerLimit: -10,
      upperLimit: 10,
      dimensions: 1,
      channels: ['II'],
      data: '0 12 40 E 3',
    },
    segment: { recordingId: RECORDING, index: 2, last: true },
  };
}

function auscultation(bytes: Buffer): Observation {
  const { value: _v, ...base } = sampleObservation(9);
  return {
    ...base,
    code: { loinc: '8702-3', display: 'Heart sounds (auscultation recording)' },
    lane: 'waveform',
    flags: ['body-site:aortic'],
    device: { id: 'audio:stethoscope', transport: 'audio', model: 'SIM-STETH' },
    attachment: {
      contentType: 'audio/flac',
      data: bytes.toString('base64'),
      size: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      durationMs: 10_000,
      sampleRateHz: 16_000,
      title: 'Auscultation aortic 1',
    },
    segment: { recordingId: RECORDING, index: 0 },
  };
}

describe('waveform segments → Observation.valueSampledData (R4)', () => {
  it('maps origin to a UCUM Quantity, period in ms, factor, limits, dimensions and data as sent', () => {
    const f = toFhirObservation(ecgSegment());
    expect(f.valueSampledData).toEqual({
      origin: { value: 0, unit: 'mV', system: SYSTEM.ucum, code: 'mV' },
      period: 4,
      factor: 0.005,
      lowerLimit: -10,
      upperLimit: 10,
      dimensions: 1,
      data: '0 12 40 E 3',
    });
    // R4 obs-6: no dataAbsentReason next to a value; value[x] is only SampledData.
    expect(f.dataAbsentReason).toBeUndefined();
    expect(f.valueQuantity).toBeUndefined();
    expect(f.category?.[0]?.coding?.[0]?.code).toBe('procedure');
    expect(f.identifier).toContainEqual({ system: TELECART.recordingSegmentSystem, value: `${RECORDING}/2` });
    expect(f.derivedFrom).toBeUndefined();
    // R4 SampledData: exactly these elements, period and dimensions required.
    expect(Object.keys(f.valueSampledData ?? {}).sort()).toEqual([
      'data',
      'dimensions',
      'factor',
      'lowerLimit',
      'origin',
      'period',
      'upperLimit',
    ]);
  });
});

describe('stethoscope attachments → Media (R4), linked by Observation.derivedFrom', () => {
  const bytes = Buffer.from('fLaC\u0000\u0000\u0000\u0022 not really a FLAC, only bytes to hash', 'latin1');
  const obs = auscultation(bytes);

  it('gives the Observation no value, an exam category, auscultation method, body site and derivedFrom → Media', () => {
    const f = toFhirObservation(obs, { baseUrl: 'https://cloud.example/fhir' });
    expect(f.derivedFrom).toEqual([
      { reference: `https://cloud.example/fhir/Media/${obs.id}`, type: 'Media', display: 'Auscultation aortic 1' },
    ]);
    expect(f.category?.[0]?.coding?.[0]?.code).toBe('exam');
    expect(f.method?.coding?.[0]).toEqual({ system: 'http://snomed.info/sct', code: '37931006', display: 'Auscultation (procedure)' });
    expect(f.bodySite).toEqual({ text: 'aortic' });
    expect(f.dataAbsentReason).toBeUndefined();
    expect(f.valueQuantity).toBeUndefined();
  });

  it('builds a Media with the download URL, size, R4 hash (base64 SHA-1) and no inline data', () => {
    const url = `https://cloud.example/api/observations/${obs.id}/attachment`;
    const m = toFhirMedia(obs, { baseUrl: 'https://cloud.example/fhir', attachmentUrl: url });
    if (!m) throw new Error('no media');
    expect(m.resourceType).toBe('Media');
    expect(m.id).toBe(obs.id);
    expect(m.status).toBe('completed');
    expect(m.type?.coding?.[0]).toMatchObject({ system: 'http://terminology.hl7.org/CodeSystem/media-type', code: 'audio' });
    expect(m.subject?.reference).toBe('https://cloud.example/fhir/Patient/p-001');
    expect(m.device?.reference).toBe('#device');
    expect(m.contained?.[0]).toMatchObject({ resourceType: 'Device', id: 'device', identifier: [{ value: obs.device.id }] });
    expect(m.duration).toBe(10);
    expect(m.createdDateTime).toBe(obs.time.effective);
    expect(m.content).toEqual({
      contentType: 'audio/flac',
      url,
      size: bytes.length,
      hash: createHash('sha1').update(bytes).digest('base64'),
      title: 'Auscultation aortic 1',
      creation: obs.time.effective,
    });
    expect(m.content.data).toBeUndefined();
    expect(m.extension).toEqual([{ url: TELECART.sha256Extension, valueString: obs.attachment?.sha256 }]);
    // Base64 of 20 bytes: what R4's base64Binary hash of a SHA-1 looks like.
    expect(m.content.hash).toMatch(/^[A-Za-z0-9+/]{27}=$/);
  });

  it('has no Media for an Observation without attachment', () => {
    expect(toFhirMedia(sampleObservation(1), { attachmentUrl: 'x' })).toBeUndefined();
  });
});
