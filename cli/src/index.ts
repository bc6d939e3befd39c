export { ConfigError, loadConfigFile, parseConfigText } from './config/load-config.js';
export { type StartedChild, startChild, stopChildren } from './runtime/children.js';
