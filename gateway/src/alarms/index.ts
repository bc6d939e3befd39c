export { type StoreAlarmOptions, watchStoreCapacity } from './store-alarms.js';
export { ALARM_FLAGS, CRITICAL_THRESHOLDS, criticalVitals } from './vital-alarms.js';
