/**
 * The glucose capability's record joiner: a Glucose Measurement (0x2A18) flagged "context follows"
 * and the Glucose Measurement Context (0x2A34) of the same sequence number make one record, whose
 * drafts (glucose, and HbA1c when the context has one) are stored together. Built on the pure
 * GlucoseContextJoiner: a measurement whose context never comes is released (flag
 * 'glucose-context-missing'), never dropped; a context without its measurement is reported skipped.
 */
import { decodeGlucoseMeasurement, decodeGlucoseMeasurementContext } from '../codecs/glucose.js';
import { fail, ok } from '../codecs/result.js';
import { glucoseToDrafts } from '../mappings/glucose.js';
import { GlucoseContextJoiner, type GlucoseJoinEvent } from '../mappings/glucose-joiner.js';
import { shortUuid } from '../model/frame.js';
import type { JoinOutput, RecordJoiner } from './types.js';

function output(events: readonly GlucoseJoinEvent[]): JoinOutput {
  const out: JoinOutput = { records: [], skipped: [] };
  for (const e of events) {
    if (e.kind === 'orphan-context')
      out.skipped.push({
        message: 'glucose context without its measurement skipped',
        detail: { sequenceNumber: e.context.sequenceNumber },
      });
    else out.records.push(glucoseToDrafts(e.measurement, { context: e.context }));
  }
  return out;
}

export function glucoseRecordJoiner(): RecordJoiner {
  const joiner = new GlucoseContextJoiner();
  return {
    take(characteristic, bytes, now) {
      const short = shortUuid(characteristic).toUpperCase();
      if (short === '2A18') {
        const m = decodeGlucoseMeasurement(bytes);
        return m.ok ? ok(output(joiner.measurement(m.value, now))) : m;
      }
      if (short === '2A34') {
        const c = decodeGlucoseMeasurementContext(bytes);
        return c.ok ? ok(output(joiner.context(c.value, now))) : c;
      }
      return fail('characteristic', `the glucose joiner takes 2A18 and 2A34, not "${characteristic.slice(0, 64)}"`);
    },
    tick: (now) => output(joiner.tick(now)),
    flush: () => output(joiner.flush()),
  };
}
