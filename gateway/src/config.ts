/**
 * The gateway configuration: one TypeBox schema (with documented defaults), plus the checks a
 * schema cannot express (home patient exists, INS keys valid, time zone known…), joined in
 * `validateGatewayConfig`, the one validation `config check` and the runtime share.
 */
import { CloneType, type Static, Type } from '@sinclair/typebox';
import { type BleWatchRule, DEVICE_DEFINITIONS } from '@telecart/devices';
import {
  type ConfigIssue,
  type ConfigPath,
  type ConfigValidation,
  formatConfigIssue,
  GatewayId,
  isCalendarDate,
  isTimeZone,
  MAX_BATCH_OBSERVATIONS,
  MAX_PAYLOAD_BYTES,
  nearestKey,
  PatientRef,
  validateConfig,
} from '@telecart/protocol';
import { AudioConfig } from './audio/config.js';
import { ClockPolicyConfig, DefinitionsConfig, PairingConfig } from './devices/ble-config.js';
import { GatewayMqttVersion, GatewayTlsConfig } from './enrollment/config.js';
import { CameraConfig, checkMediaConfig, MediaConfig, pipelineValueProblem } from './media/config.js';
import { checkNir, INS_OIDS } from './patient/ins.js';
import { checkSerialConfig, SerialConfig } from './serial/config.js';
import { RECONNECT_DEFAULTS } from './sync/backoff.js';

export const PatientConfig = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 64, description: 'local patient id (unique in this config)' }),
    // The wire's INS shape; the check key is verified by checkGatewayConfig.
    ins: Type.Optional(PatientRef.properties.ins),
    insOid: Type.Optional(
      Type.Union(
        Object.values(INS_OIDS).map((o) => Type.Literal(o)),
        { description: 'OID qualifying the INS: .8 NIR, .9 NIA, .10 test, .11 demo; required with `ins`' },
      ),
    ),
    family: Type.String({ minLength: 1, maxLength: 128, description: 'family name' }),
    given: Type.String({ minLength: 1, maxLength: 128, description: 'given name' }),
    birthDate: Type.Optional(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'YYYY-MM-DD' })),
    room: Type.Optional(Type.String({ minLength: 1, maxLength: 32, description: 'EHPAD room, shown to the nurse' })),
  },
  { additionalProperties: false },
);
export type PatientConfig = Static<typeof PatientConfig>;

/** A multi-user device (scale, cuff): its user index N belongs to this patient. */
export const DeviceUserConfig = Type.Object(
  {
    deviceId: Type.String({ minLength: 1, maxLength: 128, description: "e.g. 'ble:C0:FF:EE:00:00:02'" }),
    userIndex: Type.Integer({ minimum: 0, maximum: 254, description: 'the user number the device puts on the reading' }),
    patientId: Type.String({ minLength: 1, maxLength: 64, description: 'a patients[].id' }),
  },
  { additionalProperties: false },
);
export type DeviceUserConfig = Static<typeof DeviceUserConfig>;

export const WatchRuleConfig = Type.Object(
  {
    services: Type.Array(Type.String({ minLength: 4, maxLength: 36 }), { description: "advertised services, '1810' or full UUID" }),
    subscribe: Type.Array(Type.String({ minLength: 4, maxLength: 36 }), {
      minItems: 1,
      description: "characteristics to listen to, '2A35' or full UUID",
    }),
    namePattern: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'regular expression on the advertised name' })),
  },
  { additionalProperties: false },
);
export type WatchRuleConfig = Static<typeof WatchRuleConfig>;

/** The standard GATT health profiles the codecs decode. */
export const DEFAULT_WATCH_RULES: WatchRuleConfig[] = [
  { services: ['1810'], subscribe: ['2A35', '2A36'] },
  { services: ['181D'], subscribe: ['2A9D'] },
  { services: ['1822'], subscribe: ['2A5E', '2A5F'] },
  { services: ['1809'], subscribe: ['2A1C', '2A1E'] },
  { services: ['180D'], subscribe: ['2A37'] },
  { services: ['1808'], subscribe: ['2A18', '2A34', '2A52'] },
];

export const GatewayConfig = Type.Object(
  {
    gatewayId: CloneType(GatewayId, { description: "this gateway's id: its MQTT client id and topic segment" }),
    dataDir: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 4096,
        description:
          'where the store (gateway.sqlite) lives, relative to the working directory; `--data-dir` overrides it; default data/gateway-<gatewayId>',
      }),
    ),
    mode: Type.Union([Type.Literal('cart'), Type.Literal('home')], {
      description:
        "'cart': the nurse selects the patient; 'home': every reading belongs to the kit's patient (homePatientId, then the directory's)",
    }),
    patients: Type.Array(PatientConfig, { default: [], maxItems: 2000, description: 'residents (cart) or the kit patient (home)' }),
    homePatientId: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 64,
        description: "home mode: the kit's patient until the cloud's list came; then the directory's patient of the kit",
      }),
    ),
    deviceUsers: Type.Array(DeviceUserConfig, {
      default: [],
      description: "(deviceId, userIndex) → patient, until the cloud's list brings the cart's mappings",
    }),
    ble: Type.Object(
      {
        enabled: Type.Boolean({ default: false, description: 'read BLE devices through BlueZ' }),
        busAddress: Type.Optional(Type.String({ minLength: 1, description: 'D-Bus address of BlueZ; default: the system bus' })),
        adapter: Type.Optional(Type.String({ minLength: 1, description: "e.g. 'hci0'; default: BlueZ's first adapter" })),
        watch: Type.Array(WatchRuleConfig, {
          default: DEFAULT_WATCH_RULES,
          description: 'devices advertising one of `services` are connected and their `subscribe` characteristics listened to',
        }),
        definitions: DefinitionsConfig,
        pairing: PairingConfig,
        clock: Type.Array(ClockPolicyConfig, { default: [], description: 'per device/definition clock drift policy overrides' }),
      },
      { default: {}, additionalProperties: false },
    ),
    sync: Type.Object(
      {
        // 1,000 readings ≈ 36 B/reading on the wire with deflate (200: 40 B); larger batches amortise the cloud's commit (docs/encoding.md).
        batchMaxCount: Type.Integer({ minimum: 1, maximum: MAX_BATCH_OBSERVATIONS, default: 1000, description: 'readings per batch' }),
        mqttVersion: GatewayMqttVersion,
        batchMaxBytes: Type.Integer({
          minimum: 4096,
          maximum: MAX_PAYLOAD_BYTES,
          default: 1024 * 1024,
          description: 'whole batch payload as JSON, before deflate (~36 KB on the wire for 1,000 spot readings)',
        }),
        ackTimeoutMs: Type.Integer({ minimum: 50, default: 30_000, description: 'a batch not acked by then is sent again' }),
        inFlight: Type.Integer({ minimum: 1, maximum: 64, default: 8, description: 'batches awaiting their ack (bytes bounded apart)' }),
        statusIntervalMs: Type.Integer({ minimum: 100, default: 60_000, description: 'online status + backlog, retained' }),
        reconnectPeriodMs: Type.Integer({
          minimum: 50,
          default: RECONNECT_DEFAULTS.baseMs,
          description: 'first MQTT reconnect delay, doubled per failure (±50 % jitter)',
        }),
        reconnectMaxMs: Type.Integer({ minimum: 50, default: RECONNECT_DEFAULTS.maxMs, description: 'ceiling of the reconnect delay' }),
        // Link budget of the lanes (docs/sync-protocol.md): what may be on the wire ahead of an alarm.
        waveformBatchMaxBytes: Type.Integer({
          minimum: 1024,
          maximum: MAX_PAYLOAD_BYTES,
          default: 16 * 1024,
          description: 'one waveform batch (JSON bytes)',
        }),
        waveformInFlight: Type.Integer({ minimum: 1, maximum: 16, default: 1, description: 'waveform batches awaiting their ack at once' }),
        maxBufferedBytes: Type.Integer({
          minimum: 1024,
          default: 16 * 1024,
          description: 'no spot/waveform batch is written while the socket buffers more',
        }),
        maxUnackedBytes: Type.Integer({
          minimum: 1024,
          default: 32 * 1024,
          description: 'floor of the encoded spot+waveform bytes unacked',
        }),
        unackedTargetMs: Type.Integer({
          minimum: 10,
          default: 250,
          description: 'unacked spot+waveform bytes may reach what the link clears in this time (measured delivery rate)',
        }),
        payloadFormat: Type.Union([Type.Literal('json+deflate'), Type.Literal('json')], {
          default: 'json+deflate',
          description: 'batch encoding (docs/encoding.md)',
        }),
      },
      { default: {}, additionalProperties: false },
    ),
    store: Type.Object(
      {
        maxBytes: Type.Integer({
          minimum: 1024 * 1024,
          default: 2 * 1024 ** 3,
          description: 'hard cap on the JSON bytes of readings kept; past it new readings are refused, never old ones deleted',
        }),
        waveformStopRatio: Type.Number({
          exclusiveMinimum: 0,
          maximum: 1,
          default: 0.8,
          description: 'fraction of maxBytes past which waveform capture is refused and the store alarm raised',
        }),
      },
      { default: {}, additionalProperties: false },
    ),
    nurseSignIn: Type.Object(
      {
        // No schema default: it depends on the mode (nurseSignInRequired).
        required: Type.Optional(
          Type.Boolean({
            description:
              'true: the API routes that change things (patient context, assignment, call and consent, conversation, recordings) need a signed-in nurse (401 otherwise); default: true in cart mode, false in home mode; see docs/nurse-sign-in.md',
          }),
        ),
        lockAfterSeconds: Type.Integer({
          minimum: 15,
          maximum: 3600,
          default: 120,
          description: 'the nurse page locks, and the nurse session ends, after this long without use',
        }),
        badgeReaderPath: Type.Optional(
          Type.String({
            minLength: 1,
            description:
              "the serial port of the cart's badge reader (13.56 MHz, USB serial mode: UID as hex + CR LF), e.g. /dev/serial/by-id/usb-…; a tap of a known nurse's badge signs them in",
          }),
        ),
      },
      { default: {}, additionalProperties: false },
    ),
    http: Type.Object(
      {
        host: Type.String({ default: '127.0.0.1', description: 'nurse page and API address; loopback keeps it on the cart' }),
        port: Type.Integer({ minimum: 0, maximum: 65535, default: 8081, description: 'nurse page and API port; 0 = any free port' }),
      },
      { default: {}, additionalProperties: false },
    ),
    clockDriftToleranceMs: Type.Integer({
      minimum: 0,
      default: 120_000,
      description: 'device clock off by more than this vs the receive time → receive time is used',
    }),
    timeZone: Type.String({ minLength: 1, default: 'Europe/Paris', description: 'IANA zone of the device clocks' }),
    serial: SerialConfig,
    tls: GatewayTlsConfig,
    audio: AudioConfig,
    camera: CameraConfig,
    media: MediaConfig,
  },
  { additionalProperties: false, $id: 'GatewayConfig' },
);
export type GatewayConfig = Static<typeof GatewayConfig>;

export class GatewayConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid gateway configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'GatewayConfigError';
  }
}

/** @deprecated the shared check: `isTimeZone` from @telecart/protocol. */
export const isValidTimeZone = isTimeZone;

/**
 * Everything the gateway refuses beyond the schema's structure, one issue per problem, on a
 * schema-valid config; [] when fine. `telecart config check`, `resolveGatewayConfig` and
 * `startGateway` all run this, so the check accepts exactly what the runtime accepts.
 */
export function checkGatewayConfig(c: GatewayConfig): ConfigIssue[] {
  const problems: ConfigIssue[] = [];
  const add = (path: ConfigPath, message: string) => problems.push({ path, message });
  const ids = new Set<string>();
  c.patients.forEach((p, i) => {
    if (ids.has(p.id)) add(['patients', i, 'id'], `duplicate patient id "${p.id}"`);
    ids.add(p.id);
    if (p.ins !== undefined) {
      const nir = checkNir(p.ins);
      if (!nir.ok) add(['patients', i, 'ins'], nir.reason);
      if (p.insOid === undefined) add(['patients', i, 'insOid'], `required with ins (e.g. ${INS_OIDS.nir})`);
    } else if (p.insOid !== undefined) add(['patients', i, 'insOid'], 'given without ins');
    if (p.birthDate !== undefined && !isCalendarDate(p.birthDate))
      add(['patients', i, 'birthDate'], `expected a real calendar date YYYY-MM-DD (got "${p.birthDate}")`);
  });
  if (c.mode === 'home') {
    if (c.homePatientId === undefined) add(['homePatientId'], 'required in home mode');
    else if (!ids.has(c.homePatientId)) add(['homePatientId'], `"${c.homePatientId}" is not in patients`);
  } else if (c.homePatientId !== undefined) add(['homePatientId'], 'only meaningful in home mode');
  const users = new Set<string>();
  c.deviceUsers.forEach((u, i) => {
    if (!ids.has(u.patientId)) add(['deviceUsers', i, 'patientId'], `"${u.patientId}" is not in patients`);
    const k = `${u.deviceId}#${u.userIndex}`;
    if (users.has(k)) add(['deviceUsers', i], `${u.deviceId} user ${u.userIndex} is mapped twice`);
    users.add(k);
  });
  c.ble.watch.forEach((r, i) => {
    if (r.namePattern === undefined) return;
    try {
      new RegExp(r.namePattern);
    } catch (e) {
      add(['ble', 'watch', i, 'namePattern'], (e as Error).message);
    }
  });
  // An unknown id would silently match no device.
  const definitionIds = DEVICE_DEFINITIONS.map((d) => d.id);
  c.ble.definitions?.forEach((id, i) => {
    if (definitionIds.includes(id)) return;
    const near = nearestKey(id, definitionIds);
    add(
      ['ble', 'definitions', i],
      `unknown device definition "${id}"${near ? `; did you mean "${near}"?` : ` (known: ${definitionIds.join(', ')})`}`,
    );
  });
  if (!isTimeZone(c.timeZone)) add(['timeZone'], `unknown time zone "${c.timeZone}" (expected an IANA zone such as Europe/Paris)`);
  problems.push(...checkSerialConfig(c.serial));
  problems.push(...checkMediaConfig(c.camera, c.media));
  for (const key of ['pulseServer', 'pulseDevice'] as const) {
    const p = pipelineValueProblem(c.audio.stethoscope[key]);
    if (p) add(['audio', 'stethoscope', key], p);
  }
  return problems;
}

/** Raw (parsed YAML/JSON) → a complete config with defaults, or every issue: the one gateway validation. */
export function validateGatewayConfig(raw: unknown): ConfigValidation<GatewayConfig> {
  return validateConfig(GatewayConfig, raw, checkGatewayConfig);
}

/** Raw (parsed YAML/JSON) → a complete, checked config with defaults; throws GatewayConfigError. */
export function resolveGatewayConfig(raw: unknown): GatewayConfig {
  const r = validateGatewayConfig(raw);
  if (!r.ok) throw new GatewayConfigError(r.issues.map(formatConfigIssue));
  return r.value;
}

/**
 * Whether a change on the cart needs a signed-in nurse: as configured, else by mode. A nursing-home
 * cart is shared, and consent, the patient chosen, held readings attributed and a call must name who
 * did them; a home kit has no nurse to sign in.
 */
export function nurseSignInRequired(c: Pick<GatewayConfig, 'mode' | 'nurseSignIn'>): boolean {
  return c.nurseSignIn.required ?? c.mode === 'cart';
}

/** Config watch rules → the BLE driver's rules (name patterns compiled). */
export function bleWatchRules(c: GatewayConfig): BleWatchRule[] {
  return c.ble.watch.map((r) => ({
    services: r.services,
    subscribe: r.subscribe,
    ...(r.namePattern === undefined ? {} : { namePattern: new RegExp(r.namePattern) }),
  }));
}
