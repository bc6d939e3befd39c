/**
 * A cart's device-user mappings (migration 29), through Kysely like the directory's tables: on that
 * cart, the user index a shared device (scale, cuff) puts on its readings belongs to this directory
 * patient. One row per (cart, device, user); removing the mapping deletes it. The cart gets them with
 * its patient list (patients/publisher.ts), only for patients still on that cart: a mapping whose
 * patient left the cart stays here but is not sent.
 */
import type { ColumnType, Kysely } from 'kysely';
import type { StoreDialect } from './store-dialect.js';

type Time = ColumnType<string | Date, string, string>;

export interface CartDeviceUsersTable {
  gateway_id: string;
  device_id: string;
  user_index: number;
  patient_id: string;
  set_at: Time;
  set_by: string;
}

export interface DeviceUserDatabase {
  cart_device_users: CartDeviceUsersTable;
}

export interface DeviceUserMapping {
  gatewayId: string;
  deviceId: string;
  userIndex: number;
  /** The directory's patient id. */
  patientId: string;
  setAt: string;
  setBy: string;
}

export type DeviceUserStore = Pick<DeviceUserTables, 'list' | 'set'>;

export class DeviceUserTables {
  constructor(
    private readonly db: Kysely<DeviceUserDatabase>,
    private readonly d: StoreDialect,
  ) {}

  /** The cart's mappings, by device then user index. */
  async list(gatewayId: string): Promise<DeviceUserMapping[]> {
    const rows = await this.db
      .selectFrom('cart_device_users')
      .selectAll()
      .where('gateway_id', '=', gatewayId)
      .orderBy('device_id')
      .orderBy('user_index')
      .execute();
    return rows.map((r) => ({
      gatewayId: r.gateway_id,
      deviceId: r.device_id,
      userIndex: Number(r.user_index),
      patientId: r.patient_id,
      setAt: this.d.iso(r.set_at),
      setBy: r.set_by,
    }));
  }

  /** Maps (or with null unmaps) a device's user on a cart; returns the mapping kept now. */
  async set(
    key: { gatewayId: string; deviceId: string; userIndex: number },
    patientId: string | null,
    by: string,
    at: string,
  ): Promise<DeviceUserMapping | null> {
    const where = this.db
      .deleteFrom('cart_device_users')
      .where('gateway_id', '=', key.gatewayId)
      .where('device_id', '=', key.deviceId)
      .where('user_index', '=', key.userIndex);
    if (patientId === null) {
      await where.execute();
      return null;
    }
    const row = { patient_id: patientId, set_at: at, set_by: by };
    await this.db
      .insertInto('cart_device_users')
      .values({ gateway_id: key.gatewayId, device_id: key.deviceId, user_index: key.userIndex, ...row })
      .onConflict((oc) => oc.columns(['gateway_id', 'device_id', 'user_index']).doUpdateSet(row))
      .execute();
    return { ...key, patientId, setAt: at, setBy: by };
  }
}
