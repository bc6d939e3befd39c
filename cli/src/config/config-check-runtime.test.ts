/**
 * `telecart config check` and the runtimes agree, case by case: each config below is refused by
 * the check (with its line and message), by the loading path of `telecart cloud` / `telecart
 * gateway`, and, when it passes the schema (a config built in code), by startCloud / startGateway.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { CloudConfig, startCloud } from '@telecart/cloud';
import { GatewayConfig, startGateway, validateGatewayConfig } from '@telecart/gateway';
import { pino } from 'pino';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { parse } from 'yaml';
import { resolveCloudConfig } from '../commands/cloud.js';
import { checkConfigCommand } from '../commands/config-check.js';
import { ConfigError, loadConfigFile } from './load-config.js';

interface Case {
  name: string;
  kind: 'cloud' | 'gateway';
  yaml: string;
  /** The problem line as the check prints it, after `line N: `. */
  problem: RegExp;
  /** The line it must name (omitted: the problem has none, e.g. an empty file). */
  line?: number;
}

const patient = (extra = '') => `patients:\n  - id: p1\n    family: MARTIN\n    given: Jeanne\n${extra}`;
const cart = (extra = '') => `gatewayId: cart-1\nmode: cart\n${extra}`;

const CASES: Case[] = [
  // Cloud: semantic checks the runtime made after the schema (the check used to pass them).
  {
    name: 'unknown time zone (the pages answered 500)',
    kind: 'cloud',
    yaml: 'timeZone: Europe/Pariss\n',
    problem: /^timeZone: unknown time zone "Europe\/Pariss" \(expected an IANA zone such as Europe\/Paris\)$/,
    line: 1,
  },
  {
    name: 'telemonitoring start date that is no date (the cloud refused to start)',
    kind: 'cloud',
    yaml: patient('    telemonitoring:\n      programme: heart-failure\n      since: "2026-13-01"\n'),
    problem: /^patients\.0\.telemonitoring\.since: not a valid date .*got "2026-13-01"/,
    line: 7,
  },
  {
    name: 'telemonitoring start date on 30 February (Date.parse would roll over to March)',
    kind: 'cloud',
    yaml: patient('    telemonitoring: { programme: diabetes, since: "2026-02-30" }\n'),
    problem: /^patients\.0\.telemonitoring\.since: not a valid date/,
    line: 5,
  },
  {
    name: "threshold of another programme's rule",
    kind: 'cloud',
    yaml: patient('    telemonitoring:\n      programme: copd\n      thresholds:\n        hf-weight-gain-3d: { kg: 3 }\n'),
    problem: /^patients\.0\.telemonitoring\.thresholds\.hf-weight-gain-3d: not a rule of programme copd \(its rules: spo2-low, /,
    line: 8,
  },
  {
    name: 'severe hypoglycaemia threshold above the hypoglycaemia one',
    kind: 'cloud',
    yaml: patient('    telemonitoring:\n      programme: diabetes\n      thresholds:\n        glucose-severe-hypo: { mgdl: 80 }\n'),
    problem:
      /^patients\.0\.telemonitoring\.thresholds\.glucose-severe-hypo\.mgdl: glucose-severe-hypo\.mgdl \(80\) is above glucose-hypo\.mgdl \(70\)$/,
    line: 8,
  },
  {
    name: 'mandatory non-transmission alert turned off',
    kind: 'cloud',
    yaml: patient('    telemonitoring:\n      programme: heart-failure\n      thresholds:\n        hf-no-weight: { enabled: false }\n'),
    problem:
      /^patients\.0\.telemonitoring\.thresholds\.hf-no-weight\.enabled: expected true \(mandatory .*cannot be turned off\) \(got false\)$/,
    line: 8,
  },
  {
    name: 'specialist granted a site that does not exist',
    kind: 'cloud',
    yaml: 'teleconsult:\n  sites: [{ id: nord, name: Nord, gateways: ["nord-*"] }]\n  specialists:\n    - { id: roux, name: Dr Roux, sites: [sud] }\n',
    problem: /^teleconsult\.specialists\.0\.sites\.0: unknown site "sud" \(teleconsult\.sites has: nord\)$/,
    line: 4,
  },
  {
    name: 'two specialists with one id',
    kind: 'cloud',
    yaml: 'teleconsult:\n  specialists:\n    - { id: roux, name: Dr Roux }\n    - { id: roux, name: Dr Anne Roux }\n',
    problem: /^teleconsult\.specialists\.1\.id: the id roux is used twice$/,
    line: 4,
  },
  {
    name: 'ICE server that is no STUN/TURN URL',
    kind: 'cloud',
    yaml: 'teleconsult:\n  iceServers:\n    - urls: [stun:stun.example.org:3478, "https://turn.example.org"]\n',
    problem: /^teleconsult\.iceServers\.0\.urls\.1: expected a stun:, stuns:, turn: or turns: URL/,
    line: 3,
  },
  {
    name: 'TURN server without its credential',
    kind: 'cloud',
    yaml: 'teleconsult:\n  iceServers:\n    - { urls: "turn:turn.example.org:3478", username: cart }\n',
    problem: /^teleconsult\.iceServers\.0: a TURN server needs username and credential/,
    line: 3,
  },
  {
    name: 'MQTT 5 with the embedded broker',
    kind: 'cloud',
    yaml: 'mqttVersion: 5\n',
    problem: /^mqttVersion: MQTT 5 needs an external broker/,
    line: 1,
  },
  {
    name: 'ingest workers with the embedded broker',
    kind: 'cloud',
    yaml: 'ingestWorkers: 4\n',
    problem: /^ingestWorkers: several ingest workers need an external broker/,
    line: 1,
  },
  {
    name: 'broker list naming something that is not an MQTT URL',
    kind: 'cloud',
    yaml: 'externalBrokerUrl: "mqtt://n1:1883,http://n2:1883"\n',
    problem: /^externalBrokerUrl: expected a URL starting mqtt:\/\/ .*"http:\/\/n2:1883"/,
    line: 1,
  },
  {
    name: 'broker list mixing TLS and plain nodes',
    kind: 'cloud',
    yaml: 'externalBrokerUrl: "mqtts://n1:8883,mqtt://n2:1883"\n',
    problem: /^externalBrokerUrl: broker list .* mixes TLS and plain nodes/,
    line: 1,
  },
  {
    name: 'public base URL with no host',
    kind: 'cloud',
    yaml: 'publicBaseUrl: "https://"\n',
    problem: /^publicBaseUrl: expected a URL/,
    line: 1,
  },
  {
    name: 'birth date that is no day of the calendar',
    kind: 'cloud',
    yaml: patient('    birthDate: "1938-02-31"\n'),
    problem: /^patients\.0\.birthDate: expected a real calendar date YYYY-MM-DD \(got "1938-02-31"\)$/,
    line: 5,
  },
  {
    name: 'one patient id twice',
    kind: 'cloud',
    yaml: `${patient()}  - { id: p1, family: BERNARD, given: Louis }\n`,
    problem: /^patients\.1\.id: duplicate patient id "p1": two entries would merge/,
    line: 5,
  },
  {
    name: "one cart's local id given to two patients",
    kind: 'cloud',
    yaml: `patients:
  - { id: a-r12, localId: r12, family: MARTIN, given: Jeanne, gateways: [cart-a, cart-b] }
  - { id: b-r12, localId: r12, family: DUBOIS, given: Henri, gateways: [cart-b] }
`,
    problem: /^patients\.1\.localId: local id "r12" on gateway "cart-b" already names patient "a-r12" \(patients\[0\]\)/,
    line: 3,
  },
  {
    name: "a local id that is another patient's id on the same cart",
    kind: 'cloud',
    yaml: `patients:
  - { id: r12, family: MARTIN, given: Jeanne, gateways: [cart-a] }
  - { id: a-r13, localId: r12, family: DUBOIS, given: Henri, gateways: [cart-a] }
`,
    problem: /^patients\.1\.localId: local id "r12" on gateway "cart-a" already names patient "r12"/,
    line: 3,
  },
  // Cloud: the schema's errors, in words.
  {
    name: 'wrong enum value lists the allowed ones',
    kind: 'cloud',
    yaml: 'dataAccess: everyone\n',
    problem: /^dataAccess: expected one of "clinicians", "open" \(got "everyone"\)$/,
    line: 1,
  },
  {
    name: 'misspelt optional key gets a suggestion',
    kind: 'cloud',
    yaml: 'timezone: Europe/Paris\n',
    problem: /^timezone: unknown key; did you mean "timeZone"\?$/,
    line: 1,
  },
  { name: 'empty file', kind: 'cloud', yaml: '', problem: /^the file is empty/ },
  { name: 'file with only comments', kind: 'cloud', yaml: '# to do\n', problem: /^the file is empty/ },
  {
    name: 'a list where the file needs a mapping',
    kind: 'cloud',
    yaml: '- timeZone: Europe/Paris\n',
    problem: /^\(root\): expected object/,
    line: 1,
  },
  // Gateway.
  {
    name: 'misspelt gatewayId is one missing key, not a cloud config with unexpected keys',
    kind: 'gateway',
    yaml: 'gatwayId: cart-1\nmode: cart\nclockDriftToleranceMs: 60000\nble: { enabled: false }\n',
    problem: /^gatewayId: required key is missing \(expected a string\); "gatwayId" looks like a misspelling of it$/,
    line: 1,
  },
  {
    name: 'a gateway file with a stray cloud key is still checked as a gateway file',
    kind: 'gateway',
    yaml: 'gatewayId: cart-1\ndataDir: data\n',
    problem: /^mode: required key is missing \(expected one of "cart", "home"\)$/,
    line: 1,
  },
  {
    name: 'wrong mode lists the modes',
    kind: 'gateway',
    yaml: 'gatewayId: cart-1\nmode: kart\n',
    problem: /^mode: expected one of "cart", "home" \(got "kart"\)$/,
    line: 2,
  },
  {
    name: 'camera URL that is no URL',
    kind: 'gateway',
    yaml: cart('camera:\n  url: not a url\n'),
    problem: /^camera\.url: expected a URL such as http:\/\/host\/path \(got "not a url"\)$/,
    line: 4,
  },
  {
    name: 'camera stream URI with no host',
    kind: 'gateway',
    yaml: cart('camera:\n  streamUri: "rtsp://"\n'),
    problem: /^camera\.streamUri: expected a host after rtsp:\/\/ \(got "rtsp:\/\/"\)$/,
    line: 4,
  },
  {
    name: 'camera password the GStreamer pipeline cannot take',
    kind: 'gateway',
    yaml: cart('camera:\n  url: http://10.0.0.5/onvif/device_service\n  password: "two words"\n'),
    problem: /^camera\.password: must not contain spaces or '!'/,
    line: 5,
  },
  {
    name: 'stethoscope source name the pipeline cannot take',
    kind: 'gateway',
    yaml: cart('audio:\n  stethoscope: { enabled: true, pulseDevice: "USB Steth!" }\n'),
    problem: /^audio\.stethoscope\.pulseDevice: must not contain spaces or '!'/,
    line: 4,
  },
  {
    name: 'unknown time zone',
    kind: 'gateway',
    yaml: cart('timeZone: Paris\n'),
    problem: /^timeZone: unknown time zone "Paris"/,
    line: 3,
  },
  {
    name: 'home mode without its patient',
    kind: 'gateway',
    yaml: 'gatewayId: kit-1\nmode: home\n',
    problem: /^homePatientId: required in home mode$/,
    line: 1,
  },
  {
    name: 'unknown device definition',
    kind: 'gateway',
    yaml: cart('ble:\n  definitions: [nonin-323]\n'),
    problem: /^ble\.definitions\.0: unknown device definition "nonin-323"/,
    line: 4,
  },
  {
    name: 'ICE port range with one end',
    kind: 'gateway',
    yaml: cart('media:\n  ice:\n    portMin: 40000\n'),
    problem: /^media\.ice\.portMax: required with portMin/,
    line: 5,
  },
  {
    name: 'serial device that cannot be found',
    kind: 'gateway',
    yaml: cart('serial:\n  devices:\n    - { id: ox1, format: nonin-df8 }\n'),
    problem: /^serial\.devices\.0: give a path or usb\.serialNumber \/ usb\.vendorId$/,
    line: 5,
  },
  {
    name: 'INS OID that is none of the four lists them',
    kind: 'gateway',
    yaml: cart('patients:\n  - { id: r1, family: A, given: B, ins: "238016912304522", insOid: 1.2.3 }\n'),
    problem: /^patients\.0\.insOid: expected one of "1\.2\.250\.1\.213\.1\.4\.8", .*\(got "1\.2\.3"\)$/,
    line: 4,
  },
  {
    name: 'gateway birth date that is no day',
    kind: 'gateway',
    yaml: cart('patients:\n  - { id: r1, family: A, given: B, birthDate: "1951-13-01" }\n'),
    problem: /^patients\.0\.birthDate: expected a real calendar date/,
    line: 4,
  },
];

const dir = mkdtempSync(join(tmpdir(), 'telecart-config-check-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

/** The problem lines `config check` printed, and its exit code. */
function runCheck(file: string): { code: number; problems: string[] } {
  let err = '';
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    err += String(chunk);
    return true;
  });
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  const code = checkConfigCommand(file);
  vi.restoreAllMocks();
  return {
    code,
    problems: err
      .split('\n')
      .filter((l) => l.startsWith('  - '))
      .map((l) => l.slice(4)),
  };
}

/** What the runtime's loading path says: the file as `telecart cloud --config` / `telecart gateway --config` loads it. */
function runtimeLoad(c: Case, file: string): string[] {
  try {
    if (c.kind === 'cloud') resolveCloudConfig({ config: file });
    else loadConfigFile(validateGatewayConfig, file);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}

/** What startCloud / startGateway say about the same config built in code (schema-valid configs only). */
async function runtimeStart(c: Case, raw: unknown, dataDir: string): Promise<string> {
  try {
    if (c.kind === 'cloud') {
      const cloud = await startCloud({
        ...(Value.Default(CloudConfig, structuredClone(raw)) as CloudConfig),
        dataDir,
        mqttPort: 0,
        httpPort: 0,
        logger: pino({ level: 'silent' }),
      });
      await cloud.stop();
    } else {
      const config = Value.Default(GatewayConfig, structuredClone(raw)) as GatewayConfig;
      const gw = await startGateway({ config: { ...config, http: { ...config.http, port: 0 } }, dataDir, cloudUrl: 'mqtt://127.0.0.1:9' });
      await gw.stop();
    }
  } catch (e) {
    return (e as Error).message;
  }
  return 'started';
}

describe('config check refuses what the runtime refuses, with the same message', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const file = join(dir, `${c.name.replace(/[^a-z0-9]+/gi, '-')}.yaml`);
    writeFileSync(file, c.yaml);

    const check = runCheck(file);
    expect(check.code).toBe(1);
    const shown = check.problems.find((p) => c.problem.test(p.replace(/^line \d+: /, '')));
    expect(shown, `config check said:\n${check.problems.join('\n')}`).toBeDefined();
    if (c.line !== undefined) expect(shown).toMatch(new RegExp(`^line ${c.line}: `));
    else expect(shown).not.toMatch(/^line /);

    // The runtime's loader: the same line, word for word.
    expect(runtimeLoad(c, file)).toContain(shown);

    // A config that passes the schema reaches the start function: it must refuse it too, with the same words.
    const raw: unknown = parse(c.yaml);
    const schema = c.kind === 'cloud' ? CloudConfig : GatewayConfig;
    if (raw !== null && Value.Check(schema, Value.Default(schema, structuredClone(raw)))) {
      const started = await runtimeStart(c, raw, mkdtempSync(join(dir, 'data-')));
      expect(started).toContain(String(shown).replace(/^line \d+: /, ''));
    }
  });

  it('the examples in configs/ pass the check and the runtime loaders', () => {
    for (const [f, kind] of [
      ['cloud.yaml', 'cloud'],
      ['ehpad-cart.yaml', 'gateway'],
      ['home-heart-failure.yaml', 'gateway'],
    ] as const) {
      const file = new URL(`../../../configs/${f}`, import.meta.url).pathname;
      expect(runCheck(file)).toEqual({ code: 0, problems: [] });
      expect(runtimeLoad({ name: f, kind, yaml: '', problem: /./ }, file)).toEqual([]);
    }
  });
});
