/**
 * The Carts tab's shared devices: for the cart chosen, which of its patients each user number of a
 * shared scale or cuff is (GET/PUT /api/admin/carts/:id/device-users). The patient choice is the
 * cart's patients as the cloud has them now; a refusal shows as the cloud words it.
 */
import { byId, el } from '@telecart/ui/browser';
import { type admin, format, type TextsOf } from '@telecart/ui/i18n';
import { call } from './api.js';

interface CartPatient {
  id: string;
  localId: string;
  family: string | null;
  given: string | null;
}
interface Mapping {
  deviceId: string;
  userIndex: number;
  patientId: string;
  localId: string | null;
  setAt: string;
  setBy: string;
}
interface Listing {
  deviceUsers: Mapping[];
  patients: CartPatient[];
}

export interface DeviceUsersTab {
  /** The carts of the Carts tab's list: the choice of carts. */
  setCarts(ids: readonly string[]): void;
}

export function startDeviceUsers(t: TextsOf<typeof admin>): DeviceUsersTab {
  const form = byId('device-user-form') as HTMLFormElement;
  const cartChoice = byId('du-cart') as HTMLSelectElement;
  const patientChoice = byId('du-patient') as HTMLSelectElement;
  const body = byId('device-users').querySelector('tbody') as HTMLTableSectionElement;
  const empty = byId('device-users-empty');
  const message = byId('device-users-message');
  const url = () => `api/admin/carts/${encodeURIComponent(cartChoice.value)}/device-users`;
  const label = (p: CartPatient) => `${[p.given, p.family].filter((x) => x !== null).join(' ') || p.id} (${p.localId})`;

  async function load(): Promise<void> {
    if (cartChoice.value === '') return;
    const r = await call<Listing>('GET', url());
    if (!r.ok) {
      message.textContent = r.message ? format(t.refused, { message: r.message }) : t.error;
      return;
    }
    const byPatient = new Map(r.body.patients.map((p) => [p.id, label(p)]));
    patientChoice.replaceChildren(...r.body.patients.map((p) => el('option', { value: p.id }, label(p))));
    empty.hidden = r.body.deviceUsers.length > 0;
    body.replaceChildren(
      ...r.body.deviceUsers.map((m) => {
        const who = byPatient.get(m.patientId) ?? format(t.leftCart, { patient: m.patientId });
        const remove = el('button', { type: 'button', 'data-action': 'remove' }, t.remove);
        remove.addEventListener('click', () => void save(m.deviceId, m.userIndex, null));
        return el(
          'tr',
          { 'data-device': m.deviceId, 'data-user': String(m.userIndex) },
          el('td', {}, m.deviceId),
          el('td', {}, m.userIndex),
          el('td', {}, who),
          el('td', {}, m.setBy),
          el('td', {}, remove),
        );
      }),
    );
  }

  async function save(deviceId: string, userIndex: number, patientId: string | null): Promise<void> {
    const r = await call<{ deviceUser: Mapping | null }>('PUT', url(), { deviceId, userIndex, patientId });
    if (!r.ok) {
      message.textContent = r.message ? format(t.refused, { message: r.message }) : t.error;
      return;
    }
    const patient = patientChoice.selectedOptions[0]?.textContent ?? patientId ?? '';
    message.textContent =
      patientId === null
        ? format(t.deviceUserRemoved, { device: deviceId, user: String(userIndex) })
        : format(t.deviceUserSaved, { device: deviceId, user: String(userIndex), patient });
    await load();
  }

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const f = new FormData(form);
    void save(String(f.get('deviceId') ?? ''), Number(f.get('userIndex')), String(f.get('patientId') ?? ''));
  });
  cartChoice.addEventListener('change', () => {
    message.textContent = '';
    void load();
  });

  return {
    setCarts(ids) {
      const kept = cartChoice.value;
      cartChoice.replaceChildren(...ids.map((id) => el('option', { value: id }, id)));
      if (ids.includes(kept)) cartChoice.value = kept;
      void load();
    },
  };
}
