/**
 * Nurses' cart credentials (migration 20), keyed by the nurse's account id: the SHA-256 of their
 * badge UID, the scrypt verifier of the PIN chosen on a cart (never the PIN), and the carts they
 * work on (gateway ids, `prefix*` or `*`, sites already expanded).
 */
import type { PinVerifier } from '@telecart/protocol';

export interface NurseRecord {
  accountId: string;
  name: string;
  badgeSha256: string | null;
  /** Gateway patterns: an id, a prefix ending in `*`, or `*`. */
  gateways: string[];
  pin: PinVerifier | null;
  pinSetAt: string | null;
}

/** What the configuration says of a nurse; the PIN is the nurse's and is kept. */
export type NurseProfile = Omit<NurseRecord, 'pin' | 'pinSetAt'>;

export function nurseWorksOn(n: Pick<NurseRecord, 'gateways'>, gatewayId: string): boolean {
  return n.gateways.some((p) => p === '*' || (p.endsWith('*') ? gatewayId.startsWith(p.slice(0, -1)) : p === gatewayId));
}
