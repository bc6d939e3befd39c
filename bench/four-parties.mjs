// Four parties through the real chain (docs/conversation.md, « Figures », four parties): the cart's
// gateway (its own process, test picture and sound for its own peer), the cloud (its own process:
// broker, relay, signaling and the act's room on the forwarding unit), and four headless Chromium,
// each a browser of its own: the nurse page served by the gateway, the specialist's /consult page
// (signed in, « Rejoindre » clicked), and two guests opening the links the specialist's page asks the
// cloud for (POST /api/teleconsult/acts/:id/guests, as the page's session), let in with the page's
// « Faire entrer ». On lo inside a network namespace made for the run; needs root and the Debian
// chromium, else says so and measures nothing.
//
//   `node bench/four-parties.mjs` (after `npm run build`) prints the tables; bench/index.mjs calls
//   benchFourParties({ seconds: 15, flashes: 10 }). Environment: TELECART_BENCH_SECONDS (the steady
//   window, 60), TELECART_BENCH_FLASHES (20), TELECART_BENCH_ROUNDS (acts joined one after the other
//   for the join figures, 1), TELECART_BENCH_INVITE (`shown`: the guests invited once the cart and the
//   specialist see each other; `at-once`), TELECART_BENCH_CLOUD_NICE (-10: the cloud, another machine
//   in production, runs in a session of its own with that autogroup nice; 0: starved like the rest).
//
// Each page's camera is a canvas (640×360, 15 frames/s) with a white block in its bottom-right corner
// lit 600 ms every 2 s (as bench/conversation.mjs); every <video> of every page is watched with
// requestVideoFrameCallback and named by its tile's caption (or the direct conversation's element),
// all on the machine's clock. The microphones are Chromium's fake ones. Measured:
//   - per participant: its join (the specialist's click on « Rejoindre » for the cart and the
//     specialist; the link opened for a guest) → first frame shown of each other party, and → first
//     audio energy from it (getStats every 100 ms, per m-line the unit labels); from the later of the
//     two parties' joins;
//   - glass to glass, cart ⇄ specialist and guest 1 ⇄ specialist (flash painted → flash shown);
//   - over a steady window: per participant its transport bytes up and down (kbit/s, every peer
//     connection of the page), its browser's CPU (process tree, % of one core), frames decoded per
//     second and audio concealment per received party; the cloud process's CPU and the room's RTP
//     in/out; the gateway process's CPU (with its GStreamer children) and RSS.
import { fork } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { setPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchCartConfig } from './support/bench-cart.mjs';
import { FLASH_CAMERA } from './support/flash-camera.mjs';
import { CHROMIUM, CHROMIUM_MEDIA_ARGS, INSIDE, resultMark, row, runInNamespace } from './support/in-namespace.mjs';
import { processTree, rssMiB, sched, TICK, treeTicks } from './support/proc-tree.mjs';

const MARK = resultMark('four-parties');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const SPECIALIST = { id: 'dr-bench', name: 'Dr Bench', password: 'bench-four-2026!' };
const PATIENT = { id: 'r-1', family: 'BENCH', given: 'Anne', ins: '238016912304522', insOid: '1.2.250.1.213.1.4.10' };
const GATEWAY_ID = 'cart-bench';
const GUESTS = ['Dr Petit', 'Mme Lenoir'];
const PARTIES = ['cart', 'specialist', 'guest 1', 'guest 2'];
/** A tile's caption (or the direct conversation's element) → the party it shows. */
const CAPTIONS = { [`Chariot ${GATEWAY_ID}`]: 'cart', [SPECIALIST.name]: 'specialist', [GUESTS[0]]: 'guest 1', [GUESTS[1]]: 'guest 2' };

/** Runs the measurement in a fresh namespace; { skipped } when this machine cannot. */
export async function benchFourParties(opts = {}) {
  return runInNamespace({
    name: 'four-parties',
    prefix: 'fpbench',
    script: fileURLToPath(import.meta.url),
    env: {
      TELECART_BENCH_SECONDS: String(opts.seconds ?? process.env.TELECART_BENCH_SECONDS ?? 60),
      TELECART_BENCH_FLASHES: String(opts.flashes ?? process.env.TELECART_BENCH_FLASHES ?? 20),
      TELECART_BENCH_ROUNDS: String(opts.rounds ?? process.env.TELECART_BENCH_ROUNDS ?? 1),
      TELECART_BENCH_INVITE: opts.invite ?? process.env.TELECART_BENCH_INVITE ?? 'shown',
      TELECART_BENCH_CLOUD_NICE: String(opts.cloudNice ?? process.env.TELECART_BENCH_CLOUD_NICE ?? -10),
    },
  });
}

export function printFourParties(r) {
  console.log(
    '\n## Four parties through the real chain (gateway, cloud signaling and forwarding unit, nurse, specialist and two guests’ pages; canvas cameras 640x360@15, fake microphones)',
  );
  if (r.skipped) {
    console.log(r.skipped);
    return;
  }
  console.log(
    `load average: ${r.load0} at the start of the measures, ${r.load1} at the end; window ${r.seconds} s; ${r.rounds} act(s); guests invited ${r.invite === 'shown' ? 'once the cart and the specialist saw each other' : 'as soon as the act was in progress'}; the cloud's process at nice ${r.cloudNice}`,
  );
  console.table(r.joins);
  console.table(r.glass);
  console.table(r.lipSync);
  console.table(r.parties);
  console.table(r.received);
  console.table([r.servers]);
  console.log(
    `the unit's answer to guest 1: ${r.msid.withMsid} of its ${r.msid.sending} sending m-lines carry a=msid (lip sync needs one per slot)`,
  );
  for (const d of r.defects) console.log(`defect? ${d}`);
  if (process.env.TELECART_BENCH_TIMELINE) for (const t of r.timeline ?? []) console.log(`timeline: ${t}`);
}

// ── inside the namespace ──

/** In every page (after FLASH_CAMERA, the canvas camera): every video shown and every voice received is watched. */
const INIT = (captions) => {
  const w = window;
  const now = () => performance.timeOrigin + performance.now();
  w.__pcs = [];
  const Base = w.RTCPeerConnection;
  w.RTCPeerConnection = class extends Base {
    constructor(c) {
      super(c);
      w.__pcs.push(this);
    }
  };
  w.__luma = {};
  w.__recordLuma = false;
  w.__firstFrame = {};
  w.__firstAudio = {};
  w.__firstDecoded = {};
  w.__tileOf = {};
  w.__shown = {};
  /** Who a video or an m-line shows: the direct conversation's element, or its tile's caption. */
  const DIRECT = { 'convo-remote': 'specialist', 'convo-video': 'cart' };
  const partyOf = (el) => {
    if (DIRECT[el.id]) return DIRECT[el.id];
    const cap = el.closest('figure')?.querySelector('figcaption')?.textContent ?? '';
    for (const [k, v] of Object.entries(captions)) if (cap.includes(k)) return v;
    return null;
  };
  const watched = new WeakSet();
  const probe = document.createElement('canvas');
  probe.width = 32;
  probe.height = 18;
  const p = probe.getContext('2d', { willReadFrequently: true });
  const watch = (el) => {
    watched.add(el);
    const onFrame = (t0, meta) => {
      const who = partyOf(el);
      const vw = el.videoWidth;
      const vh = el.videoHeight;
      if (who && vw > 0 && vh > 0) {
        const t = performance.timeOrigin + (meta.presentationTime ?? t0);
        w.__firstFrame[who] ??= t;
        if (w.__recordLuma) {
          p.drawImage(el, vw * 0.75, vh * 0.75, vw * 0.25, vh * 0.25, 0, 0, 32, 18);
          const d = p.getImageData(0, 0, 32, 18).data;
          let sum = 0;
          for (let i = 0; i < d.length; i += 4) sum += 0.2126 * d[i] + 0.7152 * d[i + 1] + 0.0722 * d[i + 2];
          w.__luma[who] ??= [];
          w.__luma[who].push([t, sum / (d.length / 4)]);
        }
      }
      el.requestVideoFrameCallback(onFrame);
    };
    el.requestVideoFrameCallback(onFrame);
  };
  // Each voice an element plays, tapped (WebAudio, after the receiver's jitter buffer and its lip sync delay): when the
  // sender's flash tone (FLASH_CAMERA { tone }) starts, for the voice-against-face offset.
  w.__onsets = {};
  const tapped = new WeakSet();
  let rx;
  const tap = (el, track) => {
    tapped.add(track);
    rx ??= new AudioContext();
    void rx.resume();
    const proc = rx.createScriptProcessor(512, 1, 1);
    let loud = false;
    proc.onaudioprocess = (e) => {
      const d = e.inputBuffer.getChannelData(0);
      let sum = 0;
      for (let i = 0; i < d.length; i++) sum += d[i] * d[i];
      const rms = Math.sqrt(sum / d.length);
      if (!loud && rms > 0.1) {
        loud = true;
        const who = partyOf(el);
        if (who && w.__recordLuma) {
          w.__onsets[who] ??= [];
          w.__onsets[who].push(now());
        }
      } else if (loud && rms < 0.03) loud = false;
    };
    rx.createMediaStreamSource(new MediaStream([track])).connect(proc);
    proc.connect(rx.destination);
  };
  setInterval(() => {
    for (const el of document.querySelectorAll('video')) {
      if (!watched.has(el)) watch(el);
      const src = el.srcObject;
      if (src instanceof MediaStream) for (const t of src.getAudioTracks()) if (!tapped.has(t)) tap(el, t);
    }
  }, 100);
  const slots = (pc) => pc.getTransceivers().filter((t) => t.direction === 'recvonly').length;
  /** Each live peer's inbound RTP named by party: the room's by its tiles, the direct conversation's the other side, the gateway's 'gateway'. */
  w.__inbound = async (self) => {
    const out = [];
    for (const pc of w.__pcs) {
      if (pc.connectionState === 'closed') continue;
      const room = slots(pc) >= 4;
      const gateway = !room && pc.getSenders().every((s) => s.track === null);
      const stats = await pc.getStats();
      let tx = 0;
      let rx = 0;
      stats.forEach((s) => {
        if (s.type === 'transport') {
          tx += s.bytesSent ?? 0;
          rx += s.bytesReceived ?? 0;
        }
        if (s.type !== 'inbound-rtp') return;
        let who = gateway ? 'gateway' : self === 'cart' ? 'specialist' : 'cart';
        if (room) {
          const fig = document.querySelector(`figure[data-${s.kind}-mid="${s.mid}"]`);
          const cap = fig?.querySelector('figcaption')?.textContent ?? '';
          who = Object.entries(captions).find(([k]) => cap.includes(k))?.[1] ?? `mid ${s.mid}`;
        }
        out.push({
          pc: w.__pcs.indexOf(pc),
          path: room ? 'room' : gateway ? 'gateway' : 'direct',
          who,
          kind: s.kind,
          mid: s.mid,
          framesDecoded: s.framesDecoded ?? 0,
          energy: s.totalAudioEnergy ?? 0,
          samples: s.totalSamplesReceived ?? 0,
          concealed: s.concealedSamples ?? 0,
          packets: s.packetsReceived ?? 0,
          lost: s.packetsLost ?? 0,
          jbDelay: s.jitterBufferDelay ?? 0,
          jbEmitted: s.jitterBufferEmittedCount ?? 0,
          jitter: s.jitter ?? 0,
        });
      });
      out.push({ pc: w.__pcs.indexOf(pc), path: 'transport', tx, rx });
    }
    out.push({ path: 'clock', at: now() });
    return out;
  };
  /** Until stopped: the first instant audio energy arrives from each party. */
  w.__audioWatch = (self) => {
    const tick = async () => {
      if (w.__audioWatchStop) return;
      const at = now();
      const inbound = await w.__inbound(self);
      // Read after the stats came (they take a while under load): no earlier than what it times.
      const read = now();
      for (const s of inbound) {
        if (s.kind === 'audio' && s.energy > 0) w.__firstAudio[s.who] ??= at;
        // A room video decoded, by its m-line (its tile may not be labelled or shown yet: the late pairs).
        if (s.kind === 'video' && s.path === 'room' && s.framesDecoded > 0) w.__firstDecoded[`mid ${s.mid}`] ??= read;
      }
      // When each room tile was labelled (its caption names a party) and shown (not hidden).
      for (const f of document.querySelectorAll('figure[data-video-mid]')) {
        const mid = `mid ${f.dataset.videoMid}`;
        const cap = f.querySelector('figcaption')?.textContent ?? '';
        const who = Object.entries(captions).find(([k]) => cap.includes(k))?.[1];
        if (who) w.__tileOf[mid] ??= who;
        if (who && !f.hidden) w.__shown[mid] ??= read;
      }
      setTimeout(tick, 100);
    };
    void tick();
  };
};

/** A child process (bench/support/…) that prints one JSON line once ready. */
async function child(script, args, env, detached = false) {
  const proc = fork(fileURLToPath(new URL(`./support/${script}`, import.meta.url)), args, {
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    detached,
    env: { ...process.env, ...env },
  });
  const ready = await new Promise((resolve, reject) => {
    let out = '';
    proc.stdout.on('data', (c) => {
      out += c;
      if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0]));
    });
    proc.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
  return {
    proc,
    ready,
    async stop() {
      if (proc.exitCode !== null) return;
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await Promise.race([exited, sleep(8000)]);
      if (proc.exitCode === null) proc.kill('SIGKILL');
    },
  };
}

async function until(what, fn, ms = 60_000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await fn()) return true;
    await sleep(100);
  }
  throw new Error(`timed out: ${what}`);
}

/** Per flash seen both ways: its voice's onset minus its face's flash at the receiver (ms; > 0: the voice comes after the face). */
function voiceAfterFace(flashes, luma, onsets, windowMs) {
  const out = [];
  for (const t of flashes) {
    const face = (luma ?? []).find(([at, l]) => at >= t && at < t + windowMs && l >= 128);
    const voice = (onsets ?? []).find((at) => at >= t && at < t + windowMs);
    if (face && voice !== undefined) out.push(voice - face[0]);
  }
  return out;
}

function glassToGlass(flashes, luma, windowMs) {
  const lat = [];
  for (const t of flashes) {
    const hit = (luma ?? []).find(([at, l]) => at >= t && at < t + windowMs && l >= 128);
    if (hit) lat.push(hit[0] - t);
  }
  return lat;
}

async function inside() {
  const { chromium } = await import('playwright-core');
  const seconds = Number(process.env.TELECART_BENCH_SECONDS ?? 60);
  const flashes = Number(process.env.TELECART_BENCH_FLASHES ?? 20);
  const rounds = Number(process.env.TELECART_BENCH_ROUNDS ?? 1);
  const invite = process.env.TELECART_BENCH_INVITE === 'at-once' ? 'at-once' : 'shown';
  const cloudNice = Number(process.env.TELECART_BENCH_CLOUD_NICE ?? -10);
  const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  const dir = mkdtempSync(join(tmpdir(), 'telecart-four-bench-'));
  const cloud = await child(
    'consult-cloud-child.mjs',
    [join(dir, 'cloud')],
    { TELECART_BENCH_CONSULT: JSON.stringify({ specialist: SPECIALIST, patient: PATIENT, gatewayId: GATEWAY_ID }) },
    true,
  );
  // The cloud is another machine: on this shared one its single thread (every packet of the room goes through it) waited
  // for a CPU 0.92 s of each second at nice 0 (load 19–23), and the receivers' buffers grew to 1.2 s. The kernel shares
  // the CPUs between sessions first (autogroups: each Chromium is a session of its own), so the cloud runs in a session of
  // its own whose nice is set (TELECART_BENCH_CLOUD_NICE, default -10; 0 to measure it starved).
  try {
    writeFileSync(`/proc/${cloud.proc.pid}/autogroup`, String(cloudNice));
  } catch {
    /* no autogroups here: the process's own nice below */
  }
  setPriority(cloud.proc.pid, cloudNice);
  // Detached (a session of its own): it would outlive this process if a later step threw.
  process.once('exit', () => cloud.proc.kill('SIGKILL'));
  const { mqttUrl, httpUrl: cloudUrl } = cloud.ready;
  const unitStats = (sid) =>
    new Promise((resolve) => {
      const on = (m) => {
        if (m[0] !== 'unit-stats') return;
        cloud.proc.off('message', on);
        resolve(m[1]);
      };
      cloud.proc.on('message', on);
      cloud.proc.send(['unit-stats', sid]);
    });
  const gateway = await child('gateway-child.mjs', [join(dir, 'gateway'), mqttUrl], {
    TELECART_BENCH_GATEWAY: JSON.stringify({
      patientId: PATIENT.id,
      config: benchCartConfig(GATEWAY_ID, PATIENT),
    }),
  });
  const gwUrl = gateway.ready.httpUrl;
  const args = CHROMIUM_MEDIA_ARGS;
  // A browser server each, so that each party's process tree (its CPU) is known.
  const browsers = {};
  for (const name of PARTIES) {
    const server = await chromium.launchServer({ executablePath: CHROMIUM, args });
    browsers[name] = { server, browser: await chromium.connect(server.wsEndpoint()), pid: server.process().pid };
  }
  const problems = [];
  const open = async (name) => {
    // Tall enough for every tile to be on screen: Chromium composites (and calls requestVideoFrameCallback for) only
    // the videos in the viewport; the nurse page's and the consult page's tiles are below a 720-line one.
    const page = await browsers[name].browser.newPage({ locale: 'fr-FR', viewport: { width: 1280, height: 2400 } });
    page.on('pageerror', (e) => problems.push(`${name} pageerror: ${e.message}`));
    await page.addInitScript(FLASH_CAMERA, { tone: true });
    await page.addInitScript(INIT, CAPTIONS);
    return page;
  };
  const defects = [];
  const timeline = [];
  const joinRows = {};
  const add = (k, v) => {
    if (v === null || !Number.isFinite(v)) return;
    joinRows[k] ??= [];
    joinRows[k].push(v);
  };
  try {
    let last;
    for (let round = 0; round < rounds; round++) {
      const pages = { cart: await open('cart'), specialist: await open('specialist') };
      await pages.cart.goto(`${gwUrl}/`);
      await pages.specialist.goto(`${cloudUrl}/consult?lang=fr`);
      await pages.specialist.fill('#login-id', SPECIALIST.id);
      await pages.specialist.fill('#login-password', SPECIALIST.password);
      await pages.specialist.click('#login-form button[type=submit]');
      await pages.specialist.waitForFunction(() => document.body.dataset.view === 'room');
      const res = await fetch(`${gwUrl}/api/teleconsult/call`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ consent: { by: 'patient', method: 'oral' } }),
      });
      if (res.status !== 201) throw new Error(`call: ${res.status} ${await res.text()}`);
      const { sessionId } = await res.json();
      const button = pages.specialist.locator(`tr[data-session="${sessionId}"] button.join`);
      await button.waitFor();
      for (const who of ['cart', 'specialist']) await pages[who].evaluate((self) => window.__audioWatch(self), who);
      const joined = { cart: Date.now() };
      joined.specialist = joined.cart;
      await button.click();
      await pages.specialist.waitForFunction(() => document.getElementById('act-status')?.dataset.status === 'in-progress');
      // As a specialist would: the guests invited once the cart and the specialist see each other (TELECART_BENCH_INVITE=at-once:
      // as soon as the act is in progress, while the direct conversation is still being set up).
      if (invite === 'shown')
        await until('the cart and the specialist see each other', async () => {
          const [c, sp] = await Promise.all([
            pages.cart.evaluate(() => window.__firstFrame.specialist),
            pages.specialist.evaluate(() => window.__firstFrame.cart),
          ]);
          return c !== undefined && sp !== undefined;
        });
      // Two guests: the link asked for by the specialist's page, opened in its own browser, let in with « Faire entrer ».
      // What the unit does for each viewer while the guests come in (every 250 ms): the videos it holds back from
      // whom, its downlink estimate, its key frame waits; from the first guest's invitation (the late pairs, docs).
      const t0 = Date.now();
      let lastLine = {};
      let polling = true;
      const poll = (async () => {
        while (polling) {
          const room = (await unitStats(sessionId)).room;
          const at = ((Date.now() - t0) / 1000).toFixed(2);
          for (const [id, m] of Object.entries(room?.members ?? {})) {
            const line = `held back from [${m.videoPausedFrom.join(', ')}], order [${m.videoOrder.join(', ')}]`;
            if (lastLine[id] !== line)
              timeline.push(
                `${at} s ${id}: ${line}, estimate ${m.downlinkEstimate === null ? '—' : Math.round(m.downlinkEstimate / 1000)} kbit/s`,
              );
            lastLine[id] = line;
          }
          const w = room?.keyframeWaits;
          const kw = w
            ? `key frame waits ${w.started} started, ${w.keyframe} on a key frame, ${w.timedOut} timed out, longest ${w.longestMs} ms, ${w.askedAgain ?? 0} asked again; PLIs to sources ${room.keyframeRequests.plisToSources}`
            : '';
          if (kw && lastLine['@'] !== kw) timeline.push(`${at} s ${kw}`);
          lastLine['@'] = kw;
          await sleep(250);
        }
      })();
      const admitted = {};
      for (const [i, name] of GUESTS.entries()) {
        const who = `guest ${i + 1}`;
        const invited = await pages.specialist.evaluate(
          async ([id, n]) => {
            const r = await fetch(`/api/teleconsult/acts/${id}/guests`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ name: n }),
            });
            return { status: r.status, body: await r.json() };
          },
          [sessionId, name],
        );
        if (invited.status !== 201) throw new Error(`guest link: ${invited.status} ${JSON.stringify(invited.body)}`);
        pages[who] = await open(who);
        joined[who] = Date.now();
        await pages[who].goto(invited.body.url);
        await pages[who].evaluate((self) => window.__audioWatch(self), who);
        await pages[who].waitForFunction(() => document.body.dataset.step === 'waiting');
        await pages.specialist
          .locator('#participants-list li[data-state="waiting"]', { hasText: name })
          .locator('button[data-action="admit"]')
          .click();
        await pages[who].waitForFunction(() => document.body.dataset.step === 'admitted');
        admitted[who] = Date.now() - joined[who];
        add(`${who}: link opened → admitted`, admitted[who]);
      }
      // Every party shows and hears each other one (the cart is not sent the specialist through the room: it has them direct).
      const firsts = {};
      const missing = [];
      await until(
        'each party shows and hears the three others',
        async () => {
          missing.length = 0;
          for (const who of PARTIES) {
            firsts[who] = await pages[who].evaluate(() => ({ video: window.__firstFrame, audio: window.__firstAudio }));
            for (const other of PARTIES)
              if (other !== who)
                for (const kind of ['video', 'audio'])
                  if (firsts[who][kind][other] === undefined) missing.push(`${other}'s ${kind} at ${who}`);
          }
          return missing.length === 0;
        },
        60_000,
      ).catch(() => defects.push(`round ${round + 1}: never within 60 s of the last join: ${missing.join(', ')}`));
      polling = false;
      await poll;
      lastLine = {};
      for (const who of PARTIES) await pages[who].evaluate(() => (window.__audioWatchStop = true));
      // The first frame of each party at each page on the timeline, and the room's member ids named by the tiles.
      const since = (t) => ((t - t0) / 1000).toFixed(2);
      for (const who of PARTIES) {
        for (const [other, t] of Object.entries(firsts[who].video)) timeline.push(`${since(t)} s first frame of ${other} shown at ${who}`);
        const tiles = await pages[who].evaluate(() => ({ decoded: window.__firstDecoded, of: window.__tileOf, shown: window.__shown }));
        for (const [mid, t] of Object.entries(tiles.decoded))
          timeline.push(`${since(t)} s first frame of ${tiles.of[mid] ?? mid} decoded at ${who} (room, ${mid})`);
        for (const [mid, t] of Object.entries(tiles.shown))
          timeline.push(`${since(t)} s tile of ${tiles.of[mid]} labelled and unhidden at ${who}`);
      }
      const ids = {};
      for (const who of PARTIES)
        Object.assign(
          ids,
          await pages[who].evaluate((caps) => {
            const out = {};
            for (const f of document.querySelectorAll('figure[data-participant]')) {
              const cap = f.querySelector('figcaption')?.textContent ?? '';
              const name = Object.entries(caps).find(([k]) => cap.includes(k))?.[1];
              if (f.dataset.participant && name) out[f.dataset.participant] = name;
            }
            return out;
          }, CAPTIONS),
        );
      timeline.push(
        `member ids: ${Object.entries(ids)
          .map(([id, n]) => `${id} = ${n}`)
          .join(', ')}`,
      );
      timeline.sort((a, b) => Number.parseFloat(a) - Number.parseFloat(b));
      for (const who of PARTIES)
        for (const other of PARTIES) {
          if (other === who) continue;
          const from = Math.max(joined[who], joined[other]);
          add(`${who}: join → first frame of ${other}`, (firsts[who].video[other] ?? Number.NaN) - from);
          add(`${who}: join → first audio energy of ${other}`, (firsts[who].audio[other] ?? Number.NaN) - from);
        }
      if (round < rounds - 1) {
        await pages.specialist.click('#hangup');
        await pages.specialist.waitForFunction(() => document.getElementById('act-status')?.dataset.status === 'completed');
        await Promise.all(Object.values(pages).map((p) => p.close()));
        await sleep(3000);
      } else last = { pages, sessionId };
    }

    const { pages, sessionId } = last;
    // Lip sync needs a slot's voice and video in one stream (a=msid) in the unit's answer: what guest 1's room peer got.
    const msid = await pages['guest 1'].evaluate(() => {
      const pc = window.__pcs.findLast((p) => p.getTransceivers().filter((t) => t.direction === 'recvonly').length >= 4);
      const media = (pc?.remoteDescription?.sdp ?? '').split(/\r?\nm=/).slice(1);
      const sending = media.filter((m) => /\r?\na=sendonly/.test(m));
      return { sending: sending.length, withMsid: sending.filter((m) => /\r?\na=msid:/.test(m)).length };
    });
    const load0 = load();
    await sleep(3000);
    // Still the act measured: its status on the specialist's page, and each guest's step.
    const status = async () => ({
      act: await pages.specialist.evaluate(() => document.getElementById('act-status')?.dataset.status),
      guests: await Promise.all(['guest 1', 'guest 2'].map((w) => pages[w].evaluate(() => document.body.dataset.step))),
    });
    const before = await status();
    if (before.act !== 'in-progress' || before.guests.some((g) => g !== 'admitted'))
      defects.push(`before the measures: the act ${before.act}, the guests ${before.guests.join(', ')}`);
    // Glass to glass: the cart, the specialist and guest 1 flash together; each receiver watches each sender's tile.
    for (const who of PARTIES) await pages[who].evaluate(() => (window.__recordLuma = true));
    const flashers = ['cart', 'specialist', 'guest 1'];
    for (let i = 0; i < flashes; i++) {
      await sleep(Math.random() * 67);
      await Promise.all(flashers.map((w) => pages[w].evaluate(() => window.__flash(true))));
      await sleep(600);
      await Promise.all(flashers.map((w) => pages[w].evaluate(() => window.__flash(false))));
      await sleep(1400);
    }
    await sleep(1000);
    const flashed = {};
    const luma = {};
    const onsets = {};
    for (const who of PARTIES) {
      flashed[who] = await pages[who].evaluate(() => window.__flashes);
      luma[who] = await pages[who].evaluate(() => window.__luma);
      onsets[who] = await pages[who].evaluate(() => window.__onsets);
      await pages[who].evaluate(() => {
        window.__recordLuma = false;
        window.__luma = {};
        window.__onsets = {};
      });
    }
    // Lip sync: the sender's tone starts in the canvas tick that paints its flash; the receiver hears it (after its jitter
    // buffer) and shows the flash. > 0: the voice comes after the face.
    const lipSync = {};
    for (const from of flashers)
      for (const to of PARTIES) {
        if (to === from) continue;
        const xs = voiceAfterFace(flashed[from], luma[to][from], onsets[to]?.[from], 1900);
        lipSync[`voice − face, ${from} → ${to} (ms)`] = {
          ...row(xs),
          min: xs.length ? Math.round(Math.min(...xs)) : null,
          max: xs.length ? Math.round(Math.max(...xs)) : null,
          // The browser moves its sync delay a step a second once it has two reports of each stream (an audio report
          // every ~5 s): the second half of the flashes, once it settled.
          'p50, last half': xs.length >= 2 ? row(xs.slice(Math.floor(xs.length / 2))).p50 : null,
        };
      }
    const glass = {};
    for (const [from, to] of [
      ['cart', 'specialist'],
      ['specialist', 'cart'],
      ['guest 1', 'specialist'],
      ['specialist', 'guest 1'],
      ['cart', 'guest 1'],
    ]) {
      const lat = glassToGlass(flashed[from], luma[to][from], 1900);
      glass[`glass to glass, ${from} → ${to} (ms)`] = row(lat);
      if (lat.length < flashed[from].length / 2)
        defects.push(`${from} → ${to}: ${lat.length} of ${flashed[from].length} flashes seen within 1.9 s`);
    }

    // The steady window.
    const gwPid = gateway.proc.pid;
    // Each page's stats with its own browser's CPU ticks and the instant they were read (reading four pages takes a while under load).
    const readPage = async (w) => {
      const ticks = treeTicks(browsers[w].pid);
      const stats = await pages[w].evaluate((self) => window.__inbound(self), w);
      return { ticks, stats, at: stats.find((x) => x.path === 'clock')?.at ?? Date.now() };
    };
    const readAll = async () => ({
      at: Date.now(),
      pages: Object.fromEntries(await Promise.all(PARTIES.map(async (w) => [w, await readPage(w)]))),
      cloud: treeTicks(cloud.proc.pid),
      cloudSched: sched(cloud.proc.pid),
      gateway: treeTicks(gwPid),
      unit: (await unitStats(sessionId)).room,
    });
    const rss = [];
    const rssNode = [];
    const rssTimer = setInterval(() => {
      rss.push(rssMiB(processTree(gwPid)));
      rssNode.push(rssMiB([gwPid]));
    }, 1000);
    const a = await readAll();
    await unitStats(sessionId); // the cloud's event loop delay from here
    await sleep(seconds * 1000);
    const loopDelayMs = (await unitStats(sessionId)).loopDelayMs;
    const b = await readAll();
    clearInterval(rssTimer);
    const cpu = (t0, t1, seconds) => Math.round(((t1 - t0) / TICK / seconds) * 100);
    const parties = {};
    const received = {};
    for (const who of PARTIES) {
      const key = (x) => `${x.pc}/${x.path}/${x.kind ?? ''}/${x.mid ?? ''}`;
      const [pa, pb] = [a.pages[who], b.pages[who]];
      const s = (pb.at - pa.at) / 1000;
      const before = new Map(pa.stats.map((x) => [key(x), x]));
      let tx = 0;
      let rx = 0;
      const perVideo = [];
      for (const x of pb.stats) {
        if (x.path === 'clock') continue;
        const y = before.get(key(x));
        if (x.path === 'transport') {
          // A peer connection made during the window counts from zero.
          tx += x.tx - (y?.tx ?? 0);
          rx += x.rx - (y?.rx ?? 0);
          continue;
        }
        if (x.who === 'gateway') {
          // The gateway's own peer (PTZ video, its test sound): beside the conversation, not one of the parties.
          received[`gateway's peer → ${who}`] ??= { path: 'gateway' };
          const g = received[`gateway's peer → ${who}`];
          const d = x.kind === 'video' ? x.framesDecoded - (y?.framesDecoded ?? 0) : x.samples - (y?.samples ?? 0);
          if (x.kind === 'video') g['frames decoded/s'] = Number((d / s).toFixed(1));
          else if (d > 0) g['audio concealed %'] = Number(((100 * (x.concealed - (y?.concealed ?? 0))) / d).toFixed(2));
          continue;
        }
        received[`${x.who} → ${who}`] ??= { path: x.path };
        const cell = received[`${x.who} → ${who}`];
        const d = (k) => x[k] - (y?.[k] ?? 0);
        // Loss and the receiver's jitter buffer (mean delay of what it emitted over the window), per kind.
        const lossAndBuffer = () => {
          const got = d('packets') + d('lost');
          cell[`${x.kind} lost %`] = got > 0 ? Number(((100 * d('lost')) / got).toFixed(2)) : null;
          cell[`${x.kind} jitter buffer ms`] = d('jbEmitted') > 0 ? Math.round((1000 * d('jbDelay')) / d('jbEmitted')) : null;
          // The receiver's interarrival jitter estimate (RFC 3550) at the end of the window.
          cell[`${x.kind} arrival jitter ms`] = Math.round(1000 * x.jitter);
        };
        if (x.kind === 'video') {
          const fps = (x.framesDecoded - (y?.framesDecoded ?? 0)) / s;
          // The direct peer of a party the room carries is held (docs/conversation.md, « goes up once »): no frames expected there.
          if (fps > 0 || x.path === 'room' || x.who === 'specialist') {
            cell['frames decoded/s'] = Number(fps.toFixed(1));
            cell.path = x.path;
            lossAndBuffer();
            perVideo.push(fps);
          }
        } else {
          const got = x.samples - (y?.samples ?? 0);
          if (got > 0 && (x.path === 'room' || cell['audio concealed %'] === undefined)) {
            cell['audio concealed %'] = Number(((100 * (x.concealed - (y?.concealed ?? 0))) / got).toFixed(2));
            cell['audio s received'] = Number((got / 48_000).toFixed(1));
            lossAndBuffer();
          }
        }
      }
      parties[who] = {
        'uplink kbit/s (transport)': Math.round((tx * 8) / s / 1000),
        'downlink kbit/s (transport)': Math.round((rx * 8) / s / 1000),
        'browser CPU % of a core': cpu(pa.ticks, pb.ticks, s),
        'frames decoded/s per received video, min–max': perVideo.length
          ? `${Math.min(...perVideo).toFixed(1)}–${Math.max(...perVideo).toFixed(1)}`
          : '—',
      };
      for (const x of perVideo) if (x < 1) defects.push(`${who}: a received video at ${x.toFixed(1)} frames/s over the window`);
    }
    const ms = b.at - a.at;
    const s = ms / 1000;
    const servers = {
      'window s': Number(s.toFixed(1)),
      'cloud process CPU % (unit, relay, broker)': cpu(a.cloud, b.cloud, s),
      'unit RTP in kbit/s': a.unit && b.unit ? Math.round(((b.unit.rtpIn.bytes - a.unit.rtpIn.bytes) * 8) / ms) : null,
      'unit RTP out kbit/s': a.unit && b.unit ? Math.round(((b.unit.rtpOut.bytes - a.unit.rtpOut.bytes) * 8) / ms) : null,
      'unit packets not forwarded (window)': b.unit
        ? Object.entries(b.unit.dropped ?? {})
            .map(([k, v]) => `${k} ${v - (a.unit?.dropped?.[k] ?? 0)}`)
            .join(', ')
        : null,
      "cloud's event loop delay ms p50/p99/max": `${loopDelayMs.p50}/${loopDelayMs.p99}/${loopDelayMs.max}`,
      // Waiting for a CPU (runnable, not running) against running: a process starved by the machine's load, or not.
      "cloud's main thread ms/s running, waiting for a CPU": `${Math.round((b.cloudSched.run - a.cloudSched.run) / 1e6 / s)}, ${Math.round((b.cloudSched.wait - a.cloudSched.wait) / 1e6 / s)}`,
      'unit key frame waits (started, key frame, timed out, longest ms, asked again)': b.unit
        ? `${b.unit.keyframeWaits.started}, ${b.unit.keyframeWaits.keyframe}, ${b.unit.keyframeWaits.timedOut}, ${b.unit.keyframeWaits.longestMs}, ${b.unit.keyframeWaits.askedAgain}`
        : null,
      'gateway CPU % (process + GStreamer)': cpu(a.gateway, b.gateway, s),
      'gateway processes': processTree(gwPid).length,
      'gateway RSS MiB, node first–last': `${rssNode[0]?.toFixed(0)}–${rssNode.at(-1)?.toFixed(0)}`,
      'gateway RSS MiB with GStreamer, first–last': `${rss[0]?.toFixed(0)}–${rss.at(-1)?.toFixed(0)}`,
    };
    const after = await status();
    if (after.act !== 'in-progress' || after.guests.some((g) => g !== 'admitted'))
      defects.push(`after the measures: the act ${after.act}, the guests ${after.guests.join(', ')}`);
    for (const who of PARTIES) {
      const below = await pages[who].evaluate(() =>
        [...document.querySelectorAll('video')]
          .filter((v) => v.checkVisibility() && v.getBoundingClientRect().bottom > innerHeight)
          .map((v) => v.id || v.closest('figure')?.querySelector('figcaption')?.textContent || '?'),
      );
      if (below.length) defects.push(`${who}: videos below the viewport (not measured): ${below.join(', ')}`);
    }
    if (problems.length) defects.push(...problems);
    const joins = Object.fromEntries(Object.entries(joinRows).map(([k, v]) => [`${k} (ms)`, row(v)]));
    process.stdout.write(
      `${MARK}${JSON.stringify({ seconds: Number(s.toFixed(0)), invite, rounds, cloudNice, msid, load0, load1: load(), joins, glass, lipSync, parties, received, servers, defects, timeline })}\n`,
    );
  } catch (e) {
    console.error(`four-parties bench: ${e.stack ?? e}`);
    process.exitCode = 1;
  } finally {
    await Promise.race([Promise.all(Object.values(browsers).map((b) => b.server.close())), sleep(8000)]);
    await Promise.all([gateway.stop(), cloud.stop()]);
    rmSync(dir, { recursive: true, force: true });
    process.exit(process.exitCode ?? 0);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.env[INSIDE]) await inside();
  else printFourParties(await benchFourParties());
}
