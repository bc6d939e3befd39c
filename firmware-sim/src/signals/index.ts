export { EcgSyn, type EcgSynOptions, rrProcess } from './ecgsyn.js';
export { akima, Ppg, type PpgOptions } from './ppg.js';
