export { bloodPressureStatusFlags, bloodPressureToDrafts, intermediateCuffPressureToDrafts } from './blood-pressure.js';
export { deviceTimeOf, finishFlags, MAX_FLAGS, pressureQuantity, USER_ID_UNKNOWN, userIndexOf, withRecordNumber } from './common.js';
export {
  addMinutes,
  type GlucoseMappingOptions,
  glucoseContextFlags,
  glucoseDeviceTime,
  glucoseQuantity,
  glucoseToDrafts,
} from './glucose.js';
export { GlucoseContextJoiner, type GlucoseJoinEvent, type GlucoseJoinerOptions } from './glucose-joiner.js';
export { type HeartRateMappingOptions, heartRateToDrafts, RR_PLAUSIBLE_SECONDS, rrIntervalsImplausible } from './heart-rate.js';
export { applyPlausibility, plausibilityFlags } from './plausibility.js';
export { plxContinuousToDrafts, plxSpotCheckToDrafts, plxStatusFlags } from './plx.js';
export { applyStatusMeaning, type BitMeaning, checkDraft, meaningOf, STATUS_FLAG_MEANING, type StatusFlag } from './status-meaning.js';
export { bodySiteFlag, temperatureToDrafts } from './temperature.js';
export { applyWeightScaleResolution, type WeightMappingOptions, weightToDrafts } from './weight.js';
