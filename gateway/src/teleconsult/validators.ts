/** Runtime checks of the teleconsultation contract (protocol/src/schemas/rtc.ts) at the gateway's trust boundaries. */
import { compile, PtzCommand, RtcDown, RtcUp } from '@telecart/protocol';

export const rtcValidators = {
  down: compile(RtcDown),
  up: compile(RtcUp),
  ptzCommand: compile(PtzCommand),
} as const;
