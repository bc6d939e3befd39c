export { type BitrateControllerOptions, VideoBitrateController } from './bitrate.js';
export { CameraConfig, type MediaAudioConfig, MediaConfig, VIDEO_SOURCES, type VideoConfig, type VideoSourceKind } from './config.js';
export { EcgChunker, type EcgChunkerOptions, LiveSampleBus, type LiveSamples } from './live-samples.js';
export { BadAnswerError, MediaSession, type MediaSessionOptions, type MediaSessionStats, type PeerState } from './media-session.js';
export { type AudioInput, audioArgs, encoderArgs, type VideoCodec, type VideoInput, type VideoPipeline, videoArgs } from './pipelines.js';
export { isKeyframeStart, type RelayCounters, RtpRebaser, RtpRelay, type RtpRelayOptions } from './rtp-relay.js';
export { checkAnswerSdp } from './sdp-check.js';
