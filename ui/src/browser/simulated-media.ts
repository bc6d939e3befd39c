/**
 * A generated camera and microphone for the conversation, for carts without those devices (the
 * demo's virtual cart, tests): a 640×360 canvas at 15 frames/s with a moving test pattern and a
 * caption (the resident's name, the time), and a voice-like sound (a 140 Hz buzz through a vowel
 * filter, in syllables of about a quarter of a second, with pauses) from WebAudio. Both are real
 * MediaStreamTracks: WebRTC encodes and sends them as it would a camera's and a microphone's.
 */

export interface SimulatedMedia {
  stream: MediaStream;
  /** Stops the tracks, the drawing and the sound. */
  stop(): void;
}

const W = 640;
const H = 360;
const FPS = 15;
const BARS = ['#c0c0c0', '#c0c000', '#00c0c0', '#00c000', '#c000c0', '#c00000', '#0000c0'];

export function simulatedMedia(caption: () => string): SimulatedMedia {
  const canvas = document.createElement('canvas');
  canvas.width = W;
  canvas.height = H;
  const g = canvas.getContext('2d');
  if (!g) throw new Error('simulated camera: no 2D canvas');
  let frame = 0;
  const draw = () => {
    frame++;
    const bar = W / BARS.length;
    BARS.forEach((c, i) => {
      g.fillStyle = c;
      g.fillRect(i * bar, 0, bar + 1, H);
    });
    // A square that moves: the picture changes every frame, so every frame is encoded and sent.
    const x = (frame * 8) % (W + 80);
    g.fillStyle = '#ffffff';
    g.fillRect(x - 80, H / 2 - 40, 80, 80);
    g.fillStyle = 'rgba(0,0,0,0.65)';
    g.fillRect(0, H - 70, W, 70);
    g.fillStyle = '#ffffff';
    g.font = '24px sans-serif';
    g.fillText(caption(), 16, H - 40);
    g.font = '18px sans-serif';
    g.fillText(new Date().toLocaleTimeString(), 16, H - 14);
  };
  draw();
  const timer = window.setInterval(draw, 1000 / FPS);
  const video = canvas.captureStream(FPS).getVideoTracks();

  const ctx = new AudioContext({ sampleRate: 48_000 });
  const buzz = ctx.createOscillator();
  buzz.type = 'sawtooth';
  buzz.frequency.value = 140;
  const vowel = ctx.createBiquadFilter();
  vowel.type = 'bandpass';
  vowel.frequency.value = 800;
  vowel.Q.value = 2;
  const syllables = ctx.createGain();
  syllables.gain.value = 0;
  const out = ctx.createMediaStreamDestination();
  buzz.connect(vowel).connect(syllables).connect(out);
  buzz.start();
  // Syllables (0.15–0.35 s) and the pauses between them, the vowel and pitch changing: speech-like enough for the codec and the meters.
  let t = ctx.currentTime + 0.1;
  const speak = () => {
    while (t < ctx.currentTime + 2) {
      const d = 0.15 + Math.random() * 0.2;
      syllables.gain.setTargetAtTime(0.4, t, 0.02);
      syllables.gain.setTargetAtTime(0, t + d, 0.03);
      vowel.frequency.setValueAtTime(500 + Math.random() * 1500, t);
      buzz.frequency.setValueAtTime(120 + Math.random() * 60, t);
      t += d + (Math.random() < 0.2 ? 0.6 : 0.08);
    }
  };
  speak();
  const talker = window.setInterval(speak, 1000);
  // A context made before any click starts suspended: it resumes on the first one (the nurse's call).
  const resume = () => void ctx.resume();
  void ctx.resume();
  document.addEventListener('click', resume);

  const stream = new MediaStream([...out.stream.getAudioTracks(), ...video]);
  return {
    stream,
    stop() {
      window.clearInterval(timer);
      window.clearInterval(talker);
      document.removeEventListener('click', resume);
      for (const track of stream.getTracks()) track.stop();
      void ctx.close();
    },
  };
}
