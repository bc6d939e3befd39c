// Starts bench/support/cloud-child.mjs and resolves with its MQTT URL, a stored-observation
// stream (when asked) and a stop function.
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** `patients`: the cloud's configured patients; it stores readings only for those assigned to the sending gateway. */
export async function spawnCloud(dataDir, { reportStored = false, patients = [] } = {}) {
  const child = fork(fileURLToPath(new URL('./cloud-child.mjs', import.meta.url)), [dataDir], {
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    env: { ...process.env, TELECART_BENCH_STORED: reportStored ? '1' : '0', TELECART_BENCH_PATIENTS: JSON.stringify(patients) },
    // BENCH_CLOUD_PROF=<dir>: a V8 CPU profile of the cloud process (summarise: node bench/support/cpu-profile-top.mjs <file>).
    execArgv: process.env.BENCH_CLOUD_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CLOUD_PROF] : [],
  });
  const listeners = new Set();
  child.on('message', (batch) => {
    for (const l of listeners) for (const s of batch) l(s[0], s[1], s[2]);
  });
  const mqttUrl = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (c) => {
      out += c;
      const line = out.split('\n')[0];
      if (out.includes('\n')) resolve(JSON.parse(line).mqttUrl);
    });
    child.once('exit', (code) => reject(new Error(`cloud child exited with ${code}`)));
  });
  return {
    mqttUrl,
    pid: child.pid,
    /** CPU seconds (user + system) the cloud process has used so far (Linux /proc). */
    cpuSeconds() {
      const f = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1].split(' ');
      return (Number(f[11]) + Number(f[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
    },
    /** (gatewayId, seq, wall-clock ms) for each observation the cloud committed. */
    onStored(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
