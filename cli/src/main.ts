/**
 * The `telecart` command: one entry point for the demo, each service alone, the simulators
 * and the tools. Subcommands load their workspace lazily so `telecart decode` stays light.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { registerCloudSecurityCommands, registerGatewayEnrollCommand } from './commands/enroll.js';
import { gatewayBundle } from './runtime/gateway-bundle.js';
import { CLI_VERSION } from './version.js';

const program = new Command('telecart')
  .description('telecart: telemedicine cart gateway and telemonitoring cloud')
  .version(`telecart ${CLI_VERSION}`, '-V, --version', 'print the version of telecart')
  .showHelpAfterError()
  .configureOutput({ outputError: (s, write) => write(s) });

function port(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('expected a port number 0–65535');
  return n;
}
function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('expected a positive whole number');
  return n;
}
function wholeNumber(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number ≥ 0');
  return n;
}
function fraction(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0 || n > 1) throw new InvalidArgumentError('expected a number from 0 to 1');
  return n;
}
function positiveNumber(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number');
  return n;
}

program
  .command('demo', { isDefault: false })
  .description('the virtual cart: cloud + simulated devices + gateway, with the dashboard URL printed')
  .option('--data-dir <dir>', 'where the demo keeps its databases and logs', 'data')
  .option('--temp', 'use a fresh temporary data directory')
  .option('--config <file>', 'gateway configuration', 'configs/ehpad-cart.yaml')
  .addOption(new Option('--http-port <port>', 'dashboard port (another free one if taken)').default(8080).argParser(port))
  .addOption(new Option('--mqtt-port <port>', 'MQTT broker port (another free one if taken)').default(1883).argParser(port))
  .addOption(new Option('--gateway-http-port <port>', 'nurse UI port (another free one if taken)').default(8081).argParser(port))
  .addOption(
    new Option('--mailbox-port <port>', "port of the mailbox page (the demo's e-mails and SMS; another free one if taken)")
      .default(8025)
      .argParser(port),
  )
  .addOption(new Option('--interval <ms>', 'how often each simulated device measures').default(4000).argParser(positiveInt))
  .addOption(new Option('--room-minutes <m>', 'how long the virtual nurse stays with each patient').default(1).argParser(positiveNumber))
  .addOption(new Option('--seed <n>', 'simulator random seed').default(1).argParser(positiveInt))
  .action(async (o) => {
    const { runDemo } = await import('./commands/demo.js');
    await runDemo({
      dataDir: o.dataDir,
      temp: Boolean(o.temp),
      config: o.config,
      httpPort: o.httpPort,
      mqttPort: o.mqttPort,
      gatewayHttpPort: o.gatewayHttpPort,
      mailboxPort: o.mailboxPort,
      intervalMs: o.interval,
      roomMinutes: o.roomMinutes,
      seed: o.seed,
    });
  });

const cloud = program
  .command('cloud')
  .description('the telemonitoring cloud: embedded MQTT broker, ingest, store, API and dashboard')
  .option('--config <file>', 'cloud configuration (YAML or JSON)')
  .option('--data-dir <dir>', 'where the cloud keeps its database')
  .addOption(new Option('--mqtt-port <port>', 'embedded broker port').argParser(port))
  .addOption(new Option('--http-port <port>', 'HTTP API and dashboard port').argParser(port))
  .option('--host <host>', 'address to listen on')
  .option('--broker <url>', 'use an external MQTT broker instead of the embedded one')
  .option('--db <url>', 'keep the store in PostgreSQL (postgres://user:password@host:5432/db) instead of SQLite')
  .addOption(new Option('--ingest-workers <n>', 'ingest worker processes sharing the uplinks (needs --broker)').argParser(positiveInt))
  .addOption(
    new Option('--mqtt-version <v>', 'MQTT protocol of the ingest: 4 (3.1.1) or 5').choices(['4', '5']).argParser((v) => Number(v)),
  )
  .option('--tls', 'mutual TLS, gateway enrollment and revocation (docs/security.md)')
  .action(async (o) => {
    if (o.ingestWorkers !== undefined || o.mqttVersion !== undefined || o.tls) {
      const { runScaledCloud } = await import('./commands/ingest-workers.js');
      await runScaledCloud(o);
      return;
    }
    const { runCloudCommand } = await import('./commands/cloud.js');
    await runCloudCommand(o);
  });
registerCloudSecurityCommands(cloud);
cloud
  .command('hash-password')
  .description('read a specialist password on stdin, print its scrypt hash for teleconsult.specialists[].passwordHash')
  .action(async () => {
    const { hashPasswordCommand } = await import('./commands/cloud.js');
    await hashPasswordCommand();
  });
cloud
  .command('totp-enroll <id>')
  .description(
    'a new TOTP second factor for a local account: prints once the otpauth:// URI (for the authenticator app) and the secret, and the encrypted value for teleconsult.specialists[].totp',
  )
  .requiredOption('--key-file <path>', 'the 32-byte key file of teleconsult.totpKeyFile (create it with: openssl rand -hex 32 > file)')
  .action(async (id: string, o: { keyFile: string }) => {
    const { totpEnrollCommand } = await import('./commands/cloud.js');
    await totpEnrollCommand(id, o.keyFile);
  });
cloud
  .command('specialist-token')
  .description('make an API token for a specialist (Authorization: Bearer); prints the token once and its SHA-256 for the config')
  .action(async () => {
    const { specialistTokenCommand } = await import('./commands/cloud.js');
    await specialistTokenCommand();
  });

/** `telecart gateway` from its bundle when built and current (runtime/gateway-bundle.ts), else from the modules. */
async function loadGatewayCommand(): Promise<typeof import('./commands/gateway.js')> {
  const bundle = gatewayBundle(new URL('./', import.meta.url));
  if (bundle.entry) return (await import(bundle.entry.href)) as typeof import('./commands/gateway.js');
  if (bundle.reason !== 'not built') process.stderr.write(`telecart gateway: its bundle is ${bundle.reason}; running from the modules\n`);
  return import('./commands/gateway.js');
}

const gateway = program
  .command('gateway')
  .description('the edge gateway: devices → SQLite → MQTT sync, local nurse API')
  .option('--config <file>', 'gateway configuration (YAML or JSON)')
  .option('--data-dir <dir>', 'where the gateway keeps its store')
  .option('--cloud <url>', 'cloud MQTT broker URL, e.g. mqtt://127.0.0.1:1883')
  .option('--ble-bus <address>', 'D-Bus address of BlueZ (default: the system bus)')
  .addOption(new Option('--http-port <port>', 'local nurse API port').argParser(port))
  .action(async (o) => {
    const { runGatewayCommand } = await loadGatewayCommand();
    await runGatewayCommand(o);
  });
registerGatewayEnrollCommand(gateway);
gateway
  .command('status')
  .description('backlog by lane, store fill level and sync state of a gateway (its local API, else its store file, read-only)')
  .option('--url <url>', 'the gateway local API (default: from --config, else http://127.0.0.1:8081)')
  .option('--config <file>', 'gateway configuration: gives the API address and the data directory')
  .option('--data-dir <dir>', 'store to read when the gateway does not answer')
  .option('--json', 'print JSON instead of a table')
  .action(async (_o, cmd: Command) => {
    // --config/--data-dir are also the parent's options: commander may hand them to it.
    const o = cmd.optsWithGlobals();
    const { gatewayStatusCommand } = await import('./commands/gateway-status.js');
    process.exitCode = await gatewayStatusCommand(o, { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) });
  });

program
  .command('sim')
  .description(
    'simulated BLE devices (BP cuff, scale, pulse oximeter, thermometer) on a private BlueZ look-alike; prints its D-Bus address',
  )
  .addOption(new Option('--interval <ms>', 'how often each device measures').default(4000).argParser(positiveInt))
  .addOption(new Option('--seed <n>', 'random seed').default(1).argParser(positiveInt))
  .option('--time-zone <zone>', 'IANA zone the simulated device clocks are set in', 'Europe/Paris')
  .option('--devices <kinds>', 'comma-separated kinds, or "all" (adds heart-rate-monitor, glucose-meter)', 'default')
  .action(async (o) => {
    const { runSimCommand } = await import('./commands/sim.js');
    await runSimCommand(o);
  });

// `telecart sim camera`: a subcommand of `sim` (the bare `sim` runs the BLE devices).
program.commands
  .find((c) => c.name() === 'sim')
  ?.command('camera')
  .description('a simulated ONVIF PTZ camera (Device, Media, PTZ, WS-Discovery, snapshots); prints its device service URL')
  .option('--host <address>', 'address to listen on', '127.0.0.1')
  .addOption(new Option('--port <port>', 'HTTP port (0: any free port)').default(0).argParser(Number))
  .option('--user <name>', 'ONVIF user', 'admin')
  .option('--password <password>', 'ONVIF password', 'admin')
  .addOption(new Option('--auth <mode>', 'accepted authentication').choices(['none', 'wsse', 'digest', 'any']).default('any'))
  .option('--refuse-stop', 'quirk: answer Stop with a fault (only a zero-velocity move stops it)', false)
  .addOption(new Option('--clock-offset <seconds>', 'quirk: the camera clock is this many seconds off').default(0).argParser(Number))
  .option('--discovery', 'answer WS-Discovery probes on UDP 3702 (multicast group joined)', false)
  .addOption(new Option('--discovery-port <port>', 'answer WS-Discovery probes on this UDP port of --host instead').argParser(Number))
  .option('--no-stream', 'no live RTSP video stream (by default an H.264 stream shows the current pan/tilt/zoom)')
  .addOption(new Option('--rtsp-port <port>', 'RTSP port of the live stream (0: any free port)').default(0).argParser(Number))
  .action(async (o) => {
    const { runSimCameraCommand } = await import('./commands/sim-camera.js');
    await runSimCameraCommand(o);
  });

// `telecart sim fleet`: thousands of light gateways against one cloud (docs/benchmarks.md, "Fleet").
program.commands
  .find((c) => c.name() === 'sim')
  ?.command('fleet')
  .description('many simulated gateways (enrolled, mutual TLS, real batches and acks) against one cloud; prints what it measured')
  .addOption(new Option('--gateways <n>', 'how many gateways').default(100).argParser(positiveInt))
  .addOption(new Option('--duration <s>', 'seconds of readings (steady mode)').default(60).argParser(positiveNumber))
  .addOption(
    new Option('--rate <x>', 'multiplier of the real rates (home kit 5–20 a day, cart ~200 a day + ECG strips)')
      .default(1)
      .argParser(positiveNumber),
  )
  .addOption(
    new Option('--carts <share>', 'share of carts in the fleet, 0–1 (the rest are home kits)').default(0.2).argParser((v) => {
      const n = Number(v);
      if (!Number.isFinite(n) || n < 0 || n > 1) throw new InvalidArgumentError('expected a number from 0 to 1');
      return n;
    }),
  )
  .option('--json', 'print the report as one JSON object')
  .option('--cloud <url>', 'a running cloud broker (mqtts://…); default: a cloud started here in a temporary directory')
  .option('--enroll-url <url>', 'with --cloud: its enrollment endpoint (https://…)')
  .option('--cloud-data-dir <dir>', 'with --cloud: its data directory (enrollment tokens are made in its security registry)')
  .option('--cloud-db <url|file>', 'with --cloud: its store (SQLite file or postgres://…), to count what was stored')
  .option('--storm', 'reconnect storm: the cloud restarts while every gateway holds --storm-readings unsynced readings')
  .addOption(new Option('--storm-readings <n>', 'unsynced readings per gateway in the storm').default(100).argParser(positiveInt))
  .addOption(
    new Option('--ramp <s>', 'seconds over which the first connections are spread (default gateways/400)').argParser(positiveNumber),
  )
  .addOption(new Option('--drain-timeout <s>', 'seconds the last readings may take to be acked').default(120).argParser(positiveNumber))
  .addOption(
    new Option('--reconnect-base <ms>', 'first reconnect delay of each gateway, doubled per failure (default: the gateway’s)').argParser(
      positiveInt,
    ),
  )
  .addOption(new Option('--reconnect-max <ms>', 'ceiling of the reconnect delay (default: the gateway’s)').argParser(positiveInt))
  .addOption(
    new Option('--reconnect-spread <f>', 'jitter of each reconnect delay, ± this fraction (default: the gateway’s)').argParser(fraction),
  )
  .addOption(
    new Option(
      '--reconnect-after-shed <ms>',
      'least reconnect delay after an attempt the broker shed, before its jitter (default: the gateway’s; 0: as after any failure)',
    ).argParser(wholeNumber),
  )
  .addOption(
    new Option('--max-connecting <n>', 'gateways trying their first connection at once (default 64: the broker sheds beyond)').argParser(
      positiveInt,
    ),
  )
  .option('--id-prefix <prefix>', 'gateway ids are <prefix>-00001…', 'fleet')
  .option('--identities <dir>', 'keep the cloud CA and the enrolled gateway identities here, reused by the next runs')
  .option('--cloud-cpu-prof <dir>', 'run the cloud started here under node --cpu-prof; its profiles go to this directory')
  .option(
    '--cloud-intake-on-loop',
    "the cloud started here commits the ingest's writes on its event loop, not in its intake thread (before/after)",
  )
  .option(
    '--cloud-no-uplink-credit',
    "the cloud started here admits gateways at its connect rate only, not at its store's pace (before/after)",
  )
  .option(
    '--cloud-ingest-over-mqtt',
    "the cloud started here runs its ingest as an MQTT client of its broker's internal listener, not in the broker's process (before/after)",
  )
  .addOption(
    new Option(
      '--cloud-connect-hold <ms>',
      'the cloud started here holds a connection it cannot admit yet at most this long (default: the broker’s, 25 s)',
    ).argParser(positiveInt),
  )
  .addOption(
    new Option(
      '--cloud-connect-queue <n>',
      'the cloud started here holds at most this many connections, fixed (default: the admission rate × the hold, 2,000–10,000)',
    ).argParser(wholeNumber),
  )
  .option('--no-tls-resumption', 'the gateways offer no TLS session ticket on reconnect: every handshake full (before/after)')
  .addOption(
    new Option('--workers <n>', 'processes the gateways are spread over (default: one per 2,500 gateways, at most one per core)').argParser(
      positiveInt,
    ),
  )
  .addOption(new Option('--fleet-seed <n>', 'random seed of the fleet (kinds, rates, timings)').default(1).argParser(positiveInt))
  .action(async (_o, cmd: Command) => {
    const o = cmd.opts();
    const { simFleetCommand } = await import('./commands/sim-fleet.js');
    process.exitCode = await simFleetCommand(
      {
        gateways: o.gateways,
        duration: o.duration,
        rate: o.rate,
        carts: o.carts,
        json: Boolean(o.json),
        cloud: o.cloud,
        enrollUrl: o.enrollUrl,
        cloudDataDir: o.cloudDataDir,
        cloudDb: o.cloudDb,
        storm: Boolean(o.storm),
        stormReadings: o.stormReadings,
        ramp: o.ramp,
        drainTimeout: o.drainTimeout,
        ...(o.reconnectBase !== undefined ? { reconnectBaseMs: o.reconnectBase } : {}),
        ...(o.reconnectMax !== undefined ? { reconnectMaxMs: o.reconnectMax } : {}),
        ...(o.reconnectSpread !== undefined ? { reconnectSpread: o.reconnectSpread } : {}),
        ...(o.reconnectAfterShed !== undefined ? { reconnectAfterShedMs: o.reconnectAfterShed } : {}),
        ...(o.cloudConnectHold !== undefined ? { cloudConnectHoldMs: o.cloudConnectHold } : {}),
        ...(o.cloudConnectQueue !== undefined ? { cloudConnectQueue: o.cloudConnectQueue } : {}),
        idPrefix: o.idPrefix,
        seed: o.fleetSeed,
        ...(o.identities ? { identities: o.identities } : {}),
        ...(o.cloudCpuProf ? { cloudCpuProf: o.cloudCpuProf } : {}),
        ...(o.cloudIntakeOnLoop ? { cloudIntakeOnLoop: true } : {}),
        ...(o.cloudNoUplinkCredit ? { cloudNoUplinkCredit: true } : {}),
        ...(o.cloudIngestOverMqtt ? { cloudIngestOverMqtt: true } : {}),
        ...(o.tlsResumption === false ? { noTlsResumption: true } : {}),
        ...(o.workers ? { workers: o.workers } : {}),
        ...(o.maxConnecting ? { maxConnecting: o.maxConnecting } : {}),
      },
      { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) },
    );
  });

// `telecart sim serial`: the serial devices on pseudo-terminals.
program.commands
  .find((c) => c.name() === 'sim')
  ?.command('serial')
  .description('a Nonin pulse oximeter and an OpenEEG-P2 ECG board on pseudo-terminal pairs (socat); prints the port paths')
  .option('--dir <path>', 'where the port links are made (default: a new temp directory)')
  .addOption(
    new Option('--nonin <format>', 'oximeter data format')
      .choices(['nonin-df2', 'nonin-df7', 'nonin-df8', 'nonin-df13', 'none'])
      .default('nonin-df7'),
  )
  .option('--no-ecg', 'no ECG board')
  .addOption(new Option('--seed <n>', 'random seed').default(1).argParser(positiveInt))
  .addOption(new Option('--spo2 <percent>', 'simulated SpO2').default(97).argParser(positiveInt))
  .addOption(new Option('--hr <bpm>', 'simulated heart rate').default(72).argParser(positiveInt))
  .action(async (o) => {
    const { runSimSerialCommand } = await import('./commands/sim-serial.js');
    await runSimSerialCommand(o);
  });

// `telecart sim stethoscope`: heart sounds played into a private PulseAudio server's null sink.
program.commands
  .find((c) => c.name() === 'sim')
  ?.command('stethoscope')
  .description('a simulated stethoscope: heart sounds into a private PulseAudio server; prints the server and the source to record')
  .option('--dir <path>', "PulseAudio's socket and state directory (default: a new temp directory)")
  .addOption(new Option('--seed <n>', 'random seed').default(1).argParser(positiveInt))
  .addOption(new Option('--hr <bpm>', 'heart rate').default(72).argParser(positiveInt))
  .addOption(new Option('--rate <hz>', 'sample rate').default(16000).argParser(positiveInt))
  .option('--murmur', 'add a systolic murmur', false)
  .action(async (o) => {
    const { runSimStethoscopeCommand } = await import('./commands/sim-stethoscope.js');
    await runSimStethoscopeCommand(o);
  });

program
  .command('decode')
  .description('decode a device characteristic value to FHIR R4 Observations, e.g. decode 2A35 1e8a00…')
  .argument('<characteristic>', 'characteristic, e.g. 2A35, 0x2a35 or a full UUID')
  .argument('<hex...>', 'the bytes in hex (spaces allowed)')
  .action(async (characteristic: string, hex: string[]) => {
    const { decodeCommand } = await import('./commands/decode.js');
    const r = decodeCommand(characteristic, hex);
    if (r.ok) {
      process.stdout.write(`${r.json}\n`);
      for (const note of r.notes ?? []) process.stderr.write(`telecart decode: ${note}\n`);
    } else {
      process.stderr.write(`telecart decode: ${r.message}\n`);
      process.exitCode = 1;
    }
  });

program
  .command('config')
  .description('configuration tools')
  .command('check')
  .description('validate a gateway or cloud configuration file with the checks the gateway or cloud runs at start')
  .argument('<file>')
  .option('--kind <kind>', "'gateway' or 'cloud' (default: guessed from the file's keys)")
  .action(async (file: string, o: { kind?: string }) => {
    const { checkConfigCommand } = await import('./commands/config-check.js');
    process.exitCode = checkConfigCommand(file, o.kind);
  });

program.parseAsync(process.argv).catch((e: Error) => {
  process.stderr.write(`telecart: ${e.message}\n`);
  process.exit(1);
});
