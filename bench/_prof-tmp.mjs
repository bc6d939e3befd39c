import { benchSliceThroughput } from './slice-throughput.mjs';
const r = await benchSliceThroughput({ perFrame: 10, grouped: 10000, latencyFrames: 10 });
console.table(r.throughput);
