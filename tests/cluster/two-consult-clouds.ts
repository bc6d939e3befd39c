/**
 * Two in-process cloud instances (teleconsultation tests' clouds) on one PostgreSQL database and one
 * Mosquitto, as a region runs them behind one address: the relay's lease, `want`/`given` and the
 * participants relayed between them. Started one after the other (the first runs the migrations).
 */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { type Mosquitto, startMosquitto } from '../../cloud/src/testing/mosquitto.js';
import { type Postgres, startPostgres } from '../../cloud/src/testing/postgres.js';
import { freshDatabase } from '../support/cloud-child.js';
import { type ConsultCloud, startConsultCloud } from '../teleconsult/support.js';

type Teleconsult = NonNullable<Parameters<typeof startConsultCloud>[0]>['teleconsult'];

export interface TwoConsultClouds {
  clouds: [ConsultCloud, ConsultCloud];
  /** The database's URL (for a test's own reads and notifies). */
  db: string;
  brokerUrl: string;
  stop(): Promise<void>;
}

/** `logs[i]`, when given, receives instance i's log lines (info and above). */
export async function startTwoConsultClouds(o: { dbName: string; teleconsult: Teleconsult; logs?: string[][] }): Promise<TwoConsultClouds> {
  const postgres: Postgres = await startPostgres();
  const mosquitto: Mosquitto = await startMosquitto();
  const started: ConsultCloud[] = [];
  const stop = async () => {
    for (const c of started) await c.stop().catch(() => undefined);
    await mosquitto.stop();
    await postgres.stop();
  };
  try {
    const db = await freshDatabase(postgres.url, o.dbName);
    for (const i of [0, 1]) {
      const lines = o.logs?.[i];
      const logger =
        lines === undefined
          ? undefined
          : pino(
              { level: 'info' },
              new Writable({
                write(chunk, _enc, done) {
                  lines.push(String(chunk));
                  done();
                },
              }),
            );
      started.push(
        await startConsultCloud({ db, externalBrokerUrl: mosquitto.url, ...(logger ? { logger } : {}), teleconsult: o.teleconsult }),
      );
    }
    return { clouds: [started[0] as ConsultCloud, started[1] as ConsultCloud], db, brokerUrl: mosquitto.url, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
