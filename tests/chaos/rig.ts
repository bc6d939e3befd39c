/**
 * One chaos rig: the simulated BLE devices on a private D-Bus, the cloud and the gateway as child
 * processes of the built CLI, and what a trial kind needs between them: a TCP proxy (partitions),
 * a restartable Mosquitto (broker kills), two network namespaces with nftables loss (packet loss),
 * a tiny tmpfs under the gateway's store (disk full). The rig lives for all the trials of a kind;
 * the gateway's and the cloud's stores persist across them, as on a real cart.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type PrivateBus, startPrivateBus, startVirtualDevices, type VirtualDevices } from '@telecart/firmware-sim';
import { freePort, type Mosquitto, startMosquitto } from '../../cloud/src/testing/mosquitto.js';
import { createNetnsPair, type NetnsPair } from '../support/netns.js';
import { type ServiceChild, startServiceChild } from '../support/service-child.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { mountTmpfs, type Tmpfs } from '../support/tmpfs.js';
import { waitFor } from '../support/wait.js';
import { deviceClock, FINAL_CHARACTERISTIC, LoadSource } from './load.js';
import { CloudView, type GatewayBacklog, gatewayBacklog } from './stores.js';

export const CLI_MAIN = fileURLToPath(new URL('../../cli/dist/main.js', import.meta.url));

export interface RigOptions {
  /** Names the gateway and the temp directory. */
  name: string;
  seed: number;
  broker: 'embedded' | 'mosquitto';
  /** A TCP proxy between the gateway and the broker. */
  proxy?: boolean;
  /** The gateway in one network namespace, the cloud (and its broker) in another. */
  netns?: boolean;
  /** The gateway's data directory on a tmpfs of this size. */
  tmpfsBytes?: number;
  /** Keep the temp directory (logs, stores) after stop(). */
  keep?: boolean;
}

/** Short timeouts so faults heal in seconds; the protocol is the same as with the defaults. */
const SYNC = { batchMaxCount: 16, ackTimeoutMs: 1500, inFlight: 4, statusIntervalMs: 2000, reconnectPeriodMs: 100, reconnectMaxMs: 800 };
const PATIENT = 'chaos-home-1';

export class Rig {
  gateway: ServiceChild | undefined;
  cloud: ServiceChild | undefined;
  readonly view: CloudView;
  readonly load: LoadSource;
  gatewayStarts = 0;
  private gatewayEnv: NodeJS.ProcessEnv = {};

  private constructor(
    readonly opts: RigOptions,
    readonly dir: string,
    readonly gatewayId: string,
    private readonly bus: PrivateBus,
    readonly devices: VirtualDevices,
    private readonly mqttPort: number,
    private readonly httpPort: number,
    readonly mosquitto: Mosquitto | undefined,
    readonly proxy: TcpProxy | undefined,
    readonly net: NetnsPair | undefined,
    readonly disk: Tmpfs | undefined,
  ) {
    this.view = new CloudView(join(dir, 'cloud', 'cloud.db'), gatewayId);
    this.load = new LoadSource(devices);
  }

  static async start(opts: RigOptions): Promise<Rig> {
    const dir = mkdtempSync(join(tmpdir(), `telecart-chaos-${opts.name}-`));
    const undo: (() => Promise<unknown> | undefined)[] = [];
    try {
      const bus = await startPrivateBus();
      undo.push(() => bus.stop());
      const devices = await startVirtualDevices({
        busAddress: bus.address,
        seed: opts.seed,
        intervalMs: 0,
        timeZone: 'UTC',
        clock: deviceClock(),
      });
      undo.push(() => devices.stop());
      const net = opts.netns ? await createNetnsPair(`tcc${process.pid % 100_000}${opts.name.slice(0, 2)}`) : undefined;
      if (net) undo.push(() => net.destroy());
      // Ports are fixed for the rig's life, so a restarted cloud or broker is where the gateway looks.
      const mqttPort = await freePort();
      const httpPort = await freePort();
      const mosquitto = opts.broker === 'mosquitto' ? await startMosquitto({ persistence: true }) : undefined;
      if (mosquitto) undo.push(() => mosquitto.stop());
      const brokerPort = mosquitto ? mosquitto.port : mqttPort;
      const proxy = opts.proxy ? await startTcpProxy({ host: '127.0.0.1', port: brokerPort }) : undefined;
      if (proxy) undo.push(() => proxy.close());
      const disk = opts.tmpfsBytes ? await mountTmpfs(join(dir, 'gateway'), opts.tmpfsBytes) : undefined;
      if (disk) undo.push(() => disk.unmount());
      const rig = new Rig(opts, dir, `chaos-${opts.name}`, bus, devices, mqttPort, httpPort, mosquitto, proxy, net, disk);
      writeFileSync(rig.configFile, rig.gatewayConfig());
      await rig.startCloud();
      await rig.startGateway();
      return rig;
    } catch (e) {
      for (const step of undo.reverse()) await step()?.catch(() => undefined);
      if (!opts.keep) rmSync(dir, { recursive: true, force: true });
      throw e;
    }
  }

  get configFile(): string {
    return join(this.dir, 'gateway.yaml');
  }

  get gatewayDb(): string {
    return join(this.dir, 'gateway', 'gateway.sqlite');
  }

  private gatewayConfig(): string {
    return [
      `gatewayId: ${this.gatewayId}`,
      'mode: home',
      `homePatientId: ${PATIENT}`,
      'timeZone: UTC',
      `patients: [{ id: ${PATIENT}, family: CHAOS, given: Trial }]`,
      'ble: { enabled: true }',
      `sync: ${JSON.stringify(SYNC)}`,
      '',
    ].join('\n');
  }

  /** The broker URL as the gateway must dial it. */
  private gatewayBrokerUrl(): string {
    if (this.proxy) return this.proxy.url('mqtt');
    if (this.mosquitto) return this.mosquitto.url;
    return `mqtt://${this.net ? this.net.addrB : '127.0.0.1'}:${this.mqttPort}`;
  }

  async startCloud(): Promise<void> {
    // The cloud stores readings only for patients its configuration assigns to the sending gateway.
    const cloudConfig = join(this.dir, 'cloud.yaml');
    writeFileSync(cloudConfig, `patients: [{ id: ${PATIENT}, family: CHAOS, given: Trial, gateways: [${this.gatewayId}] }]\n`);
    const args = ['cloud', '--config', cloudConfig, '--data-dir', join(this.dir, 'cloud'), '--http-port', String(this.httpPort)];
    if (this.mosquitto) args.push('--broker', this.mosquitto.url);
    else args.push('--mqtt-port', String(this.mqttPort));
    args.push('--host', this.net ? this.net.addrB : '127.0.0.1');
    this.cloud = await startServiceChild('cloud', args, {
      main: CLI_MAIN,
      logFile: join(this.dir, 'cloud.log'),
      env: { TELECART_LOG_LEVEL: 'warn' },
      ...(this.net ? { netns: this.net.b } : {}),
    });
  }

  /** Starts the gateway; `env` (e.g. a clock offset) sticks for later restarts until changed. */
  async startGateway(env?: NodeJS.ProcessEnv): Promise<void> {
    if (env) this.gatewayEnv = env;
    const args = ['gateway', '--config', this.configFile, '--data-dir', join(this.dir, 'gateway')];
    args.push('--cloud', this.gatewayBrokerUrl(), '--ble-bus', this.bus.address, '--http-port', '0');
    this.gatewayStarts++;
    this.gateway = await startServiceChild('gateway', args, {
      main: CLI_MAIN,
      logFile: join(this.dir, 'gateway.log'),
      env: { TELECART_LOG_LEVEL: 'info', ...this.gatewayEnv },
      ...(this.net ? { netns: this.net.a } : {}),
    });
  }

  /** Every device has a gateway listening on its final-reading characteristic. */
  subscribed(): boolean {
    return this.devices.devices.every(
      (d) => this.devices.sim.peripheral(d.address)?.isSubscribed(FINAL_CHARACTERISTIC[d.kind] ?? '') === true,
    );
  }

  async waitSubscribed(timeoutMs = 45_000): Promise<void> {
    await waitFor(() => this.subscribed(), { timeoutMs, what: `the ${this.opts.name} gateway to subscribe to all four devices` });
  }

  backlog(): GatewayBacklog | undefined {
    return gatewayBacklog(this.gatewayDb);
  }

  async stop(): Promise<void> {
    this.load.stop();
    const steps: (() => Promise<unknown>)[] = [
      async () => this.gateway?.stop(),
      async () => this.cloud?.stop(),
      async () => this.proxy?.close(),
      async () => this.mosquitto?.stop(),
      async () => this.net?.destroy(),
      async () => this.disk?.unmount(),
      () => this.devices.stop(),
      () => this.bus.stop(),
    ];
    for (const s of steps) await s().catch(() => undefined);
    if (!this.opts.keep) rmSync(this.dir, { recursive: true, force: true });
  }
}
