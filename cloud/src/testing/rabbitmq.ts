/**
 * Starts a real RabbitMQ cluster (Debian package rabbitmq-server, MQTT plugin) for tests, the chaos
 * run and benches: N nodes on loopback, each with its own name, ports, Mnesia and log directories
 * and config in one temp directory, a shared Erlang cookie, and a private epmd on its own port (so
 * two clusters on one machine never see each other). The first node starts alone; the others join
 * it through classic peer discovery. Durable MQTT sessions (clean session off, QoS 1) are quorum
 * queues replicated on every node, so a persistent session survives the loss of a minority.
 *
 * Nodes run the VM in the foreground (RUNNING_UNDER_SYSTEMD makes the start script exec erl), so the
 * child's pid is the VM's: kill() is a real SIGKILL of a broker node.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './mosquitto.js';

const execFileAsync = promisify(execFile);
const RABBIT_BIN = '/usr/lib/rabbitmq/bin';

export interface RabbitNode {
  /** Erlang node name, e.g. telecart1@localhost. */
  readonly name: string;
  readonly mqttPort: number;
  /** mqtt://127.0.0.1:PORT of this node alone. */
  readonly url: string;
  pid(): number | null;
  /** SIGKILL (or the given signal) the node's VM, as a crash of that machine would. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts the node again with its data: it rejoins the cluster. */
  start(): Promise<void>;
  /** What the node wrote to its stdout/stderr (boot errors). */
  log(): string;
}

export interface RabbitCluster {
  readonly nodes: readonly RabbitNode[];
  /** Every node's MQTT URL, comma-separated: the broker list the gateways and the cloud take. */
  readonly urls: string;
  readonly dir: string;
  /** Runs rabbitmqctl against a node (default: the first running one); resolves with its stdout. */
  ctl(args: string[], node?: RabbitNode): Promise<string>;
  stop(): Promise<void>;
}

export interface RabbitClusterOptions {
  /** Default 3: a node lost leaves a majority (quorum queues and the MQTT client-id tracker need one). */
  nodes?: number;
  /** Give up waiting for a node after this long (default 90 s: boots are slow on a busy machine). */
  bootTimeoutMs?: number;
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

export async function startRabbitCluster(opts: RabbitClusterOptions = {}): Promise<RabbitCluster> {
  const count = opts.nodes ?? 3;
  if (count < 1) throw new Error(`a RabbitMQ cluster needs at least one node (got ${count})`);
  const bootTimeoutMs = opts.bootTimeoutMs ?? 90_000;
  const dir = mkdtempSync(join(tmpdir(), 'telecart-rabbit-'));
  // The cookie every node and rabbitmqctl read from $HOME: nodes with different cookies cannot cluster.
  writeFileSync(join(dir, '.erlang.cookie'), `telecart-${process.pid}-${Date.now()}`, { mode: 0o400 });
  const epmdPort = await freePort();
  const names = Array.from({ length: count }, (_, i) => `telecart${i + 1}@localhost`);
  const baseEnv = {
    ...process.env,
    HOME: dir,
    ERL_EPMD_PORT: String(epmdPort),
    ERL_EPMD_ADDRESS: '127.0.0.1',
  };

  const nodes: (RabbitNode & { exited(): Promise<void> })[] = [];
  for (let i = 0; i < count; i++) {
    const name = names[i] as string;
    const nodeDir = join(dir, `node${i + 1}`);
    mkdirSync(nodeDir);
    const [mqttPort, amqpPort, distPort] = [await freePort(), await freePort(), await freePort()];
    const config = join(nodeDir, 'rabbitmq.conf');
    writeFileSync(
      config,
      [
        `listeners.tcp.default = 127.0.0.1:${amqpPort}`,
        `mqtt.listeners.tcp.default = 127.0.0.1:${mqttPort}`,
        'mqtt.allow_anonymous = true',
        // Persistent MQTT sessions as quorum queues: replicated on every node (3.10 default: classic, one node).
        'mqtt.durable_queue_type = quorum',
        'loopback_users = none',
        'cluster_formation.peer_discovery_backend = classic_config',
        `cluster_formation.classic_config.nodes.1 = ${names[0]}`,
        'log.console = false',
        'log.file.level = warning',
        '',
      ].join('\n'),
    );
    const env = {
      ...baseEnv,
      RUNNING_UNDER_SYSTEMD: 'true',
      RABBITMQ_NODENAME: name,
      RABBITMQ_DIST_PORT: String(distPort),
      RABBITMQ_BASE: nodeDir,
      RABBITMQ_MNESIA_BASE: join(nodeDir, 'mnesia'),
      RABBITMQ_LOG_BASE: join(nodeDir, 'log'),
      RABBITMQ_CONFIG_FILE: config,
      RABBITMQ_ENABLED_PLUGINS: 'rabbitmq_mqtt',
      RABBITMQ_ENABLED_PLUGINS_FILE: join(nodeDir, 'enabled_plugins'),
      RABBITMQ_PID_FILE: join(nodeDir, 'pid'),
      // Erlang distribution on loopback only.
      RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: '-kernel inet_dist_use_interface {127,0,0,1}',
    };
    let proc: ChildProcess | null = null;
    let exit: Promise<void> = Promise.resolve();
    let logText = '';
    const start = async (): Promise<void> => {
      const p = spawn(join(RABBIT_BIN, 'rabbitmq-server'), [], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      const onData = (d: Buffer) => {
        logText = (logText + d.toString('utf8')).slice(-32_000);
      };
      p.stdout?.on('data', onData);
      p.stderr?.on('data', onData);
      exit = new Promise((resolve) => p.once('exit', () => resolve()));
      proc = p;
      const deadline = Date.now() + bootTimeoutMs;
      while (!(await portOpen(mqttPort))) {
        if (p.exitCode !== null || p.signalCode !== null)
          throw new Error(`RabbitMQ node ${name} exited (${p.exitCode ?? p.signalCode}) before listening:\n${logText}`);
        if (Date.now() > deadline) throw new Error(`RabbitMQ node ${name} did not listen for MQTT within ${bootTimeoutMs} ms:\n${logText}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    const kill = async (signal: NodeJS.Signals = 'SIGKILL'): Promise<void> => {
      const p = proc;
      proc = null;
      if (p === null || p.exitCode !== null || p.signalCode !== null) return;
      p.kill(signal);
      await exit;
    };
    nodes.push({
      name,
      mqttPort,
      url: `mqtt://127.0.0.1:${mqttPort}`,
      pid: () => (proc !== null && proc.exitCode === null && proc.signalCode === null ? (proc.pid ?? null) : null),
      kill,
      start,
      log: () => logText,
      exited: () => exit,
    });
  }

  const ctl = async (args: string[], node?: RabbitNode): Promise<string> => {
    const target = node ?? nodes.find((n) => n.pid() !== null);
    if (target === undefined) throw new Error('rabbitmqctl: no RabbitMQ node is running');
    const r = await execFileAsync(join(RABBIT_BIN, 'rabbitmqctl'), ['-n', target.name, ...args], { env: baseEnv });
    return r.stdout;
  };

  const stop = async (): Promise<void> => {
    // SIGTERM: the VM stops the broker cleanly; SIGKILL if it takes too long.
    await Promise.all(
      nodes.map(async (n) => {
        if (n.pid() === null) return;
        const timer = setTimeout(() => void n.kill('SIGKILL'), 20_000);
        await n.kill('SIGTERM');
        clearTimeout(timer);
      }),
    );
    // The epmd the first node started on our private port (it outlives the VMs).
    await execFileAsync('epmd', ['-port', String(epmdPort), '-kill'], { env: baseEnv }).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  };
  // A test process that dies without stop() leaves no broker behind.
  const onExit = () => {
    for (const n of nodes) {
      const pid = n.pid();
      if (pid !== null) process.kill(pid, 'SIGKILL');
    }
  };
  process.once('exit', onExit);

  try {
    const [first, ...rest] = nodes;
    await (first as RabbitNode).start();
    await Promise.all(rest.map((n) => n.start()));
    await ctl(['await_online_nodes', String(count), '--timeout', String(Math.ceil(bootTimeoutMs / 1000))]);
  } catch (e) {
    await stop();
    process.removeListener('exit', onExit);
    throw e;
  }
  return {
    nodes,
    urls: nodes.map((n) => n.url).join(','),
    dir,
    ctl,
    stop: async () => {
      process.removeListener('exit', onExit);
      await stop();
    },
  };
}
