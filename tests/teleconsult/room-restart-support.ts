/**
 * The cloud of the room-restart tests (guest-room-restart, room-restart.browser): a child cloud on
 * its folder with a long rejoin window, the forwarding unit on loopback, Dr Roux and an auditor;
 * started, and both signed in.
 */
import { hashPassword } from '@telecart/cloud';
import type { CloudChildDir } from '../support/cloud-child.js';
import type { ServiceChild } from '../support/service-child.js';
import { login, PASSWORDS } from './support.js';

export interface RoomRestartCloud {
  cloud: ServiceChild;
  http: string;
  /** Dr Roux's and the auditor's session cookies. */
  cookie: string;
  auditor: string;
}

export async function startRoomRestartCloud(folder: CloudChildDir, patient: Record<string, unknown>): Promise<RoomRestartCloud> {
  folder.configure({
    patients: [patient],
    teleconsult: {
      rejoinGraceSeconds: 120,
      leaseSeconds: 6,
      connectTimeoutSeconds: 60,
      forwardingUnit: { hostAddresses: ['127.0.0.1'] },
      specialists: [
        { id: 'dr-roux', name: 'Dr Anne Roux', passwordHash: await hashPassword(PASSWORDS['dr-roux'], 10), gateways: ['cart-*'] },
        { id: 'auditor', name: 'DPO', passwordHash: await hashPassword(PASSWORDS.auditor, 10), audit: true },
      ],
    },
  });
  const cloud = await folder.start();
  const http = String(cloud.info.httpUrl);
  return {
    cloud,
    http,
    cookie: await login(http, 'dr-roux', PASSWORDS['dr-roux']),
    auditor: await login(http, 'auditor', PASSWORDS.auditor),
  };
}
