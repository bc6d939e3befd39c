/**
 * A recording carried by an Observation (stethoscope FLAC) → FHIR R4 Media, id = the Observation's id.
 *
 * - content: the Attachment without inline data (a segment is up to a few hundred KB): `url` is the
 *   cloud's download route, with contentType, size, title, creation, and `hash` = base64 SHA-1 of the
 *   bytes as R4 defines it (computed here from the data; the gateway's SHA-256 rides along in
 *   TELECART.sha256Extension so a download can be checked against what the cart recorded).
 * - type = media-type#audio, status completed, subject/device/bodySite as on the Observation,
 *   createdDateTime = effective time, duration in seconds. The Observation links here with derivedFrom.
 */
import { createHash } from 'node:crypto';
import type { Observation } from '@telecart/protocol';
import { containedDevice, patientReference, recordingSegmentIdentifier, toFhirId } from './observation.js';
import { SYSTEM, TELECART } from './systems.js';
import type { FhirMedia, Identifier } from './types.js';

export interface FhirMediaOptions {
  /** FHIR base for references, e.g. 'https://host/fhir' (relative references without it). */
  baseUrl?: string;
  /** Where the bytes can be downloaded, e.g. 'https://host/api/observations/<id>/attachment'. */
  attachmentUrl: string;
}

/** The base64 SHA-1 of base64 data: R4 Attachment.hash. */
export function attachmentSha1(base64: string): string {
  return createHash('sha1').update(Buffer.from(base64, 'base64')).digest('base64');
}

/** Media for an Observation with an attachment; undefined when it has none. */
export function toFhirMedia(obs: Observation, opts: FhirMediaOptions): FhirMedia | undefined {
  const a = obs.attachment;
  if (!a) return undefined;
  const identifier: Identifier[] = [{ system: SYSTEM.uri, value: `urn:uuid:${obs.id}` }];
  if (obs.segment) identifier.push(recordingSegmentIdentifier(obs.segment));
  const kind = a.contentType.split('/')[0];
  const site = obs.flags.find((f) => f.startsWith('body-site:'));
  const dev = containedDevice(obs.device);
  return {
    resourceType: 'Media',
    id: toFhirId(obs.id),
    contained: dev.contained,
    extension: [{ url: TELECART.sha256Extension, valueString: a.sha256 }],
    identifier,
    status: 'completed',
    type: {
      coding: [
        { system: SYSTEM.mediaType, code: kind === 'image' ? 'image' : kind === 'video' ? 'video' : 'audio', display: kind ?? 'audio' },
      ],
    },
    subject: patientReference(obs.patient, opts.baseUrl),
    createdDateTime: obs.time.effective,
    issued: obs.time.received,
    ...(site ? { bodySite: { text: site.slice('body-site:'.length) } } : {}),
    deviceName: obs.device.model ?? obs.device.id,
    device: dev.device,
    ...(a.durationMs !== undefined ? { duration: a.durationMs / 1000 } : {}),
    content: {
      contentType: a.contentType,
      url: opts.attachmentUrl,
      size: a.size,
      hash: attachmentSha1(a.data),
      ...(a.title ? { title: a.title } : {}),
      creation: obs.time.effective,
    },
  };
}
