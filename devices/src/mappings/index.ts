export { bloodPressureStatusFlags, bloodPressureToDrafts, intermediateCuffPressureToDrafts } from './blood-pressure.js';
export { deviceTimeOf, finishFlags, MAX_FLAGS, pressureQuantity, USER_ID_UNKNOWN, userIndexOf } from './common.js';
export { applyPlausibility, plausibilityFlags } from './plausibility.js';
export { plxContinuousToDrafts, plxSpotCheckToDrafts, plxStatusFlags } from './plx.js';
export { bodySiteFlag, temperatureToDrafts } from './temperature.js';
export { weightToDrafts } from './weight.js';
