/**
 * The `ble.pairing` and `ble.clock` sections of the gateway configuration (imported by config.ts):
 * the pairing agent BlueZ asks for passkeys/confirmations, and per-device clock drift policies.
 */
import { type Static, Type } from '@sinclair/typebox';
import {
  type BleWatchRule,
  type DefinitionChoice,
  type DeviceIdentity,
  type DriftPolicy,
  type PairingAgentOptions,
  ruleMatches,
} from '@telecart/devices';

export const DefinitionsConfig = Type.Optional(
  Type.Array(Type.String({ pattern: '^[a-z0-9][a-z0-9-]{1,63}$' }), {
    description:
      "device definition ids the gateway may use (default: all built-in ones); the generic one ('generic-sig-ble') serves only devices the `watch` rules also accept",
  }),
);

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
      { default: [], description: 'fixed passkeys of devices that expect the gateway to type one' },
    ),
  },
  { default: {}, additionalProperties: false, description: 'the BlueZ pairing agent: passkeys and confirmations' },
);
export type PairingConfig = Static<typeof PairingConfig>;

export const ClockPolicyConfig = Type.Object(
  {
    match: Type.String({ minLength: 1, maxLength: 128, description: "a device id ('ble:…') or a definition id ('nonin-3230')" }),
    toleranceMs: Type.Optional(Type.Integer({ minimum: 0, description: 'replaces clockDriftToleranceMs for these devices' })),
    action: Type.Optional(
      Type.Union([Type.Literal('write-then-correct'), Type.Literal('correct-only')], {
        description: "'write-then-correct': set the device clock when allowed, else correct the readings; 'correct-only': never write it",
      }),
    ),
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
export function driftPolicyLookup(
  policies: ClockPolicyConfig[],
): (deviceId: string, definitionId: string | undefined) => Partial<DriftPolicy> | undefined {
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

/**
 * Which definition choices the gateway accepts: a model definition when the allow-list (if any)
 * names it; the generic one only for a device the watch rules accept too, so a home kit limited to
 * its scale and cuff does not start reading a neighbour's heart-rate strap.
 */
export function definitionPolicy(
  allowed: readonly string[] | undefined,
  watch: readonly BleWatchRule[],
): (choice: DefinitionChoice, identity: DeviceIdentity) => boolean {
  const allow = allowed === undefined ? undefined : new Set(allowed);
  return (choice, identity) => {
    const d = choice.definition;
    if (allow && !allow.has(d.id)) return false;
    if (!d.generic) return true;
    const device = { ...(identity.name !== undefined ? { name: identity.name } : {}), uuids: identity.services ?? [] };
    return watch.some((r) => ruleMatches(r, device));
  };
}
