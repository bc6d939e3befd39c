export { HeartSoundGenerator, type HeartSoundOptions, toPcm16 } from '../signals/heart-sounds.js';
export { type PulseServer, type PulseServerOptions, startPulseServer } from './pulse-server.js';
export { startVirtualStethoscope, type VirtualStethoscope, type VirtualStethoscopeOptions } from './virtual-stethoscope.js';
