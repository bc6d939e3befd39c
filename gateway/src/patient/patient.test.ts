import type { CartDeviceUser } from '@telecart/protocol';
import { describe, expect, it } from 'vitest';
import { GatewayConfigError, nurseSignInRequired, resolveGatewayConfig } from '../config.js';
import type { Logger } from '../logger.js';
import { CartPatientList, type CartResident } from './cart-patients.js';
import { FixedPatientError, PatientContext, type ResidentSource, UnknownPatientError } from './context.js';
import { checkNir, nirKey } from './ins.js';

describe('INS / NIR check key', () => {
  it.each([
    ['295109912611193', true],
    ['295109912611199', false],
    ['253072B07300470', true],
    ['253072A07300443', true],
    ['255081416802538', true],
  ])('%s valid=%s (python-stdnum vectors)', (nir, valid) => {
    expect(checkNir(nir).ok).toBe(valid);
  });

  it('computes keys with Corsica substitutions and rejects malformed numbers', () => {
    expect(nirKey('2951099126111')).toBe(93);
    expect(nirKey('253072B073004')).toBe(70);
    expect(nirKey('253072A073004')).toBe(43);
    expect(checkNir('253072A07300470')).toEqual({ ok: false, reason: 'check key 70 is wrong (expected 43)' });
    expect(checkNir('25508141680253').ok).toBe(false);
    expect(checkNir('455081416802538').ok).toBe(false);
  });
});

const residents = [
  { id: 'p-001', family: 'Martin', given: 'Jeanne', ins: '255081416802538', insOid: '1.2.250.1.213.1.4.10' as const },
  { id: 'p-002', family: 'Durand', given: 'Paul' },
];

describe('PatientContext', () => {
  it('cart: nothing is attributed until the nurse selects, and clearing stops it again', () => {
    const ctx = new PatientContext({ mode: 'cart', patients: residents, deviceUsers: [] });
    expect(ctx.resolve('ble:AA')).toBeNull();
    ctx.select('p-001');
    expect(ctx.resolve('ble:AA')).toEqual({
      id: 'p-001',
      ins: '255081416802538',
      insOid: '1.2.250.1.213.1.4.10',
      assignment: 'nurse-selected',
    });
    expect(ctx.resolve('ble:AA', 3)).toMatchObject({ id: 'p-001', userIndex: 3 });
    ctx.clear();
    expect(ctx.resolve('ble:AA')).toBeNull();
    expect(() => ctx.select('nobody')).toThrow(UnknownPatientError);
  });

  it('home: every reading goes to the kit patient; the selection cannot change', () => {
    const ctx = new PatientContext({ mode: 'home', patients: residents, homePatientId: 'p-002', deviceUsers: [] });
    expect(ctx.resolve('ble:AA')).toEqual({ id: 'p-002', assignment: 'home-kit' });
    expect(() => ctx.select('p-001')).toThrow(FixedPatientError);
    expect(() => ctx.clear()).toThrow(FixedPatientError);
  });

  it('multi-user device: mapped users go to their patient, unmapped users of that device are held', () => {
    const deviceUsers = [{ deviceId: 'ble:SCALE', userIndex: 1, patientId: 'p-001' }];
    const home = new PatientContext({ mode: 'home', patients: residents, homePatientId: 'p-002', deviceUsers });
    expect(home.resolve('ble:SCALE', 1)).toMatchObject({ id: 'p-001', assignment: 'device-user', userIndex: 1 });
    expect(home.resolve('ble:SCALE', 2)).toBeNull();
    expect(home.resolve('ble:SCALE')).toMatchObject({ id: 'p-002', assignment: 'home-kit' });
    expect(home.resolve('ble:CUFF', 2)).toMatchObject({ id: 'p-002', assignment: 'home-kit', userIndex: 2 });
  });
});

/** The cloud's list as CartPatientList gives it: the configuration's until a list is sent. */
class CloudList implements ResidentSource {
  private list: { at: string; patients: CartResident[]; deviceUsers?: CartDeviceUser[] } | null = null;
  private readonly listeners = new Set<() => void>();
  residents() {
    return this.list ? { source: 'cloud' as const, ...this.list } : { source: 'config' as const, at: null, patients: [] };
  }
  onChange(l: () => void) {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
  send(patients: CartResident[], deviceUsers?: CartDeviceUser[]) {
    this.list = { at: '2026-12-06T10:00:00.000Z', patients, ...(deviceUsers !== undefined ? { deviceUsers } : {}) };
    for (const l of this.listeners) l();
  }
}

describe('PatientContext with the cloud’s list', () => {
  it('the configuration seeds the choice until a list comes; then only the list counts, and a patient who left it is deselected and refused', () => {
    const cloud = new CloudList();
    const ctx = new PatientContext(
      { mode: 'cart', patients: [...residents, { id: 'r12', family: 'M', given: 'J', room: '12' }], deviceUsers: [] },
      cloud,
    );
    const lists: string[][] = [];
    const changes: (string | null)[] = [];
    ctx.on('residents', (l) => lists.push(l.patients.map((p) => p.id)));
    ctx.on('change', (p) => changes.push(p?.id ?? null));
    expect(ctx.residentList()).toMatchObject({ source: 'config', patients: [{ id: 'p-001' }, { id: 'p-002' }, { id: 'r12' }] });

    cloud.send([
      { localId: 'r12', family: 'MARTIN', given: 'Jeanne', birthDate: '1938-04-02' },
      { localId: 'r14', family: null, given: null, birthDate: null },
    ]);
    expect(ctx.residents()).toEqual([
      { id: 'r12', family: 'MARTIN', given: 'Jeanne', birthDate: '1938-04-02', room: '12' },
      { id: 'r14', family: null, given: null },
    ]);
    expect(() => ctx.select('p-001')).toThrow(/patient "p-001" is not on this cart's list/);
    ctx.select('r14');
    expect(ctx.nurseAssigned('r14')).toEqual({ id: 'r14', assignment: 'nurse-selected' });

    // r14 discharged: off the selection (readings held from now on) and refused for an assignment.
    cloud.send([{ localId: 'r12', family: 'MARTIN', given: 'Jeanne', birthDate: '1938-04-02' }]);
    expect(lists).toEqual([['r12', 'r14'], ['r12']]);
    expect(changes).toEqual(['r14', null]);
    expect(ctx.current()).toBeNull();
    expect(ctx.resolve('ble:AA')).toBeNull();
    expect(() => ctx.nurseAssigned('r14')).toThrow(UnknownPatientError);
    expect(ctx.find('r14')).toBeUndefined();
  });
});

describe('device users and the home patient from the cloud’s list', () => {
  const jeanne = { localId: 'r12', family: 'MARTIN', given: 'Jeanne', birthDate: '1938-04-02' };
  const paul = { localId: 'r14', family: 'DURAND', given: 'Paul', birthDate: null };

  it('the cloud’s mappings replace the configured ones at the next list; a list without them keeps the configuration’s', () => {
    const cloud = new CloudList();
    const ctx = new PatientContext(
      { mode: 'cart', patients: residents, deviceUsers: [{ deviceId: 'ble:SCALE', userIndex: 1, patientId: 'p-001' }] },
      cloud,
    );
    expect(ctx.resolve('ble:SCALE', 1)).toMatchObject({ id: 'p-001', assignment: 'device-user' });
    // An older cloud's list (no deviceUsers): the configured mapping stays.
    cloud.send([jeanne, paul]);
    expect(ctx.deviceUserMap()).toEqual({ source: 'config', users: [{ deviceId: 'ble:SCALE', userIndex: 1, patientId: 'p-001' }] });
    // The cloud maps user 2 to r14: user 1 is nobody's now (held), user 2 is Paul's, without a restart.
    cloud.send([jeanne, paul], [{ deviceId: 'ble:SCALE', userIndex: 2, localId: 'r14' }]);
    expect(ctx.resolve('ble:SCALE', 1)).toBeNull();
    expect(ctx.resolve('ble:SCALE', 2)).toEqual({ id: 'r14', assignment: 'device-user', userIndex: 2 });
    expect(ctx.deviceUserMap()).toEqual({ source: 'cloud', users: [{ deviceId: 'ble:SCALE', userIndex: 2, patientId: 'r14' }] });
    // An empty list of mappings is the cloud's word too: no mapping left.
    cloud.send([jeanne, paul], []);
    expect(ctx.resolve('ble:SCALE', 2)).toBeNull();
  });

  it('home: the kit’s patient is the directory’s one patient of the kit; none or an unresolved couple holds the readings', () => {
    const cloud = new CloudList();
    const ctx = new PatientContext({ mode: 'home', patients: residents, homePatientId: 'p-002', deviceUsers: [] }, cloud);
    const changes: (string | null)[] = [];
    ctx.on('change', (p) => changes.push(p?.id ?? null));
    expect(ctx.resolve('ble:CUFF')).toMatchObject({ id: 'p-002', assignment: 'home-kit' });
    cloud.send([paul]);
    expect(ctx.resolve('ble:CUFF')).toEqual({ id: 'r14', assignment: 'home-kit' });
    expect(ctx.current()?.id).toBe('r14');
    // Two patients on one kit and the configured one is neither: nobody, not a guess.
    cloud.send([jeanne, paul]);
    expect(ctx.resolve('ble:CUFF')).toBeNull();
    cloud.send([jeanne]);
    expect(ctx.resolve('ble:CUFF')).toMatchObject({ id: 'r12', assignment: 'home-kit' });
    cloud.send([]);
    expect(ctx.current()).toBeNull();
    expect(changes).toEqual(['r14', null, 'r12', null]);
    expect(() => ctx.select('r12')).toThrow(FixedPatientError);
  });

  it('a list mapping someone not on it, or one user twice, is refused and the last good one kept', () => {
    const saved = new Map<string, string>();
    const warnings: unknown[] = [];
    const logger = { warn: (o: unknown) => warnings.push(o) } as unknown as Logger;
    const list = new CartPatientList({
      gatewayId: 'cart-1',
      store: { loadMeta: (k) => saved.get(k), saveMeta: (k, v) => void saved.set(k, v) },
      logger,
      configured: [],
    });
    const msg = (deviceUsers: CartDeviceUser[]) =>
      Buffer.from(JSON.stringify({ gatewayId: 'cart-1', at: '2026-12-06T10:00:00.000Z', patients: [jeanne], deviceUsers }));
    expect(list.receive(msg([{ deviceId: 'ble:SCALE', userIndex: 1, localId: 'r12' }]))).toBe(true);
    expect(list.receive(msg([{ deviceId: 'ble:SCALE', userIndex: 2, localId: 'r14' }]))).toBe(false);
    const twice = { deviceId: 'ble:SCALE', userIndex: 3, localId: 'r12' };
    expect(list.receive(msg([twice, twice]))).toBe(false);
    expect(warnings).toMatchObject([
      { reason: 'schema', detail: 'deviceUsers: ble:SCALE user 2 → "r14", who is not on the list' },
      { reason: 'schema', detail: 'deviceUsers: ble:SCALE user 3 is mapped twice' },
    ]);
    expect(list.residents().deviceUsers).toEqual([{ deviceId: 'ble:SCALE', userIndex: 1, localId: 'r12' }]);
  });
});

describe('GatewayConfig', () => {
  it('applies the documented defaults', () => {
    const c = resolveGatewayConfig({ gatewayId: 'cart-1', mode: 'cart', patients: residents });
    expect(c).toMatchObject({
      deviceUsers: [],
      ble: { enabled: false },
      sync: { batchMaxCount: 1000, batchMaxBytes: 1048576, ackTimeoutMs: 30000, inFlight: 8 },
      http: { host: '127.0.0.1', port: 8081 },
      clockDriftToleranceMs: 120000,
      timeZone: 'Europe/Paris',
    });
    expect(c.ble.watch.map((r) => r.services[0])).toEqual(['1810', '181D', '1822', '1809', '180D', '1808']);
  });

  it('nurse sign-in is required by default on a cart, not on a home kit; a configured value wins', () => {
    const cart = resolveGatewayConfig({ gatewayId: 'cart-1', mode: 'cart', patients: residents });
    expect(nurseSignInRequired(cart)).toBe(true);
    expect(
      nurseSignInRequired(resolveGatewayConfig({ gatewayId: 'home-1', mode: 'home', patients: residents, homePatientId: 'p-001' })),
    ).toBe(false);
    expect(nurseSignInRequired({ ...cart, nurseSignIn: { ...cart.nurseSignIn, required: false } })).toBe(false);
  });

  it('reports cross-field problems in one readable line each', () => {
    const bad = () =>
      resolveGatewayConfig({
        gatewayId: 'home-7',
        mode: 'home',
        patients: [
          { id: 'p-1', family: 'A', given: 'B', ins: '295109912611199', insOid: '1.2.250.1.213.1.4.8' },
          { id: 'p-1', family: 'C', given: 'D', ins: '295109912611193' },
        ],
        deviceUsers: [{ deviceId: 'ble:X', userIndex: 1, patientId: 'p-9' }],
        timeZone: 'Mars/Olympus',
      });
    expect(bad).toThrow(GatewayConfigError);
    try {
      bad();
    } catch (e) {
      expect((e as GatewayConfigError).problems).toEqual([
        'patients.0.ins: check key 99 is wrong (expected 93)',
        'patients.1.id: duplicate patient id "p-1"',
        'patients.1.insOid: required with ins (e.g. 1.2.250.1.213.1.4.8)',
        'homePatientId: required in home mode',
        'deviceUsers.0.patientId: "p-9" is not in patients',
        'timeZone: unknown time zone "Mars/Olympus" (expected an IANA zone such as Europe/Paris)',
      ]);
    }
    expect(() => resolveGatewayConfig({ gatewayId: 'bad id', mode: 'cart' })).toThrow(/gatewayId/);
  });
});
