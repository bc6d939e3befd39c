/**
 * A page's camera for the glass-to-glass benches (conversation.mjs, four-parties.mjs): an init script
 * (Playwright's `addInitScript`, so it is self-contained) that makes getUserMedia's video a 640×360 canvas
 * at 15 frames/s with a moving block (so the encoder works as for a face) and a flash block at the bottom
 * right. `window.__flash(true|false)` lights it; `window.__flashes` holds when each flash was first
 * painted, on the machine's clock (performance.timeOrigin + now), for the receiver's `requestVideoFrameCallback`
 * to be compared with. The microphone stays the browser's own (Chromium's fake one in the benches), unless
 * `{ tone: true }` is passed: then it is a WebAudio signal, a quiet 220 Hz hum (so the voice is never silent)
 * with a loud 1 kHz tone switched on in the same canvas tick that paints the flash and off with it, so that
 * a receiver can time the voice's onset against the face's flash (four-parties.mjs, the lip sync figures).
 */
export const FLASH_CAMERA = (opts) => {
  const w = window;
  w.__flashes = [];
  let lit = false;
  let wantLit = false;
  const canvas = document.createElement('canvas');
  canvas.width = 640;
  canvas.height = 360;
  const ctx = canvas.getContext('2d');
  let tone;
  if (opts?.tone) {
    const ac = new AudioContext();
    const dest = ac.createMediaStreamDestination();
    const hum = ac.createOscillator();
    const humGain = ac.createGain();
    hum.frequency.value = 220;
    humGain.gain.value = 0.01;
    hum.connect(humGain).connect(dest);
    const beep = ac.createOscillator();
    const beepGain = ac.createGain();
    beep.frequency.value = 1000;
    beepGain.gain.value = 0;
    beep.connect(beepGain).connect(dest);
    hum.start();
    beep.start();
    tone = {
      track: dest.stream.getAudioTracks()[0],
      set: (on) => beepGain.gain.setValueAtTime(on ? 0.5 : 0, ac.currentTime),
      resume: () => ac.resume(),
    };
  }
  let n = 0;
  setInterval(() => {
    ctx.fillStyle = '#303840';
    ctx.fillRect(0, 0, 640, 360);
    ctx.fillStyle = '#8090a0';
    ctx.fillRect((n++ * 7) % 600, 150, 40, 40);
    ctx.fillStyle = wantLit ? '#ffffff' : '#000000';
    ctx.fillRect(460, 252, 180, 108);
    if (wantLit && !lit) w.__flashes.push(performance.timeOrigin + performance.now());
    if (wantLit !== lit) tone?.set(wantLit);
    lit = wantLit;
  }, 1000 / 15);
  w.__flash = (on) => {
    wantLit = on;
  };
  const md = navigator.mediaDevices;
  const real = md.getUserMedia.bind(md);
  md.getUserMedia = async (c) => {
    let audio = [];
    if (c?.audio && tone) {
      await tone.resume();
      audio = [tone.track.clone()];
    } else if (c?.audio) audio = (await real({ audio: c.audio })).getAudioTracks();
    const video = c?.video ? canvas.captureStream(15).getVideoTracks() : [];
    return new MediaStream([...audio, ...video]);
  };
};
