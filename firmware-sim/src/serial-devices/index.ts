export { SimulatedBadgeReader } from './badge-reader.js';
export { type EcgBoardOptions, OLIMEX_UV_PER_UNIT, SimulatedEcgBoard } from './ecg-board.js';
export { type NoninSimFormat, type NoninSimOptions, SimulatedNoninOximeter } from './nonin-oximeter.js';
export { PacedWriter } from './paced-writer.js';
export { PtyPair, type PtyPairOptions } from './pty-pair.js';
export { type SerialSimulators, type SerialSimulatorsOptions, startSerialSimulators } from './serial-simulators.js';
