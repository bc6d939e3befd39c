export * from './dead-man.js';
export * from './discovery.js';
export * from './onvif-camera.js';
