/**
 * A small D-Bus object tree served over dbus-next's low-level message API: introspection with
 * correct child nodes, org.freedesktop.DBus.Properties, and org.freedesktop.DBus.ObjectManager at '/'.
 * We answer messages ourselves (instead of dbus-next's Interface classes) because the BlueZ tree is
 * dynamic (devices and GATT objects come and go) and every reply must carry BlueZ's error names.
 */
import { DBusError, Message, type MessageBus, MessageType, Variant } from 'dbus-next';

export interface PropertyDef {
  signature: string;
  /** undefined = the property is absent right now (e.g. RSSI of a device out of range). */
  get(): unknown;
  set?(value: unknown): void;
}

export interface CallContext {
  sender: string;
  path: string;
}

export interface MethodDef {
  in: string;
  out: string;
  /** Returns the single out value, or an array of them for multi-value signatures. Throw DBusError for errors. */
  call(args: unknown[], ctx: CallContext): unknown;
}

export interface InterfaceDef {
  properties?: Record<string, PropertyDef>;
  methods?: Record<string, MethodDef>;
  signals?: Record<string, string>;
}

export type ObjectDef = Record<string, InterfaceDef>;

const INTROSPECTABLE = 'org.freedesktop.DBus.Introspectable';
const PROPERTIES = 'org.freedesktop.DBus.Properties';
const OBJECT_MANAGER = 'org.freedesktop.DBus.ObjectManager';
const PEER = 'org.freedesktop.DBus.Peer';

const STANDARD: ObjectDef = {
  [INTROSPECTABLE]: { methods: { Introspect: { in: '', out: 's', call: () => '' } } },
  [PROPERTIES]: {
    methods: {
      Get: { in: 'ss', out: 'v', call: () => undefined },
      GetAll: { in: 's', out: 'a{sv}', call: () => undefined },
      Set: { in: 'ssv', out: '', call: () => undefined },
    },
    signals: { PropertiesChanged: 'sa{sv}as' },
  },
};

const OBJECT_MANAGER_DEF: InterfaceDef = {
  methods: { GetManagedObjects: { in: '', out: 'a{oa{sa{sv}}}', call: () => undefined } },
  signals: { InterfacesAdded: 'oa{sa{sv}}', InterfacesRemoved: 'oas' },
};

export const dbusErrors = {
  invalidArgs: (text: string) => new DBusError('org.freedesktop.DBus.Error.InvalidArgs', text),
  unknownObject: (path: string) => new DBusError('org.freedesktop.DBus.Error.UnknownObject', `No such object: ${path}`),
  unknownInterface: (iface: string) => new DBusError('org.freedesktop.DBus.Error.UnknownInterface', `No such interface '${iface}'`),
  unknownMethod: (iface: string, member: string) =>
    new DBusError('org.freedesktop.DBus.Error.UnknownMethod', `Method '${member}' on interface '${iface}' does not exist`),
  unknownProperty: (name: string) => new DBusError('org.freedesktop.DBus.Error.UnknownProperty', `No such property '${name}'`),
  propertyReadOnly: (name: string) => new DBusError('org.freedesktop.DBus.Error.PropertyReadOnly', `Property '${name}' is read-only`),
};

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Splits a signature into its complete types ('sa{sv}as' → ['s', 'a{sv}', 'as']). */
export function splitSignature(sig: string): string[] {
  const out: string[] = [];
  let i = 0;
  const one = (): void => {
    const c = sig[i++];
    if (c === 'a') one();
    else if (c === '(' || c === '{') {
      const close = c === '(' ? ')' : '}';
      while (sig[i] !== close) {
        if (i >= sig.length) throw new Error(`bad signature ${sig}`);
        one();
      }
      i++;
    }
  };
  while (i < sig.length) {
    const start = i;
    one();
    out.push(sig.slice(start, i));
  }
  return out;
}

function interfaceXml(name: string, def: InterfaceDef): string {
  const parts: string[] = [`  <interface name="${escapeXml(name)}">`];
  for (const [m, md] of Object.entries(def.methods ?? {})) {
    parts.push(`    <method name="${m}">`);
    for (const t of splitSignature(md.in)) parts.push(`      <arg type="${escapeXml(t)}" direction="in"/>`);
    for (const t of splitSignature(md.out)) parts.push(`      <arg type="${escapeXml(t)}" direction="out"/>`);
    parts.push('    </method>');
  }
  for (const [s, sig] of Object.entries(def.signals ?? {})) {
    parts.push(`    <signal name="${s}">`);
    for (const t of splitSignature(sig)) parts.push(`      <arg type="${escapeXml(t)}"/>`);
    parts.push('    </signal>');
  }
  for (const [p, pd] of Object.entries(def.properties ?? {})) {
    const access = pd.set ? 'readwrite' : 'read';
    parts.push(`    <property name="${p}" type="${escapeXml(pd.signature)}" access="${access}"/>`);
  }
  parts.push('  </interface>');
  return parts.join('\n');
}

export interface ObjectServerLogger {
  warn(message: string, context?: Record<string, unknown>): void;
}

export class DbusObjectServer {
  private readonly objects = new Map<string, ObjectDef>();
  private readonly handler = (msg: Message): boolean => this.onMessage(msg);

  constructor(
    private readonly bus: MessageBus,
    private readonly logger: ObjectServerLogger,
  ) {
    bus.addMethodHandler(this.handler);
  }

  detach(): void {
    this.bus.removeMethodHandler(this.handler);
  }

  has(path: string): boolean {
    return this.objects.has(path);
  }

  /** Exports an object and announces it with InterfacesAdded. */
  add(path: string, def: ObjectDef): void {
    if (this.objects.has(path)) throw new Error(`object already exported: ${path}`);
    this.objects.set(path, def);
    this.signal('/', OBJECT_MANAGER, 'InterfacesAdded', 'oa{sa{sv}}', [path, this.interfacesAndProperties(def)]);
  }

  /** Removes an object and announces it with InterfacesRemoved. */
  remove(path: string): void {
    const def = this.objects.get(path);
    if (!def) return;
    this.objects.delete(path);
    this.signal('/', OBJECT_MANAGER, 'InterfacesRemoved', 'oas', [path, [...Object.keys(STANDARD), ...Object.keys(def)]]);
  }

  /** PropertiesChanged with the current values of the named properties. */
  propertiesChanged(path: string, iface: string, names: string[]): void {
    const props = this.objects.get(path)?.[iface]?.properties;
    if (!props) return;
    const changed: Record<string, Variant> = {};
    const invalidated: string[] = [];
    for (const name of names) {
      const p = props[name];
      if (!p) continue;
      const v = p.get();
      if (v === undefined) invalidated.push(name);
      else changed[name] = new Variant(p.signature, v);
    }
    this.signal(path, PROPERTIES, 'PropertiesChanged', 'sa{sv}as', [iface, changed, invalidated]);
  }

  signal(path: string, iface: string, member: string, signature: string, body: unknown[]): void {
    try {
      this.bus.send(Message.newSignal(path, iface, member, signature, body));
    } catch (e) {
      this.logger.warn('cannot send D-Bus signal', { path, iface, member, error: String(e) });
    }
  }

  private interfacesAndProperties(def: ObjectDef): Record<string, Record<string, Variant>> {
    const out: Record<string, Record<string, Variant>> = {};
    for (const name of Object.keys(STANDARD)) out[name] = {};
    for (const [name, iface] of Object.entries(def)) out[name] = this.allProperties(iface);
    return out;
  }

  private allProperties(iface: InterfaceDef): Record<string, Variant> {
    const out: Record<string, Variant> = {};
    for (const [name, p] of Object.entries(iface.properties ?? {})) {
      const v = p.get();
      if (v !== undefined) out[name] = new Variant(p.signature, v);
    }
    return out;
  }

  private childrenOf(path: string): string[] {
    const prefix = path === '/' ? '/' : `${path}/`;
    const children = new Set<string>();
    for (const p of this.objects.keys()) {
      if (p.length > prefix.length && p.startsWith(prefix)) {
        const rest = p.slice(prefix.length);
        const first = rest.split('/')[0];
        if (first) children.add(first);
      }
    }
    return [...children].sort();
  }

  private introspect(path: string): string {
    const def = path === '/' ? { ...this.objects.get('/'), [OBJECT_MANAGER]: OBJECT_MANAGER_DEF } : this.objects.get(path);
    const parts = [
      '<!DOCTYPE node PUBLIC "-//freedesktop//DTD D-BUS Object Introspection 1.0//EN"',
      '"http://www.freedesktop.org/standards/dbus/1.0/introspect.dtd">',
      '<node>',
    ];
    if (def) {
      for (const [name, iface] of Object.entries({ ...STANDARD, ...def })) parts.push(interfaceXml(name, iface));
    } else {
      parts.push(interfaceXml(INTROSPECTABLE, STANDARD[INTROSPECTABLE] ?? {}));
    }
    for (const child of this.childrenOf(path)) parts.push(`  <node name="${escapeXml(child)}"/>`);
    parts.push('</node>');
    return parts.join('\n');
  }

  private onMessage(msg: Message): boolean {
    if (msg.type !== MessageType.METHOD_CALL) return false;
    const path = msg.path;
    const known = this.objects.has(path) || path === '/' || this.childrenOf(path).length > 0;
    if (!known) {
      this.replyError(msg, dbusErrors.unknownObject(path));
      return true;
    }
    try {
      const result = this.dispatch(msg);
      if (result instanceof Promise) {
        result.then(
          (value: unknown) => this.reply(msg, value),
          (e: unknown) => this.replyError(msg, e),
        );
      } else {
        this.reply(msg, result);
      }
    } catch (e) {
      this.replyError(msg, e);
    }
    return true;
  }

  private outSignature(msg: Message): string {
    const def: ObjectDef | undefined =
      msg.path === '/' && msg.interface === OBJECT_MANAGER ? { [OBJECT_MANAGER]: OBJECT_MANAGER_DEF } : undefined;
    const iface = msg.interface ?? '';
    const md = (def ?? STANDARD)[iface]?.methods?.[msg.member] ?? this.objects.get(msg.path)?.[iface]?.methods?.[msg.member];
    return md?.out ?? '';
  }

  private reply(msg: Message, value: unknown): void {
    const out = this.outSignature(msg);
    const n = splitSignature(out).length;
    const body = n === 0 ? [] : n === 1 ? [value] : Array.isArray(value) ? value : [value];
    try {
      this.bus.send(Message.newMethodReturn(msg, out, body));
    } catch (e) {
      this.logger.warn('cannot marshal D-Bus reply', { path: msg.path, member: msg.member, error: String(e) });
      this.replyError(msg, new DBusError('org.bluez.Error.Failed', 'internal error'));
    }
  }

  private replyError(msg: Message, e: unknown): void {
    let err: DBusError;
    if (e instanceof DBusError) err = e;
    else {
      this.logger.warn('D-Bus method handler failed', { path: msg.path, member: msg.member, error: String(e) });
      err = new DBusError('org.bluez.Error.Failed', e instanceof Error ? e.message : String(e));
    }
    // dbus-next's typing says newError takes a string; at runtime it takes the message it answers.
    const newError = Message.newError as unknown as (m: Message, name: string, text: string) => Message;
    this.bus.send(newError(msg, err.type, err.text));
  }

  private dispatch(msg: Message): unknown {
    const { path, member } = msg;
    const iface = msg.interface ?? '';
    const args: unknown[] = msg.body ?? [];
    if (iface === INTROSPECTABLE && member === 'Introspect') return this.introspect(path);
    if (iface === PEER && member === 'Ping') return undefined;
    if (path === '/' && iface === OBJECT_MANAGER && member === 'GetManagedObjects') return this.managedObjects();
    const def = this.objects.get(path);
    if (!def) throw dbusErrors.unknownObject(path);
    if (iface === PROPERTIES) return this.properties(def, member, args);
    const idef = def[iface];
    if (!idef) {
      if (!iface) throw dbusErrors.unknownMethod('(none)', member);
      throw dbusErrors.unknownInterface(iface);
    }
    const md = idef.methods?.[member];
    if (!md) throw dbusErrors.unknownMethod(iface, member);
    if ((msg.signature ?? '') !== md.in) {
      throw dbusErrors.invalidArgs(`expected signature '${md.in}', got '${msg.signature ?? ''}'`);
    }
    return md.call(args, { sender: msg.sender, path });
  }

  private properties(def: ObjectDef, member: string, args: unknown[]): unknown {
    const [ifaceName, propName, value] = args;
    if (typeof ifaceName !== 'string') throw dbusErrors.invalidArgs('interface name expected');
    const idef = def[ifaceName];
    // gdbus answers InvalidArgs for an interface the object does not have (Get, GetAll and Set alike).
    if (!idef) throw dbusErrors.invalidArgs(`No such interface '${ifaceName}'`);
    if (member === 'GetAll') return this.allProperties(idef);
    if (typeof propName !== 'string') throw dbusErrors.invalidArgs('property name expected');
    const p = idef.properties?.[propName];
    if (member === 'Get') {
      const v = p?.get();
      if (!p || v === undefined) throw dbusErrors.invalidArgs(`No such property '${propName}'`);
      return new Variant(p.signature, v);
    }
    if (member === 'Set') {
      if (!p) throw dbusErrors.unknownProperty(propName);
      if (!p.set) throw dbusErrors.propertyReadOnly(propName);
      if (!(value instanceof Variant) || value.signature !== p.signature) {
        throw dbusErrors.invalidArgs(`property '${propName}' expects type '${p.signature}'`);
      }
      p.set(value.value);
      return undefined;
    }
    throw dbusErrors.unknownMethod(PROPERTIES, member);
  }

  private managedObjects(): Record<string, Record<string, Record<string, Variant>>> {
    const out: Record<string, Record<string, Record<string, Variant>>> = {};
    for (const [path, def] of this.objects) out[path] = this.interfacesAndProperties(def);
    return out;
  }
}
