/** Preliminary values (cuff pressure while inflating, continuous oximetry): for the screen only. */
import type { DeviceFrame, ObservationDraft } from '@telecart/devices';
import type { Code, Component, Quantity } from '@telecart/protocol';

/** A preliminary value for the screen only; never stored, never synced. */
export interface LiveValue {
  deviceId: string;
  deviceName?: string;
  code: Code;
  value?: Quantity;
  components?: Component[];
  flags: string[];
  receivedAt: string;
  patientId: string | null;
}

export function liveValueOf(frame: DeviceFrame, draft: ObservationDraft, patientId: string | null): LiveValue {
  const live: LiveValue = {
    deviceId: frame.deviceId,
    code: draft.code,
    flags: draft.flags,
    receivedAt: new Date(frame.receivedAt).toISOString(),
    patientId,
  };
  if (frame.name !== undefined) live.deviceName = frame.name.slice(0, 128);
  if (draft.value) live.value = draft.value;
  if (draft.components) live.components = draft.components;
  return live;
}
