import { CartPatients, type CartPatients as CartPatientsMsg, compile, formatIssues, topics } from '@telecart/protocol';
import type { IClientOptions, MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import { connectCloudClient } from '../broker/connect-client.js';
import type { CloudStore, DirectoryPatient } from '../store/cloud-store.js';
import type { DeviceUserMapping } from '../store/device-user-tables.js';

const checkList = compile(CartPatients);
const COALESCE_MS = 50;

export interface CartPatientsOptions {
  brokerUrl: string;
  mqttOptions?: Omit<IClientOptions, 'clientId'>;
  store: CloudStore;
  logger: Logger;
  now?: () => Date;
}

/**
 * The cart's list: an INS only when the identity is qualified (or from before the directory, as
 * configured); the cart's device-user mappings whose patient is on it, by the cart's own ids (a
 * mapping to a patient who left the cart is kept in the store but not sent). A cart the cloud has
 * no mapping for gets no `deviceUsers` at all, so its configuration's mappings stay in force: a
 * cloud upgraded under running carts must not drop the mappings they were set up with (nor send a
 * field an older gateway's schema refuses) until someone maps its devices in the cloud.
 */
export function cartPatientList(
  gatewayId: string,
  at: Date,
  patients: readonly (DirectoryPatient & { localId: string })[],
  mappings: readonly DeviceUserMapping[] = [],
): CartPatientsMsg {
  const localIds = new Map(patients.map((p) => [p.id, p.localId]));
  return {
    gatewayId,
    at: at.toISOString(),
    patients: patients.map((p) => {
      const shareIns = p.ins !== null && p.insOid !== null && (p.identityStatus === 'qualified' || p.identityStatus === null);
      return {
        localId: p.localId,
        family: p.family,
        given: p.given,
        birthDate: p.birthDate,
        ...(shareIns ? { ins: p.ins ?? '', insOid: p.insOid ?? '' } : {}),
      };
    }),
    ...(mappings.length > 0
      ? {
          deviceUsers: mappings.flatMap((m) => {
            const localId = localIds.get(m.patientId);
            return localId === undefined ? [] : [{ deviceId: m.deviceId, userIndex: m.userIndex, localId }];
          }),
        }
      : {}),
  };
}

export class CartPatientsPublisher {
  private readonly now: () => Date;
  private readonly pending = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private stopped = false;

  private constructor(
    private readonly o: CartPatientsOptions,
    private readonly client: MqttClient,
  ) {
    this.now = o.now ?? (() => new Date());
  }

  static async connect(o: CartPatientsOptions): Promise<CartPatientsPublisher> {
    const client = await connectCloudClient({
      brokerUrl: o.brokerUrl,
      mqttOptions: o.mqttOptions,
      clientIdPrefix: 'telecart-patients',
      logger: o.logger,
      what: 'patient lists',
    });
    return new CartPatientsPublisher(o, client);
  }

  /** A patient of this cart changed: its list is rebuilt shortly. */
  changed(gatewayId: string): void {
    if (this.stopped) return;
    this.pending.add(gatewayId);
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.enqueue();
    }, COALESCE_MS);
  }

  /** Every cart that serves a patient: its list now (at start). */
  async refreshAll(): Promise<void> {
    const { store } = this.o;
    for (const p of await store.listPatients()) for (const g of await store.patientGateways(p.id)) this.pending.add(g);
    this.enqueue();
    await this.running;
  }

  async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.enqueue();
    }
    await this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.race([this.flush(), new Promise((r) => setTimeout(r, 2000).unref())]);
    await this.client.endAsync(true);
  }

  private enqueue(): void {
    this.running = this.running
      .then(() => this.drain())
      .catch((e: unknown) => this.o.logger.error({ err: e }, 'patient lists: could not be rebuilt'));
  }

  private async drain(): Promise<void> {
    const ids = [...this.pending];
    this.pending.clear();
    for (const id of ids) {
      try {
        const { store } = this.o;
        const list = cartPatientList(id, this.now(), await store.cartPatients(id), await store.deviceUsers.list(id));
        const v = checkList.validate(list);
        if (!v.ok) throw new Error(`patient list for ${id} does not fit CartPatients: ${formatIssues(v.issues)}`);
        await this.client.publishAsync(topics.patients(id), JSON.stringify(list), { qos: 1, retain: true });
      } catch (e) {
        // The cart keeps the last list it got; the next change tries again.
        this.o.logger.error({ err: e, gatewayId: id }, 'patient lists: the cart’s list could not be published');
      }
    }
  }
}
