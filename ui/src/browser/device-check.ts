/**
 * The patient's device check before the waiting room (the join page): camera, microphone, speaker,
 * network, and whether the TURN relay answers. Each check gives a verdict (`ok` / `problem`) and a
 * reason the page turns into advice (ui i18n `home` namespace, `advice:<reason>`); measurements come
 * with it. No DOM is built here: the page passes its own <video> element and draws the meter.
 * Clocks are injected (`now`, `sleep`) so a test can drive them; defaults are the browser's.
 */

export type CheckName = 'camera' | 'microphone' | 'speaker' | 'network' | 'relay';
export type CheckReason =
  | 'ok'
  | 'denied'
  | 'no-device'
  | 'busy'
  | 'no-frames'
  | 'silent'
  | 'not-heard'
  | 'no-sound'
  | 'slow'
  | 'offline'
  | 'no-relay'
  | 'error';

export interface CheckResult {
  check: CheckName;
  status: 'ok' | 'problem';
  reason: CheckReason;
  /** What was measured: frames, peak level, round trip ms, upload kbit/s… */
  measured: Record<string, number>;
}

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}
const browserClock: Clock = { now: () => performance.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) };

/** At least this many camera frames in the window: a live picture. */
export const MIN_FRAMES = 5;
/** Peak RMS above this (about −40 dBFS): the microphone hears something. */
export const MIN_LEVEL = 0.01;
/** Below these the network is said to be too slow for video. */
export const MAX_RTT_MS = 1000;
export const MIN_UPLOAD_KBIT = 300;

const result = (check: CheckName, reason: CheckReason, measured: Record<string, number> = {}): CheckResult => ({
  check,
  status: reason === 'ok' ? 'ok' : 'problem',
  reason,
  measured,
});

/** The reason of a getUserMedia failure, in the page's terms. */
export function mediaErrorReason(e: unknown): CheckReason {
  const name = e instanceof DOMException || e instanceof Error ? e.name : '';
  if (name === 'NotAllowedError' || name === 'SecurityError') return 'denied';
  if (name === 'NotFoundError' || name === 'OverconstrainedError') return 'no-device';
  if (name === 'NotReadableError' || name === 'AbortError') return 'busy';
  return 'error';
}

/** Asks for one kind of device: the stream, or why not. */
export async function openDevice(kind: 'camera' | 'microphone', media: MediaDevices = navigator.mediaDevices) {
  try {
    const stream = await media.getUserMedia(kind === 'camera' ? { video: true } : { audio: true });
    return { ok: true as const, stream };
  } catch (e) {
    return { ok: false as const, reason: mediaErrorReason(e) };
  }
}

/** Shows the camera in `video` and counts the frames it paints during `windowMs`. */
export async function checkCamera(video: HTMLVideoElement, windowMs = 2000, clock: Clock = browserClock): Promise<CheckResult> {
  const opened = await openDevice('camera');
  if (!opened.ok) return result('camera', opened.reason);
  video.muted = true;
  video.srcObject = opened.stream;
  await video.play().catch(() => undefined);
  let frames = 0;
  let counting = true;
  const count = () => {
    frames++;
    if (counting) video.requestVideoFrameCallback(count);
  };
  video.requestVideoFrameCallback(count);
  await clock.sleep(windowMs);
  counting = false;
  const track = opened.stream.getVideoTracks()[0];
  const measured = { frames, width: video.videoWidth, height: video.videoHeight };
  // The preview keeps running for the patient; the page stops it when it leaves the step.
  return result('camera', frames >= MIN_FRAMES && track?.readyState === 'live' ? 'ok' : 'no-frames', measured);
}

/** Listens to the microphone for `windowMs`; `onLevel` gets each RMS level (0–1) for the meter. */
export async function checkMicrophone(
  onLevel: (level: number) => void = () => undefined,
  windowMs = 2000,
  clock: Clock = browserClock,
): Promise<CheckResult> {
  const opened = await openDevice('microphone');
  if (!opened.ok) return result('microphone', opened.reason);
  const ctx = new AudioContext();
  try {
    const analyser = ctx.createAnalyser();
    analyser.fftSize = 2048;
    ctx.createMediaStreamSource(opened.stream).connect(analyser);
    const buf = new Float32Array(analyser.fftSize);
    let peak = 0;
    for (const end = clock.now() + windowMs; clock.now() < end; ) {
      analyser.getFloatTimeDomainData(buf);
      let sum = 0;
      for (const v of buf) sum += v * v;
      const level = Math.sqrt(sum / buf.length);
      peak = Math.max(peak, level);
      onLevel(level);
      await clock.sleep(50);
    }
    return result('microphone', peak > MIN_LEVEL ? 'ok' : 'silent', { peakLevel: Math.round(peak * 1000) / 1000 });
  } finally {
    for (const t of opened.stream.getTracks()) t.stop();
    await ctx.close();
  }
}

/** Plays a 660 Hz tone on the speaker for `ms`; whether the browser actually played it (autoplay allowed). */
export async function playTestSound(ms = 1000, clock: Clock = browserClock): Promise<boolean> {
  const ctx = new AudioContext();
  try {
    await ctx.resume();
    if (ctx.state !== 'running') return false;
    const tone = ctx.createOscillator();
    const gain = ctx.createGain();
    tone.frequency.value = 660;
    gain.gain.value = 0.2;
    tone.connect(gain).connect(ctx.destination);
    tone.start();
    await clock.sleep(ms);
    tone.stop();
    return true;
  } finally {
    await ctx.close();
  }
}

/** The speaker's verdict: the sound played and the patient said they heard it. */
export function speakerResult(played: boolean, heard: boolean): CheckResult {
  return result('speaker', !played ? 'no-sound' : heard ? 'ok' : 'not-heard');
}

/**
 * Round trip (best of 3 empty POSTs) and upload rate (one `uploadBytes` POST) to `probeUrl`, a small
 * route of the cloud under the link that answers as soon as it has read the body.
 */
export async function checkNetwork(
  probeUrl: string,
  uploadBytes = 128 * 1024,
  clock: Clock = browserClock,
  fetchFn: typeof fetch = (...a) => fetch(...a),
): Promise<CheckResult> {
  const post = async (bytes: number) => {
    const body = new Uint8Array(new ArrayBuffer(bytes));
    const t0 = clock.now();
    const r = await fetchFn(probeUrl, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body, cache: 'no-store' });
    await r.arrayBuffer();
    if (!r.ok) throw new Error(`probe answered ${r.status}`);
    return clock.now() - t0;
  };
  try {
    let rtt = Number.POSITIVE_INFINITY;
    for (let i = 0; i < 3; i++) rtt = Math.min(rtt, await post(0));
    const ms = Math.max(1, (await post(uploadBytes)) - rtt);
    const kbit = Math.round((uploadBytes * 8) / ms);
    const measured = { rttMs: Math.round(rtt), uploadKbit: kbit };
    return result('network', rtt <= MAX_RTT_MS && kbit >= MIN_UPLOAD_KBIT ? 'ok' : 'slow', measured);
  } catch {
    return result('network', 'offline');
  }
}

/**
 * Whether the TURN relay answers with these credentials (the act's, from the cloud): an ICE
 * gathering restricted to relay candidates yields one within `timeoutMs`.
 */
export async function checkRelay(iceServers: RTCIceServer[], timeoutMs = 5000, clock: Clock = browserClock): Promise<CheckResult> {
  const pc = new RTCPeerConnection({ iceServers, iceTransportPolicy: 'relay' });
  const started = clock.now();
  try {
    const found = new Promise<boolean>((resolve) => {
      pc.addEventListener('icecandidate', (e) => {
        if (e.candidate === null) resolve(false);
        else if (e.candidate.type === 'relay') resolve(true);
      });
    });
    pc.createDataChannel('check');
    await pc.setLocalDescription(await pc.createOffer());
    const relay = await Promise.race([found, clock.sleep(timeoutMs).then(() => false)]);
    return result('relay', relay ? 'ok' : 'no-relay', relay ? { gatherMs: Math.round(clock.now() - started) } : {});
  } catch {
    return result('relay', 'no-relay');
  } finally {
    pc.close();
  }
}
