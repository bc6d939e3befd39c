/**
 * `telecart demo` (= `npm start`): the virtual cart. Starts a cloud, the device simulators (BLE,
 * serial, the ONVIF PTZ camera with its live stream, the stethoscope when PulseAudio is there) and
 * a gateway as separate processes with the embedded defaults, plays the nurse who selects the
 * patient of each room in turn and calls the specialist once, prints the dashboard and specialist
 * page URLs, and stops everything on Ctrl-C.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { bookDemoActs, type DemoPatient, demoActs } from '../demo/demo-agenda.js';
import { Mailbox, type SmtpCatcher, startSmtpCatcher } from '../demo/mail-catcher.js';
import { type MailboxHttp, startMailboxHttp } from '../demo/mailbox-http.js';
import { type StartedChild, startChild, stopChildren } from '../runtime/children.js';
import { demoGatewayNodeFlags } from '../runtime/gateway-node-flags.js';
import { concretePort, preferPort } from '../runtime/ports.js';

export interface DemoOptions {
  dataDir?: string;
  temp?: boolean;
  config: string;
  httpPort: number;
  mqttPort: number;
  gatewayHttpPort: number;
  /** The mailbox page's preferred port (another free one if taken). Default 8025. */
  mailboxPort?: number;
  intervalMs: number;
  roomMinutes: number;
  seed: number;
  /** When the virtual nurse calls the specialist (once); 0: never. Default 60 s. */
  callAfterMs?: number;
}

/** The demo's specialist account (configs/cloud.yaml; its password is public: demo only). */
const DEMO_SPECIALIST = { id: 'dr-demo', password: 'demo-cardio-2026' };
/** The demo's site administrator (configs/cloud.yaml; password public, demo only): the admin page, its patients' contact tab. */
export const DEMO_SITE_ADMIN = { id: 'admin-demo', password: 'demo-admin-2026' };
/** The demo's nurse (configs/cloud.yaml): the virtual nurse signs in on the cart with the password once, choosing this PIN. */
export const DEMO_NURSE = { id: 'ide-demo', password: 'demo-soins-2026', pin: '2580' };

interface Resident {
  id: string;
  family?: string;
  given?: string;
  room?: string;
}

/**
 * Where the demo gateway offers WebRTC host candidates: this machine's own non-loopback IPv4
 * addresses. A desktop Chromium gathers no loopback candidate (it needs
 * --allow-loopback-in-peer-connection) and hides its own addresses behind mDNS names, but its
 * connectivity checks reach these addresses, and the gateway learns the browser's address from
 * them (peer-reflexive). Loopback only when the machine has nothing else. Demo only: a real cart
 * lists the interfaces the specialists reach (media.ice.hostAddresses).
 */
export function demoIceAddresses(ifaces: ReturnType<typeof networkInterfaces> = networkInterfaces()): string[] {
  const v4 = Object.values(ifaces)
    .flatMap((list) => list ?? [])
    .filter((a) => a.family === 'IPv4' && !a.internal)
    .map((a) => a.address);
  return v4.length > 0 ? [...new Set(v4)].slice(0, 8) : ['127.0.0.1'];
}

export interface DemoDevices {
  serial: { nonin: string | null; ecg: string | null };
  camera: { url: string; username: string; password: string };
  /** The simulated stethoscope's PulseAudio server and source; null: none (a test tone is sent instead). */
  stethoscope: { server: string; source: string } | null;
}

/** What the demo's gateway actually runs with, written into its config so other commands find it. */
export interface DemoGatewayRun {
  /** The nurse page port the gateway listens on (the preferred one, or another free one). */
  httpPort: number;
  /** Absolute path of the gateway's data directory (its store). */
  storeDir: string;
}

type Section = Record<string, unknown>;
const section = (v: unknown): Section => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Section) : {});

/**
 * The demo's gateway configuration, derived from the given one (the file itself is left untouched)
 * and written to the data directory: the simulated serial oximeter and ECG board when it names no
 * serial device of its own; always the simulated camera (the demo is the virtual cart); the
 * simulated stethoscope as the teleconsultation's sound (or a test tone); and, unless it sets its
 * own, WebRTC host candidates on this machine's addresses; and the port and data directory the
 * gateway really uses, so `telecart gateway status --config <file>` reaches it (and its store).
 * Returns the file and the ICE addresses.
 */
export function demoGatewayConfig(
  configPath: string,
  dataDir: string,
  d: DemoDevices,
  run: DemoGatewayRun,
): { file: string; iceAddresses: string[] } {
  const raw: unknown = parseYaml(readFileSync(configPath, 'utf8'));
  const config = section(raw);
  config.dataDir = run.storeDir;
  config.http = { ...section(config.http), port: run.httpPort };
  const serial = section(config.serial);
  if (!Array.isArray(serial.devices) || serial.devices.length === 0) {
    const { nonin, ecg } = d.serial;
    serial.devices = [
      ...(nonin ? [{ id: 'demo-oximeter', name: 'Nonin (simulated)', format: 'nonin-df7', path: nonin }] : []),
      ...(ecg ? [{ id: 'demo-ecg', name: 'ECG board (simulated)', format: 'openeeg-p2', path: ecg }] : []),
    ];
    config.serial = serial;
  }
  config.camera = { ...section(config.camera), url: d.camera.url, username: d.camera.username, password: d.camera.password };
  delete (config.camera as Section).streamUri; // asked with GetStreamUri from the simulated camera
  const media = section(config.media);
  const audio = section(media.audio);
  if (d.stethoscope) {
    const audioConfig = section(config.audio);
    audioConfig.stethoscope = {
      ...section(audioConfig.stethoscope),
      enabled: true,
      pulseServer: d.stethoscope.server,
      pulseDevice: d.stethoscope.source,
    };
    config.audio = audioConfig;
  } else if (audio.source === undefined || audio.source === 'stethoscope') {
    audio.source = 'test';
  }
  media.audio = audio;
  const ice = section(media.ice);
  const given = Array.isArray(ice.hostAddresses) ? ice.hostAddresses.filter((a): a is string => typeof a === 'string') : [];
  const iceAddresses = given.length > 0 ? given : demoIceAddresses();
  ice.hostAddresses = iceAddresses;
  media.ice = ice;
  // The cart asks who is at it (docs/nurse-sign-in.md): the demo nurse signs in with her PIN.
  config.nurseSignIn = { ...section(config.nurseSignIn), required: true };
  // The virtual cart's conversation camera and microphone are simulated too (a generated picture and voice).
  media.conversation = { ...section(media.conversation), simulated: true };
  config.media = media;
  const out = join(dataDir, 'gateway.demo.yaml');
  writeFileSync(
    out,
    `# Generated by telecart demo from ${configPath}, with the simulated devices (serial, camera, stethoscope) and the port and data directory this run uses.\n${stringifyYaml(config)}`,
  );
  return { file: out, iceAddresses };
}

/** Where the demo's cloud sends its e-mail and SMS: the mail catcher of this run. */
export interface DemoMail {
  smtpPort: number;
  smsUrl: string;
  /** The environment variable the cloud reads the SMS stand-in's key from. */
  smsKeyEnv: string;
  /** The demo cart's gateway id: its site's desk gets the contact below. */
  cart: string;
}

/** A site's gateway pattern (an id, a prefix ending in *, or *) matches the gateway. */
function gatewayMatches(pattern: unknown, gatewayId: string): boolean {
  if (typeof pattern !== 'string') return false;
  return pattern.endsWith('*') ? gatewayId.startsWith(pattern.slice(0, -1)) : pattern === gatewayId;
}

/**
 * Fictitious contacts of the demo (example.org addresses, +33 6 39 98 numbers: the range ARCEP
 * keeps for fiction), so appointment invitations and reminders have somewhere to go: the demo
 * specialist, the nursing home's desk (the cart's site), the patient at home.
 */
export const DEMO_CONTACTS = {
  specialist: { email: 'dr.demo@cardiologie.example.org', phone: '+33639980001' },
  site: { email: 'infirmerie@ehpad-demo.example.org', phone: '+33639980002' },
  homePatient: { email: 'paul.leroy@example.org', phone: '+33639980003' },
} as const;

/** The outbox pointed at the mail catcher, and the contacts above (those the config sets are kept). */
function withDemoMail(config: Section, mail: DemoMail): void {
  config.outbox = {
    ...section(config.outbox),
    email: { host: '127.0.0.1', port: mail.smtpPort, tls: 'none', from: 'telecart-demo@example.org', fromName: 'Telecart (démo)' },
    sms: { provider: 'brevo', apiKeyEnv: mail.smsKeyEnv, sender: 'Telecart', url: mail.smsUrl },
    // The demo's messages show up in the mailbox within seconds.
    everySeconds: 2,
  };
  const tc = section(config.teleconsult);
  tc.specialists = (Array.isArray(tc.specialists) ? tc.specialists : []).map((s: unknown) =>
    section(s).id === DEMO_SPECIALIST.id ? { ...DEMO_CONTACTS.specialist, ...section(s) } : s,
  );
  tc.sites = (Array.isArray(tc.sites) ? tc.sites : []).map((s: unknown) => {
    const site = section(s);
    const ofCart = Array.isArray(site.gateways) && site.gateways.some((g) => gatewayMatches(g, mail.cart));
    return ofCart && site.contact === undefined ? { ...site, contact: DEMO_CONTACTS.site } : s;
  });
  tc.appointmentReminders = { checkEverySeconds: 5, ...section(tc.appointmentReminders) };
  config.teleconsult = tc;
  if (Array.isArray(config.patients))
    config.patients = config.patients.map((p: unknown) => {
      const patient = section(p);
      return patient.telemonitoring !== undefined && patient.telecom === undefined ? { ...patient, telecom: DEMO_CONTACTS.homePatient } : p;
    });
}

/** The date (YYYY-MM-DD) of an instant in a time zone. */
function dateIn(at: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(at);
  const part = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')}`;
}

/**
 * The demo's cloud configuration, derived from the given one (left untouched) and written to the
 * data directory: the ports and data directory this run uses, and every telemonitoring enrolment
 * dated the day the demo starts. The demo does not simulate the enrolled patients' home kits: with
 * the shipped fixed date, the dashboard opened on "no weight received for N days" for someone the
 * demo never measured; enrolled today, no non-transmission alert can fire before its delay.
 */
export function demoCloudConfig(
  configPath: string,
  dataDir: string,
  run: { httpPort: number; mqttPort: number; startedAt: Date; mail?: DemoMail; specialistTokenSha256?: string },
): { file: string; enrolledOn: string } {
  const config = section(parseYaml(readFileSync(configPath, 'utf8')));
  config.dataDir = join(dataDir, 'cloud');
  config.httpPort = run.httpPort;
  config.mqttPort = run.mqttPort;
  if (run.mail) withDemoMail(config, run.mail);
  if (run.specialistTokenSha256 !== undefined) {
    const tc = section(config.teleconsult);
    tc.specialists = (Array.isArray(tc.specialists) ? tc.specialists : []).map((s: unknown) =>
      section(s).id === DEMO_SPECIALIST.id ? { ...section(s), tokenSha256: run.specialistTokenSha256 } : s,
    );
    config.teleconsult = tc;
  }
  const timeZone = typeof config.timeZone === 'string' ? config.timeZone : 'UTC';
  const enrolledOn = dateIn(run.startedAt, timeZone);
  if (Array.isArray(config.patients)) {
    config.patients = config.patients.map((p: unknown) => {
      const patient = section(p);
      if (patient.telemonitoring === undefined) return p;
      return { ...patient, telemonitoring: { ...section(patient.telemonitoring), since: enrolledOn } };
    });
  }
  const out = join(dataDir, 'cloud.demo.yaml');
  writeFileSync(
    out,
    `# Generated by telecart demo from ${configPath}: this run's ports and data directory, telemonitoring enrolments dated the day the demo started.\n${stringifyYaml(config)}`,
  );
  return { file: out, enrolledOn };
}

async function json<T>(url: string, init?: RequestInit): Promise<T> {
  const res = await fetch(url, { ...init, headers: { 'content-type': 'application/json', ...init?.headers } });
  if (!res.ok) throw new Error(`${init?.method ?? 'GET'} ${url}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/**
 * The demo nurse's session cookie on the cart: her PIN; when the cart has no PIN of hers yet, the full
 * sign-in (password, checked by the cloud over MQTT) that chooses it. The cart may not have her list
 * yet just after start: tried again for up to 30 s.
 */
async function signInDemoNurse(gwUrl: string): Promise<string> {
  const post = (path: string, body: unknown) =>
    fetch(`${gwUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  let last = '';
  for (let i = 0; i < 30; i++) {
    let res = await post('/api/nurse/pin', { nurseId: DEMO_NURSE.id, pin: DEMO_NURSE.pin });
    if (res.status === 409 || res.status === 423)
      res = await post('/api/nurse/full-sign-in', { nurseId: DEMO_NURSE.id, password: DEMO_NURSE.password, pin: DEMO_NURSE.pin });
    const cookie = res.headers.get('set-cookie')?.split(';')[0];
    if (res.ok && cookie) return cookie;
    last = `HTTP ${res.status} ${await res.text()}`;
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error(`the demo nurse could not sign in on the cart: ${last}`);
}

/** The environment variable the demo's cloud reads the SMS stand-in's key from (a key made per run). */
const DEMO_SMS_KEY_ENV = 'TELECART_DEMO_SMS_KEY';
/** How many e-mails and SMS the mailbox keeps (the newest). */
const MAILBOX_MAX = 500;

/** The cloud's patients served by the cart (from the demo's cloud config), in the config's order. */
function patientsOfCart(cloudConfigFile: string, gatewayId: string): DemoPatient[] {
  const config = section(parseYaml(readFileSync(cloudConfigFile, 'utf8')));
  return (Array.isArray(config.patients) ? config.patients : [])
    .map(section)
    .filter((p) => typeof p.id === 'string' && Array.isArray(p.gateways) && p.gateways.includes(gatewayId))
    .map((p) => ({
      id: String(p.id),
      given: typeof p.given === 'string' ? p.given : undefined,
      family: typeof p.family === 'string' ? p.family : undefined,
    }));
}

export async function runDemo(o: DemoOptions): Promise<void> {
  const dataDir = o.temp ? mkdtempSync(join(tmpdir(), 'telecart-demo-')) : resolve(o.dataDir ?? 'data');
  const logs = join(dataDir, 'logs');
  mkdirSync(logs, { recursive: true });
  const children: StartedChild[] = [];
  let smtpCatcher: SmtpCatcher | null = null;
  let mailboxWeb: MailboxHttp | null = null;
  let shuttingDown = false;
  const shutdown = async (code: number) => {
    if (shuttingDown) return;
    shuttingDown = true;
    process.stdout.write('\nstopping gateway, simulators and cloud…\n');
    await stopChildren(children);
    await Promise.all([smtpCatcher?.close(), mailboxWeb?.close()]);
    if (o.temp && code === 0) {
      // A --temp run leaves nothing behind; after a failure its logs are kept to say why.
      rmSync(dataDir, { recursive: true, force: true });
      process.stdout.write(`removed ${dataDir}\n`);
    } else if (o.temp) {
      process.stdout.write(`logs kept in ${logs}\n`);
    }
    process.stdout.write('stopped.\n');
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));

  try {
    // Concrete numbers (never 0): the generated configs name the ports the services really use.
    const [httpPort, mqttPort, gwPort] = await Promise.all([
      concretePort(o.httpPort),
      concretePort(o.mqttPort),
      concretePort(o.gatewayHttpPort),
    ]);
    process.stdout.write('telecart demo: starting the cloud, the simulated devices and the gateway…\n');
    // The mail catcher first: the cloud's outbox is pointed at it.
    const mailbox = new Mailbox(MAILBOX_MAX);
    const smsKey = randomBytes(16).toString('base64url');
    smtpCatcher = await startSmtpCatcher(mailbox, {
      host: '127.0.0.1',
      port: 0,
      onError: (e) => process.stdout.write(`mail catcher: ${e.message}\n`),
    });
    mailboxWeb = await startMailboxHttp(mailbox, { host: '127.0.0.1', port: await preferPort(o.mailboxPort ?? 8025), smsApiKey: smsKey });
    const cartId = String(section(parseYaml(readFileSync(o.config, 'utf8'))).gatewayId ?? '');
    // The demo books the virtual nurse's acts as the demo specialist, with an API token made for this run.
    const apiToken = `tcs1.${randomBytes(32).toString('base64url')}`;
    const cloudConfig = demoCloudConfig('configs/cloud.yaml', dataDir, {
      httpPort,
      mqttPort,
      startedAt: new Date(),
      mail: { smtpPort: smtpCatcher.port, smsUrl: mailboxWeb.smsUrl, smsKeyEnv: DEMO_SMS_KEY_ENV, cart: cartId },
      specialistTokenSha256: createHash('sha256').update(apiToken, 'utf8').digest('hex'),
    });
    const cloud = await startChild('cloud', ['cloud', '--config', cloudConfig.file], {
      logFile: join(logs, 'cloud.log'),
      env: { [DEMO_SMS_KEY_ENV]: smsKey },
    });
    children.push(cloud);
    const sim = await startChild('sim', ['sim', '--interval', String(o.intervalMs), '--seed', String(o.seed)], {
      logFile: join(logs, 'sim.log'),
    });
    children.push(sim);
    const serial = await startChild('sim-serial', ['sim', 'serial', '--dir', join(dataDir, 'serial'), '--seed', String(o.seed)], {
      logFile: join(logs, 'sim-serial.log'),
    });
    children.push(serial);
    // The cart's PTZ camera with its live H.264 stream, behind a password made for this run.
    const cameraUser = { username: 'telecart', password: randomBytes(12).toString('base64url') };
    const camera = await startChild('sim-camera', ['sim', 'camera', '--user', cameraUser.username, '--password', cameraUser.password], {
      logFile: join(logs, 'sim-camera.log'),
    });
    children.push(camera);
    // The stethoscope needs PulseAudio (a private server); without it the consultation sends a test tone.
    const steth = await startChild('sim-stethoscope', ['sim', 'stethoscope', '--seed', String(o.seed)], {
      logFile: join(logs, 'sim-stethoscope.log'),
      timeoutMs: 20_000,
    }).catch((e: Error) => {
      process.stdout.write(`(no simulated stethoscope: ${e.message.split('\n')[0] ?? ''}; the consultation sends a test tone)\n`);
      return null;
    });
    if (steth) children.push(steth);
    const gatewayRun: DemoGatewayRun = { httpPort: gwPort, storeDir: join(dataDir, 'gateway') };
    const { file: gatewayConfig, iceAddresses } = demoGatewayConfig(
      o.config,
      dataDir,
      {
        serial: {
          nonin: typeof serial.info.nonin === 'string' ? serial.info.nonin : null,
          ecg: typeof serial.info.ecg === 'string' ? serial.info.ecg : null,
        },
        camera: { url: String(camera.info.deviceServiceUrl), ...cameraUser },
        stethoscope:
          steth && typeof steth.info.server === 'string' && typeof steth.info.source === 'string'
            ? { server: steth.info.server, source: steth.info.source }
            : null,
      },
      gatewayRun,
    );
    const gateway = await startChild(
      'gateway',
      // The port and data directory come from the generated config (as for `telecart gateway status`).
      ['gateway', '--config', gatewayConfig, '--cloud', String(cloud.info.mqttUrl), '--ble-bus', String(sim.info.busAddress)],
      {
        logFile: join(logs, 'gateway.log'),
        nodeFlags: demoGatewayNodeFlags(),
        onStarting: (detail) => process.stdout.write(`telecart demo: the gateway is ${detail}; waiting for it…\n`),
      },
    );
    children.push(gateway);

    const gwUrl = String(gateway.info.httpUrl);
    const residents = await json<Resident[]>(`${gwUrl}/api/patients`);
    // The nurse's day: a few acts with the demo specialist (their invitations go to the mailbox).
    const startedAt = new Date();
    const agendaLines = await bookDemoActs({
      cloudUrl: String(cloud.info.httpUrl),
      token: apiToken,
      gateway: cartId,
      acts: demoActs(startedAt, cartId, patientsOfCart(cloudConfig.file, cartId), DEMO_SPECIALIST.id),
      now: startedAt,
    }).catch((e: Error) => [`agenda: booking failed: ${e.message}`]);
    const name = (r: Resident) => `${r.given ?? ''} ${r.family ?? r.id}`.trim() + (r.room ? ` (room ${r.room})` : '');

    process.stdout.write(
      [
        '',
        'telecart demo is running: plain MQTT and HTTP on loopback, no TLS (demonstration only).',
        `  clinician dashboard:  ${String(cloud.info.httpUrl)}/  (sign in: ${DEMO_SPECIALIST.id} / ${DEMO_SPECIALIST.password})`,
        `  nurse UI (the cart):  ${gwUrl}/  (sign in: ${DEMO_NURSE.id}, PIN ${DEMO_NURSE.pin}; on another cart first with the password ${DEMO_NURSE.password})`,
        `  specialist page:      ${String(cloud.info.httpUrl)}/consult  (demo login: ${DEMO_SPECIALIST.id} / ${DEMO_SPECIALIST.password})`,
        `  site administration:  ${String(cloud.info.httpUrl)}/admin  (sign in: ${DEMO_SITE_ADMIN.id} / ${DEMO_SITE_ADMIN.password}; accounts, carts, patients and their contact)`,
        `  specialist's agenda:  ${String(cloud.info.httpUrl)}/agenda  (the acts booked below; the nurse page shows the cart's day)`,
        `  mailbox (e-mail/SMS): ${mailboxWeb.url}/  (invitations and reminders the cloud sent; nothing leaves this machine)`,
        `  MQTT broker:          ${String(cloud.info.mqttUrl)}`,
        `  simulated BLE bus:    ${String(sim.info.busAddress)}`,
        `  serial oximeter, ECG: ${String(serial.info.nonin)}, ${String(serial.info.ecg)}`,
        `  PTZ camera (ONVIF):   ${String(camera.info.deviceServiceUrl)}, live video ${String(camera.info.streamUri)}`,
        `  stethoscope sound:    ${steth ? `simulated heart sounds (${String(steth.info.source)})` : 'a test tone (PulseAudio not available)'}`,
        `  WebRTC:               the cart offers ${iceAddresses.join(', ')} (this machine's addresses, demo only): open the specialist page on this machine${
          iceAddresses.includes('127.0.0.1') ? '; loopback needs Chromium started with --allow-loopback-in-peer-connection' : ''
        }`,
        `  data and logs:        ${dataDir}${o.temp ? ' (removed when the demo stops)' : ''}`,
        `  configs of this run:  ${cloudConfig.file}, ${gatewayConfig} (e.g. telecart gateway status --config ${gatewayConfig})`,
        ...agendaLines,
        '',
      ].join('\n'),
    );

    // The virtual nurse signs in before each act (the cart locks after a while): her PIN, or the first
    // time on this cart her password, choosing the PIN (checked by the cloud, which sends the cart her PIN's verifier).
    // One act at a time, as one nurse does them: a sign-in starts a new session on the cart, so two acts signing
    // in together (the call and a room change both fall at one minute) would leave the first with a closed session.
    let nurseBusy: Promise<unknown> = Promise.resolve();
    const asNurse = <T>(act: (cookie: string) => Promise<T>): Promise<T> => {
      const done = nurseBusy.then(() => signInDemoNurse(gwUrl)).then(act);
      nurseBusy = done.catch(() => undefined);
      return done;
    };
    // The virtual nurse: one room after the other, as on a morning round.
    let room = 0;
    const visit = async () => {
      const r = residents[room % residents.length];
      room++;
      if (!r) return;
      await asNurse((cookie) =>
        json(`${gwUrl}/api/context/patient`, { method: 'PUT', body: JSON.stringify({ patientId: r.id }), headers: { cookie } }),
      );
      process.stdout.write(`nurse: now with ${name(r)}; readings go to this patient\n`);
    };
    await visit();
    setInterval(() => void visit().catch((e: Error) => process.stdout.write(`nurse: ${e.message}\n`)), o.roomMinutes * 60_000).unref();

    // Once, after a minute: the nurse asks for the specialist, so the waiting room has someone in it.
    const callAfterMs = o.callAfterMs ?? 60_000;
    if (callAfterMs > 0) {
      setTimeout(() => {
        asNurse((cookie) =>
          json<{ sessionId: string }>(`${gwUrl}/api/teleconsult/call`, {
            method: 'POST',
            headers: { cookie },
            // The virtual nurse has collected the resident's oral consent (CSP R.6316-2) before calling.
            body: JSON.stringify({ reason: 'Avis cardiologique (démo)', consent: { by: 'patient', method: 'oral' } }),
          }),
        ).then(
          () =>
            process.stdout.write(
              `nurse: called the specialist; the act waits at ${String(cloud.info.httpUrl)}/consult (login ${DEMO_SPECIALIST.id})\n`,
            ),
          (e: Error) => process.stdout.write(`nurse: the call failed: ${e.message}\n`),
        );
      }, callAfterMs).unref();
    }

    let last = -1;
    setInterval(async () => {
      try {
        const m = await json<{ observationsStored?: number }>(`${String(cloud.info.httpUrl)}/api/metrics/ingest`);
        const n = m.observationsStored ?? 0;
        if (n !== last) process.stdout.write(`cloud: ${n} readings stored\n`);
        last = n;
      } catch {
        /* the cloud may be stopping */
      }
    }, 5_000).unref();
    process.stdout.write('Press Ctrl-C to stop.\n');

    for (const c of children) {
      c.proc.once('exit', (code, signal) => {
        if (!shuttingDown) {
          process.stderr.write(`${c.name} stopped unexpectedly (${signal ?? code}); see ${c.logFile}\n`);
          void shutdown(1);
        }
      });
    }
  } catch (e) {
    process.stderr.write(`telecart demo: ${(e as Error).message}\n`);
    await shutdown(1);
  }
}
