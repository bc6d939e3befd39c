export { type Credentials, HttpDigestVerifier, passwordDigest, WsseVerifier } from './auth.js';
export { type DiscoveryResponder, startDiscoveryResponder, WS_DISCOVERY_MULTICAST, WS_DISCOVERY_PORT } from './discovery.js';
export {
  flashText,
  GAUGE_CELLS,
  type LiveStream,
  type LiveStreamOptions,
  liveStreamPipeline,
  overlayLine,
  panGauge,
  startLiveStream,
} from './live-stream.js';
export { type MoveStatus, type Position, type Preset, PtzFault, PtzModel } from './ptz-model.js';
export { type RtspServer, type RtspServerOptions, startRtspServer } from './rtsp-server.js';
export { type CameraAuthMode, type SimCamera, type SimCameraOptions, startSimCamera } from './sim-camera.js';
export { DEFAULT_VIDEO_ENCODER, type VideoEncoderSettings, videoEncoderSettings } from './video-encoder.js';
