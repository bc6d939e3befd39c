/**
 * Nurses on a test cart, for tests that run a gateway with `nurseSignIn.required: true`: hands the
 * gateway the list its cloud would publish on `gw/{id}/nurses` (PIN verifiers computed here, as the
 * cart computes them at a full sign-in), and signs a nurse in with her PIN through the real route.
 * The PIN check is the real scrypt one (about 0.2 s each).
 */
import { badgeHash, type Gateway, pinVerifier } from '@telecart/gateway';

export interface TestNurse {
  id: string;
  name: string;
  /** Her PIN on this cart; none: she must do a first full sign-in. */
  pin?: string;
  /** The UID of her badge (hex), if she has one. */
  badgeUid?: string;
}

/** Gives the cart its nurse list, as the cloud's retained message would; throws if the cart refuses it. */
export async function giveCartNurses(gw: Gateway, gatewayId: string, nurses: readonly TestNurse[]): Promise<void> {
  const at = new Date().toISOString();
  const list = {
    v: 1,
    gatewayId,
    at,
    nurses: await Promise.all(
      nurses.map(async (n) => ({
        id: n.id,
        name: n.name,
        badgeSha256: n.badgeUid ? badgeHash(n.badgeUid) : null,
        pin: n.pin ? await pinVerifier(n.pin) : null,
        pinSetAt: n.pin ? at : null,
      })),
    ),
  };
  if (!gw.nurses.roster.receive(Buffer.from(JSON.stringify(list)))) throw new Error(`cart ${gatewayId} refused the test nurse list`);
}

/** Signs the nurse in with her PIN; the Cookie header value to send with the requests made in her name. */
export async function signInNurse(httpUrl: string, nurseId: string, pin: string): Promise<string> {
  const res = await fetch(`${httpUrl}/api/nurse/pin`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ nurseId, pin }),
  });
  const cookie = res.headers.get('set-cookie')?.split(';')[0];
  if (res.status !== 200 || !cookie) throw new Error(`PIN sign-in of ${nurseId} refused: ${res.status} ${await res.text()}`);
  return cookie;
}
