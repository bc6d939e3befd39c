export { BadAnswerError } from './bad-answer.js';
export { type BitrateControllerOptions, VideoBitrateController } from './bitrate.js';
export { CameraConfig, type MediaAudioConfig, MediaConfig, VIDEO_SOURCES, type VideoConfig, type VideoSourceKind } from './config.js';
export { EcgChunker, type EcgChunkerOptions, LiveSampleBus, type LiveSamples } from './live-samples.js';
// Types only: media-session.ts loads werift (~30 MiB resident), which the agent loads at the first act.
export type { MediaSession, MediaSessionOptions, MediaSessionStats, PeerState } from './media-session.js';
export { type AudioInput, audioArgs, encoderArgs, type VideoCodec, type VideoInput, type VideoPipeline, videoArgs } from './pipelines.js';
export { isKeyframeStart, type RelayCounters, RtpRebaser, RtpRelay, type RtpRelayOptions } from './rtp-relay.js';
export { checkAnswerSdp } from './sdp-check.js';
