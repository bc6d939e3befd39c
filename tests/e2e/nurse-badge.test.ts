/**
 * The badge tap end to end: a simulated 13.56 MHz badge reader on a pseudo-terminal (UID as hex +
 * CR LF), a real gateway reading it (cloud unreachable: the nurse list is the one it keeps), the
 * nurse page's event stream. A known nurse's tap is announced and lets the page open her session;
 * an unknown badge is announced as such and opens nothing; a tap is taken once.
 */
import { join } from 'node:path';
import { PtyPair, SimulatedBadgeReader } from '@telecart/firmware-sim';
import { badgeHash, type Gateway, type Logger, resolveGatewayConfig, silentLogger, startGateway } from '@telecart/gateway';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type TempDir, tempDir } from '../../gateway/src/testing/fixtures.js';

let dir: TempDir;
let pty: PtyPair;
let gw: Gateway;
/** Resolves once the gateway has the reader's port open: serialport flushes the pty's input at open, so a tap before is lost. */
let readerOpen: Promise<void>;

beforeAll(async () => {
  dir = tempDir('telecart-nurse-badge-');
  pty = await PtyPair.start({ hostLink: join(dir.path, 'badge'), deviceLink: join(dir.path, 'badge.device') });
  const opened: (() => void)[] = [];
  readerOpen = new Promise<void>((r) => opened.push(r));
  const logger: Logger = {
    ...silentLogger,
    info: (_o, msg) => {
      if (msg === 'badge reader connected') for (const r of opened) r();
    },
  };
  gw = await startGateway({
    logger,
    config: resolveGatewayConfig({
      gatewayId: 'cart-1',
      mode: 'cart',
      patients: [{ id: 'r12', family: 'Martin', given: 'Jeanne', room: '12' }],
      http: { host: '127.0.0.1', port: 0 },
      nurseSignIn: { required: true, badgeReaderPath: pty.hostPath },
    }),
    dataDir: join(dir.path, 'gw'),
    // Nothing listens there: the cart is offline, as during a network outage.
    cloudUrl: 'mqtt://127.0.0.1:9',
  });
  const list = {
    v: 1,
    gatewayId: 'cart-1',
    at: new Date().toISOString(),
    nurses: [{ id: 'n.martin', name: 'Nadia Martin', badgeSha256: badgeHash('04A1B2C3D4E5F6'), pin: null, pinSetAt: null }],
  };
  expect(gw.nurses.roster.receive(Buffer.from(JSON.stringify(list)))).toBe(true);
}, 30_000);
afterAll(async () => {
  await gw?.stop();
  await pty?.close();
  dir?.remove();
});

/** The next `badge` event of the page's stream, while `act` runs. */
async function nextBadge(act: () => Promise<unknown>): Promise<unknown> {
  const ac = new AbortController();
  const res = await fetch(`${gw.httpUrl}/api/events`, { signal: ac.signal });
  const reader = res.body?.getReader();
  if (!reader) throw new Error('no event stream');
  let text = '';
  // The stream's first event (context) says it is open before the tap.
  while (!text.includes('event: context')) text += new TextDecoder().decode((await reader.read()).value);
  await act();
  for (;;) {
    const m = /event: badge\ndata: (.*)\n/.exec(text);
    if (m?.[1]) {
      ac.abort();
      return JSON.parse(m[1]);
    }
    const { value, done } = await reader.read();
    if (done) throw new Error('stream ended');
    text += new TextDecoder().decode(value);
  }
}

it('a known nurse’s tap on the reader signs her in from the page; an unknown badge does not', async () => {
  const reader = new SimulatedBadgeReader(pty);
  expect((await fetch(`${gw.httpUrl}/api/nurse/badge`, { method: 'POST' })).status).toBe(401);

  await expect.poll(async () => (await fetch(`${gw.httpUrl}/api/status`)).status).toBe(200);
  await readerOpen;
  expect(await nextBadge(() => reader.tap('04A1B2C3D4E5F6'))).toEqual({ nurse: { id: 'n.martin', name: 'Nadia Martin' } });
  const claimed = await fetch(`${gw.httpUrl}/api/nurse/badge`, { method: 'POST' });
  expect(claimed.status).toBe(200);
  const cookie = claimed.headers.get('set-cookie')?.split(';')[0] ?? '';
  expect(await claimed.json()).toEqual({ nurse: { id: 'n.martin', name: 'Nadia Martin' }, lockAfterSeconds: 120 });
  const put = await fetch(`${gw.httpUrl}/api/context/patient`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', cookie },
    body: JSON.stringify({ patientId: 'r12' }),
  });
  expect(put.status).toBe(200);
  // Taken once.
  expect((await fetch(`${gw.httpUrl}/api/nurse/badge`, { method: 'POST' })).status).toBe(401);

  expect(await nextBadge(() => reader.tap('0499887766'.padEnd(14, '0')))).toEqual({ nurse: null });
  expect((await fetch(`${gw.httpUrl}/api/nurse/badge`, { method: 'POST' })).status).toBe(401);
}, 30_000);
