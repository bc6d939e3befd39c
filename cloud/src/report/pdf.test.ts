import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { PatientRecord } from '../store/cloud-store.js';
import type { ReportVersion } from '../store/report-records.js';
import type { TeleconsultationRecord } from '../store/teleconsult-records.js';
import { reportSha256 } from './content.js';
import { DEBIAN_DEJAVU, renderReportPdf } from './pdf.js';

/** The PDF's text as poppler's pdftotext (Debian poppler-utils) extracts it. */
function pdftotext(pdf: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile('pdftotext', ['-layout', '-enc', 'UTF-8', '-', '-'], { encoding: 'utf8' }, (err, out) =>
      err ? reject(err) : resolve(out),
    );
    child.stdin?.end(pdf);
  });
}

const sessionId = randomUUID();
const act: TeleconsultationRecord = {
  sessionId,
  gatewayId: 'cart-ehpad-3',
  patientId: 'p-001',
  patientIns: '238016912304522',
  requestedSpecialistId: null,
  specialistId: 'dr-roux',
  specialistName: 'Dr Anne Roux',
  reason: 'dyspnée',
  consent: null,
  status: 'completed',
  outcome: 'hangup-specialist',
  createdAt: '2026-11-23T09:58:00.000Z',
  joinedAt: '2026-11-23T10:00:00.000Z',
  connectedAt: '2026-11-23T10:00:05.000Z',
  endedAt: '2026-11-23T10:20:00.000Z',
  durationMs: 1_195_000,
  updatedAt: '2026-11-23T10:20:00.000Z',
};
const patient: PatientRecord = {
  id: 'p-001',
  ins: '238016912304522',
  insOid: '1.2.250.1.213.1.4.8',
  family: 'Lefèvre',
  given: 'Hélène',
  birthDate: '1938-01-16',
  source: 'configured',
  lastObservationAt: null,
};

function signed(over: Partial<ReportVersion> = {}): ReportVersion {
  const v: ReportVersion = {
    id: randomUUID(),
    sessionId,
    version: 1,
    patientId: 'p-001',
    authorId: 'dr-roux',
    status: 'signed',
    content: {
      reason: 'Dyspnée depuis ce matin',
      history: 'Insuffisance cardiaque connue',
      examination: 'Crépitants aux deux bases',
      conclusion: 'Œdème pulmonaire débutant, pas de signe de gravité immédiate',
      prescription: 'Furosémide 40 mg ce jour',
      recommendations: 'Pesée quotidienne ; rappeler si SpO₂ ≤ 92 %',
    },
    vitals: [
      {
        key: 'pulse',
        values: [96],
        unit: '/min',
        unitDisplay: '/min',
        effective: '2026-11-23T10:04:00.000Z',
        observationId: randomUUID(),
        patientId: 'p-001',
        flags: [],
      },
      {
        key: 'bp',
        values: [152, 91],
        unit: 'mm[Hg]',
        unitDisplay: 'mmHg',
        effective: '2026-11-23T10:06:00.000Z',
        observationId: randomUUID(),
        patientId: 'p-001',
        flags: [],
      },
      {
        key: 'temperature',
        values: [37.8],
        unit: 'Cel',
        unitDisplay: '°C',
        effective: '2026-11-23T10:07:00.000Z',
        observationId: randomUUID(),
        patientId: 'p-001',
        flags: [],
      },
    ],
    createdAt: '2026-11-23T10:01:00.000Z',
    updatedAt: '2026-11-23T10:25:00.000Z',
    signature: { by: 'dr-roux', name: 'Dr Anne Roux', at: '2026-11-23T10:25:00.000Z', contentSha256: '' },
    ...over,
  };
  const sig = v.signature;
  return sig === null ? v : { ...v, signature: { ...sig, contentSha256: reportSha256(v) } };
}

describe('report PDF', () => {
  it('reads back (pdftotext) with the patient, INS, date, vitals of the act, conclusion and signer, accents intact', async () => {
    const v = signed();
    const pdf = await renderReportPdf({ version: v, act, patient, lang: 'fr', timeZone: 'Europe/Paris', fonts: DEBIAN_DEJAVU });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const text = (await pdftotext(pdf)).replace(/[ \t]+/g, ' ');
    expect(text).toContain('Compte-rendu de téléconsultation');
    expect(text).toContain('Patient : LEFÈVRE Hélène');
    expect(text).toContain('INS : 238016912304522');
    expect(text).toContain('Date de l’acte : 23 novembre 2026 à 11:00');
    expect(text).toContain('Pouls : 96 /min (11:04)');
    expect(text).toContain('Tension artérielle : 152/91 mmHg (11:06)');
    expect(text).toContain('37,8 °C (11:07)');
    expect(text).toContain('Œdème pulmonaire débutant, pas de signe de gravité immédiate');
    // Outside WinAnsi: garbled by PDF's built-in fonts, right with the embedded one.
    expect(text).toContain('rappeler si SpO₂ ≤ 92 %');
    expect(text).toContain('Signé par Dr Anne Roux le 23 novembre 2026 à 11:25');
    expect(text).toContain(v.signature?.contentSha256);
  });

  it('says when no vitals were measured, names the version a correction supersedes, and speaks English', async () => {
    const v = signed({ version: 2, vitals: [] });
    const text = (
      await pdftotext(await renderReportPdf({ version: v, act, patient, lang: 'en', timeZone: 'Europe/Paris', fonts: DEBIAN_DEJAVU }))
    ).replace(/[ \t]+/g, ' ');
    expect(text).toContain('Version 2 — Supersedes version 1');
    expect(text).toContain('No vitals were measured during the act.');
    expect(text).toContain('Signed by Dr Anne Roux on 23 November 2026');
  });

  it('refuses a draft: only a signed version is a document', async () => {
    const v = signed({ status: 'draft', signature: null });
    await expect(renderReportPdf({ version: v, act, patient, lang: 'fr', timeZone: 'Europe/Paris', fonts: DEBIAN_DEJAVU })).rejects.toThrow(
      /version 1 of act .* is not signed/,
    );
  });
});
