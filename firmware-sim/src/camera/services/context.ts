/** What every simulated ONVIF service handler sees: the camera's state, identity, clock and URLs. */
import type { PtzModel } from '../ptz-model.js';
import type { XmlNode } from '../soap.js';
import type { VideoEncoderSettings } from '../video-encoder.js';

export interface CameraIdentity {
  manufacturer: string;
  model: string;
  firmwareVersion: string;
  serialNumber: string;
  hardwareId: string;
  /** Stable WS-Discovery endpoint reference, urn:uuid:… */
  endpointReference: string;
  name: string;
  location: string;
}

export interface CameraUrls {
  device: string;
  media: string;
  ptz: string;
  /** RTSP URI of the main profile's stream, when the camera streams. */
  stream: string | null;
  snapshot: string | null;
}

/** A handler's context: `urls` are those of the address the request arrived at. */
export interface CameraContext {
  identity: CameraIdentity;
  ptz: PtzModel;
  /** The camera's own clock (may be off from the real one). */
  cameraNow(): number;
  urls: CameraUrls;
  /** Quirk: Stop is answered with a fault; only a zero-velocity ContinuousMove stops the camera. */
  refusesStop: boolean;
  /** Profile token served. */
  profileToken: string;
  /** The one encoder configuration: the stream runs with it, the Media service reports it. */
  video: VideoEncoderSettings;
}

export type OperationHandler = (body: XmlNode, ctx: CameraContext) => string;

/** Operations a client may call before authenticating (ONVIF Core access class PRE_AUTH). */
export const PRE_AUTH_OPERATIONS = new Set([
  'GetSystemDateAndTime',
  'GetCapabilities',
  'GetServices',
  'GetServiceCapabilities',
  'GetWsdlUrl',
  'GetHostname',
  'GetEndpointReference',
]);
