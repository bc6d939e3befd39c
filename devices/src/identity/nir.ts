/**
 * The INS matricule (NIR) check key, shared by the cart (its configured patients) and the cloud
 * (the patient directory). Key = 97 − (first 13 characters mod 97), with Corsica's 2A → 19 and
 * 2B → 18 for the computation only (after python-stdnum's stdnum/fr/nir.py; sources in docs/codes.md).
 */

const NIR_SHAPE = /^[12378]\d{2}(0[1-9]|1[0-2]|[2-9]\d)(\d{2}|2A|2B)\d{6}\d{2}$/;

export type NirCheck = { ok: true } | { ok: false; reason: string };

/** The 2-digit check key of the first 13 characters of a NIR ('2A'/'2B' allowed in positions 6–7). */
export function nirKey(first13: string): number {
  const digits = `${first13.slice(0, 5)}${first13.slice(5, 7).replace('2A', '19').replace('2B', '18')}${first13.slice(7)}`;
  if (!/^\d{13}$/.test(digits)) throw new RangeError(`not a NIR body: ${JSON.stringify(first13)}`);
  return 97 - Number(BigInt(digits) % 97n);
}

/** Checks the shape of a 15-character NIR and its key. */
export function checkNir(nir: string): NirCheck {
  if (!NIR_SHAPE.test(nir)) return { ok: false, reason: 'not a 15-character NIR (sex, year, month, département, commune, order, key)' };
  const expected = nirKey(nir.slice(0, 13));
  const given = Number(nir.slice(13));
  return given === expected
    ? { ok: true }
    : { ok: false, reason: `check key ${nir.slice(13)} is wrong (expected ${String(expected).padStart(2, '0')})` };
}
