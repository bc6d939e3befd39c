/**
 * INS (Identifiant National de Santé) checks: the NIR matricule's check key (@telecart/devices)
 * and the INS OIDs (sources in docs/codes.md).
 */

/** OIDs an INS matricule may be qualified with. */
export const INS_OIDS = {
  nir: '1.2.250.1.213.1.4.8',
  nia: '1.2.250.1.213.1.4.9',
  nirTest: '1.2.250.1.213.1.4.10',
  nirDemo: '1.2.250.1.213.1.4.11',
} as const;

export type InsOid = (typeof INS_OIDS)[keyof typeof INS_OIDS];

// The key check itself is shared with the cloud's patient directory.
export { checkNir, type NirCheck, nirKey } from '@telecart/devices';

export function isInsOid(oid: string): oid is InsOid {
  return (Object.values(INS_OIDS) as string[]).includes(oid);
}
