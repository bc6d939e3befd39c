/** `telecart sim camera`: the simulated ONVIF PTZ camera; prints its device service URL. */
import { startSimCamera } from '@telecart/firmware-sim';
import { createLogger } from '../runtime/logger.js';
import { runService } from '../runtime/service.js';

export interface SimCameraCommandOptions {
  host: string;
  port: number;
  user: string;
  password: string;
  auth: 'none' | 'wsse' | 'digest' | 'any';
  refuseStop: boolean;
  clockOffset: number;
  discovery: boolean;
  discoveryPort?: number;
  /** Serve the live RTSP stream (default true; `--no-stream` turns it off). */
  stream?: boolean;
  rtspPort?: number;
}

export async function runSimCameraCommand(o: SimCameraCommandOptions): Promise<void> {
  const log = createLogger('sim-camera');
  await runService(
    'sim-camera',
    async () =>
      startSimCamera({
        host: o.host,
        port: o.port,
        users: [{ username: o.user, password: o.password }],
        auth: o.auth,
        refuseStop: o.refuseStop,
        clockOffsetMs: o.clockOffset * 1000,
        discovery: o.discoveryPort !== undefined ? { host: o.host, port: o.discoveryPort } : o.discovery,
        stream: o.stream === false ? false : { port: o.rtspPort ?? 0 },
        onMalformed: (reason) => log.warn({ reason }, 'malformed request'),
      }),
    (c) => ({ deviceServiceUrl: c.deviceServiceUrl, discoveryPort: c.discoveryPort, snapshotUrl: c.snapshotUrl, streamUri: c.streamUri }),
    (info) => {
      process.stdout.write(`${String(info.deviceServiceUrl)}\n`);
      process.stderr.write(
        `telecart sim camera: ONVIF device service at ${String(info.deviceServiceUrl)} (user ${o.user}, auth ${o.auth}` +
          `${o.refuseStop ? ', refuses Stop' : ''}${o.clockOffset ? `, clock ${o.clockOffset} s off` : ''})` +
          `${info.discoveryPort ? `; WS-Discovery on UDP ${String(info.discoveryPort)}` : ''}` +
          `${info.streamUri ? `; live video at ${String(info.streamUri)}` : ''}` +
          // On every address, each client is handed URLs with the address it reached the camera at.
          `${o.host === '0.0.0.0' || o.host === '::' ? `; listening on all addresses (${o.host}), each client gets URLs with the address it used` : ''}\n`,
      );
    },
  );
}
