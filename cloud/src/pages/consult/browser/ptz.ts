/**
 * The camera's pan/tilt/zoom over the 'ptz' data channel: one velocity from everything held (arrow
 * keys, the joystick, the zoom buttons), sent as `move` and repeated every 200 ms while not zero —
 * the gateway stops the camera when the repeats stop, so a lost page cannot leave it turning —
 * then `stop`. Presets: listed, saved, gone to (also by the digit keys), removed. Each answer shows
 * its round trip.
 */
import { byId, el } from '@telecart/ui/browser';
import { format } from '@telecart/ui/i18n';
import { t } from './i18n.js';

const REPEAT_MS = 200;
/** Half speed for a key or a zoom button; the joystick gives any speed up to 1. */
const KEYS: Readonly<Record<string, readonly [number, number, number]>> = {
  ArrowLeft: [-0.5, 0, 0],
  ArrowRight: [0.5, 0, 0],
  ArrowUp: [0, 0.5, 0],
  ArrowDown: [0, -0.5, 0],
  '+': [0, 0, 0.5],
  '=': [0, 0, 0.5],
  '-': [0, 0, -0.5],
};

type Command =
  | { op: 'status' | 'presets' | 'stop' }
  | { op: 'move' | 'absolute'; pan: number; tilt: number; zoom: number }
  | { op: 'preset-set'; name: string }
  | { op: 'preset-goto' | 'preset-remove'; token: string };

interface Velocity {
  pan: number;
  tilt: number;
  zoom: number;
}

interface Preset {
  token: string;
  name: string;
}

interface Reply {
  seq: number;
  ok?: boolean;
  error?: unknown;
  status?: { pan: number; tilt: number; zoom: number };
  presets?: Preset[];
}

let channel: RTCDataChannel | null = null;
let seq = 0;
const sent = new Map<number, { op: string; at: number }>();
let camera: { pan: number; tilt: number } | null = null;
let presets: Preset[] = [];
const drive = {
  keys: new Set<string>(),
  pointer: null as [number, number] | null,
  zoomHold: 0,
  current: null as Velocity | null,
  timer: undefined as ReturnType<typeof setInterval> | undefined,
};

const clamp = (v: number) => Math.max(-1, Math.min(1, Math.round(v * 100) / 100));

function ptzSend(cmd: Command): boolean {
  if (channel?.readyState !== 'open') return false;
  seq++;
  sent.set(seq, { op: cmd.op, at: performance.now() });
  channel.send(JSON.stringify({ ...cmd, seq }));
  return true;
}

function onReply(data: unknown): void {
  let r: Reply;
  try {
    r = JSON.parse(String(data)) as Reply;
  } catch {
    return;
  }
  if (!r || typeof r.seq !== 'number') return;
  const req = sent.get(r.seq);
  sent.delete(r.seq);
  const info = byId('ptz-info');
  if (!r.ok) {
    info.textContent = format(t().ptzError, { error: String(r.error ?? '') });
    return;
  }
  if (r.status && typeof r.status.zoom === 'number') {
    camera = r.status;
    byId<HTMLInputElement>('zoom').value = String(r.status.zoom);
  }
  if (Array.isArray(r.presets)) {
    presets = r.presets;
    renderPresets();
  }
  if (req) info.textContent = `${req.op} · ${t().rtt} ${Math.round(performance.now() - req.at)} ms`;
  if (req && (req.op === 'preset-set' || req.op === 'preset-remove')) ptzSend({ op: 'presets' });
  if (req && req.op === 'stop') ptzSend({ op: 'status' });
}

/** The cart opened its 'ptz' channel: ask where the camera is and its presets. */
export function attachPtz(ch: RTCDataChannel): void {
  channel = ch;
  ch.onopen = () => {
    ptzSend({ op: 'status' });
    ptzSend({ op: 'presets' });
  };
  ch.onmessage = (e) => onReply(e.data);
  if (ch.readyState === 'open') {
    ptzSend({ op: 'status' });
    ptzSend({ op: 'presets' });
  }
}

export function detachPtz(): void {
  stopRepeat();
  if (channel) {
    try {
      channel.close();
    } catch {
      /* closed */
    }
    channel = null;
  }
}

/** A new act: no presets nor camera position known yet. */
export function resetPtz(): void {
  presets = [];
  camera = null;
  renderPresets();
}

function velocity(): Velocity {
  let pan = 0;
  let tilt = 0;
  let zoom = drive.zoomHold;
  for (const k of drive.keys) {
    const v = KEYS[k];
    if (!v) continue;
    pan += v[0];
    tilt += v[1];
    zoom += v[2];
  }
  if (drive.pointer) {
    pan += drive.pointer[0];
    tilt += drive.pointer[1];
  }
  return { pan: clamp(pan), tilt: clamp(tilt), zoom: clamp(zoom) };
}

function stopRepeat(): void {
  clearInterval(drive.timer);
  drive.timer = undefined;
}

function update(): void {
  const v = velocity();
  if (v.pan === 0 && v.tilt === 0 && v.zoom === 0) {
    if (drive.current) {
      stopRepeat();
      drive.current = null;
      ptzSend({ op: 'stop' });
    }
    return;
  }
  const c = drive.current;
  if (c && c.pan === v.pan && c.tilt === v.tilt && c.zoom === v.zoom) return;
  drive.current = v;
  ptzSend({ op: 'move', ...v });
  if (drive.timer === undefined)
    drive.timer = setInterval(() => {
      if (drive.current) ptzSend({ op: 'move', ...drive.current });
    }, REPEAT_MS);
}

/** Lets go of every control (hang-up): a `stop` if the camera was moving. */
export function releaseAll(): void {
  drive.keys.clear();
  drive.pointer = null;
  drive.zoomHold = 0;
  update();
}

function stopNow(): void {
  drive.keys.clear();
  drive.pointer = null;
  drive.zoomHold = 0;
  stopRepeat();
  drive.current = null;
  ptzSend({ op: 'stop' });
  knob(0, 0);
}

function knob(x: number, y: number): void {
  byId('knob').style.transform = `translate(${Math.round(x * 58)}px,${Math.round(-y * 58)}px)`;
}

export function renderPresets(): void {
  const w = t();
  byId('presets').replaceChildren(
    ...presets.map((p, i) => {
      const go = el('button', { type: 'button' }, w.presetGo);
      go.addEventListener('click', () => ptzSend({ op: 'preset-goto', token: p.token }));
      const rm = el('button', { type: 'button' }, w.presetRemove);
      rm.addEventListener('click', () => ptzSend({ op: 'preset-remove', token: p.token }));
      return el('li', { 'data-token': p.token }, el('span', {}, (i < 9 ? `[${i + 1}] ` : '') + p.name), go, rm);
    }),
  );
}

/** Wires the joystick, the zoom and preset controls and the keyboard; `live` says whether an act is in progress on screen. */
export function initPtzControls(live: () => boolean): void {
  const pad = byId('joystick');
  const fromPointer = (e: PointerEvent) => {
    const r = pad.getBoundingClientRect();
    let x = (e.clientX - r.left - r.width / 2) / (r.width / 2);
    let y = -(e.clientY - r.top - r.height / 2) / (r.height / 2);
    const len = Math.sqrt(x * x + y * y);
    if (len > 1) {
      x /= len;
      y /= len;
    }
    drive.pointer = [clamp(x), clamp(y)];
    knob(x, y);
    update();
  };
  const release = () => {
    if (!drive.pointer) return;
    drive.pointer = null;
    knob(0, 0);
    update();
  };
  pad.addEventListener('pointerdown', (e) => {
    pad.setPointerCapture(e.pointerId);
    fromPointer(e);
  });
  pad.addEventListener('pointermove', (e) => {
    if (drive.pointer) fromPointer(e);
  });
  for (const ev of ['pointerup', 'pointercancel', 'lostpointercapture'] as const) pad.addEventListener(ev, release);

  const holdButton = (id: string, z: number) => {
    const b = byId(id);
    b.addEventListener('pointerdown', () => {
      drive.zoomHold = z;
      update();
    });
    for (const ev of ['pointerup', 'pointerleave', 'pointercancel'] as const)
      b.addEventListener(ev, () => {
        if (drive.zoomHold === z) {
          drive.zoomHold = 0;
          update();
        }
      });
  };
  holdButton('zoom-in', 0.5);
  holdButton('zoom-out', -0.5);
  byId('ptz-stop').addEventListener('click', stopNow);
  const zoom = byId<HTMLInputElement>('zoom');
  zoom.addEventListener('change', () => {
    const c = camera ?? { pan: 0, tilt: 0 };
    ptzSend({ op: 'absolute', pan: clamp(c.pan), tilt: clamp(c.tilt), zoom: Math.max(0, Math.min(1, Number(zoom.value))) });
  });

  document.addEventListener('keydown', (e) => {
    if (!live()) return;
    const target = e.target instanceof HTMLElement ? e.target : null;
    const tag = target?.tagName;
    if ((tag === 'INPUT' && (target as HTMLInputElement).type !== 'range') || tag === 'TEXTAREA' || tag === 'SELECT') return;
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (KEYS[e.key]) {
      e.preventDefault();
      if (!drive.keys.has(e.key)) {
        drive.keys.add(e.key);
        update();
      }
      return;
    }
    if (e.key === ' ') {
      e.preventDefault();
      stopNow();
      return;
    }
    if (/^[1-9]$/.test(e.key)) {
      const p = presets[Number(e.key) - 1];
      if (p) {
        e.preventDefault();
        ptzSend({ op: 'preset-goto', token: p.token });
      }
    }
  });
  document.addEventListener('keyup', (e) => {
    if (drive.keys.delete(e.key)) update();
  });
  window.addEventListener('blur', () => {
    if (drive.current) stopNow();
  });

  const name = byId<HTMLInputElement>('preset-name');
  byId('preset-save').addEventListener('click', () => {
    const n = name.value.trim();
    if (n && ptzSend({ op: 'preset-set', name: n.slice(0, 64) })) name.value = '';
  });
}
