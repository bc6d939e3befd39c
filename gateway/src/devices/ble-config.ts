/**
 * The `ble.pairing` and `ble.clock` sections of the gateway configuration (imported by config.ts):
 * the pairing agent BlueZ asks for passkeys/confirmations, and per-device clock drift policies.
 */
import { type Static, Type } from '@sinclair/typebox';
import type { DriftPolicy, PairingAgentOptions } from '@telecart/devices';

export const PairingConfig = Type.Object(
  {
    agent: Type.Boolean({ default: true, description: 'register an org.bluez.Agent1 and make it the default agent' }),
    capability: Type.Union(
      ['DisplayOnly', 'DisplayYesNo', 'KeyboardOnly', 'NoInputNoOutput', 'KeyboardDisplay'].map((c) => Type.Literal(c)),
      { default: 'KeyboardDisplay', description: "io capability; 'KeyboardDisplay' can type a device's passkey" },
    ),
    passkeys: Type.Array(
      Type.Object(
        {
          deviceId: Type.String({ pattern: '^ble:[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$', description: "e.g. 'ble:C4:7C:8D:6A:00:05'" }),
          passkey: Type.Integer({ minimum: 0, maximum: 999_999, description: 'the 6-digit key the device shows or expects' }),
        },
        { additionalProperties: false },
      ),
      { default: [] },
    ),
  },
  { default: {}, additionalProperties: false },
);
export type PairingConfig = Static<typeof PairingConfig>;

export const ClockPolicyConfig = Type.Object(
  {
    match: Type.String({ minLength: 1, maxLength: 128, description: "a device id ('ble:…') or a definition id ('nonin-3230')" }),
    toleranceMs: Type.Optional(Type.Integer({ minimum: 0 })),
    action: Type.Optional(Type.Union([Type.Literal('write-then-correct'), Type.Literal('correct-only')])),
  },
  { additionalProperties: false },
);
export type ClockPolicyConfig = Static<typeof ClockPolicyConfig>;

export function pairingAgentOptions(c: PairingConfig): PairingAgentOptions | null {
  if (!c.agent) return null;
  const keys = new Map(c.passkeys.map((p) => [p.deviceId.slice(4).toUpperCase(), p.passkey]));
  return { capability: c.capability as PairingAgentOptions['capability'], passkeyFor: (address) => keys.get(address.toUpperCase()) };
}

/** Device-id entries win over definition-id entries. */
export function driftPolicyLookup(policies: ClockPolicyConfig[]): (deviceId: string, definitionId: string | undefined) => Partial<DriftPolicy> | undefined {
  const strip = (p: ClockPolicyConfig): Partial<DriftPolicy> => ({
    ...(p.toleranceMs !== undefined ? { toleranceMs: p.toleranceMs } : {}),
    ...(p.action !== undefined ? { action: p.action } : {}),
  });
  return (deviceId, definitionId) => {
    const byDevice = policies.find((p) => p.match.toUpperCase() === deviceId.toUpperCase());
    const byDefinition = definitionId === undefined ? undefined : policies.find((p) => p.match === definitionId);
    return byDevice || byDefinition ? { ...(byDefinition ? strip(byDefinition) : {}), ...(byDevice ? strip(byDevice) : {}) } : undefined;
  };
}
