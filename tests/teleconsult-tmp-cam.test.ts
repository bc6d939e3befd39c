import { startSimCamera } from '@telecart/firmware-sim';
import { spawn } from 'node:child_process';
import { it } from 'vitest';
it('streams', async () => {
  const cam = await startSimCamera({ stream: { width: 320, height: 240, fps: 10 }, snapshots: false });
  console.log(cam.streamUri);
  cam.ptz.continuousMove({ pan: 1 }, 3000);
  for (const proto of ['udp', 'tcp']) {
  const t0 = Date.now();
  const c = spawn('gst-launch-1.0', ['-q', 'rtspsrc', `location=${cam.streamUri}`, `protocols=${proto}`, 'latency=0', '!', 'rtph264depay', '!', 'h264parse', '!', 'avdec_h264', '!', 'videoconvert', '!', 'pngenc', '!', 'multifilesink', `location=/tmp/mt/${proto}%02d.png`, 'max-files=3'], {stdio:['ignore','inherit','inherit']});
  await new Promise((r) => setTimeout(r, 1500));
  c.kill('SIGINT');
  await new Promise((r) => c.once('close', r));
  console.log(proto, Date.now() - t0);
  }
  await cam.stop();
}, 20000);
