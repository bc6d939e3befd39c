/**
 * One worker process of `telecart sim fleet --workers N`: a share of the light gateways, driven by
 * the parent over the fork IPC channel (worker-protocol.ts). It reports its counters, backlog, CPU
 * and memory every 200 ms; at the end its latency histogram, which the parent merges.
 */
import { compile, formatIssues } from '@telecart/protocol';
import { LatencyHistogram } from './latency.js';
import { LightGateway, newCounters } from './light-gateway.js';
import { nextGapMs, seeded } from './rate-model.js';
import { type FromWorker, ToWorker, type WorkerGateway, type WorkerStats } from './worker-protocol.js';

const checkMessage = compile(ToWorker);
const STATS_EVERY_MS = 200;

function main(): void {
  const send = (m: FromWorker) => process.send?.(m);
  if (!process.send) throw new Error('the fleet worker runs as a child of telecart sim fleet (fork, IPC channel)');
  const counters = newCounters();
  const latency = new LatencyHistogram();
  const gateways: LightGateway[] = [];
  let plan: WorkerGateway[] = [];
  let random: () => number = Math.random;
  const timers = new Set<NodeJS.Timeout>();
  // First connections: those due wait for a slot; a slot frees when a gateway is connected.
  const due: LightGateway[] = [];
  let connecting = 0;
  let maxConnecting = Number.POSITIVE_INFINITY;
  const admitDue = () => {
    while (connecting < maxConnecting && due.length > 0) {
      connecting++;
      due.shift()?.start();
    }
  };
  const stats = (): WorkerStats => {
    const cpu = process.cpuUsage();
    return {
      counters: { ...counters },
      backlog: gateways.reduce((n, g) => n + g.backlog, 0),
      cpuMicros: cpu.user + cpu.system,
      rssBytes: process.memoryUsage.rss(),
    };
  };
  const ticker = setInterval(() => send({ type: 'stats', stats: stats() }), STATS_EVERY_MS);

  const later = (ms: number, fn: () => void) => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };

  process.on('message', (raw: unknown) => {
    const v = checkMessage.validate(raw);
    if (!v.ok) {
      send({ type: 'error', message: `fleet worker: a message from the parent does not fit: ${formatIssues(v.issues)}` });
      return;
    }
    const m = v.value;
    switch (m.type) {
      case 'init': {
        plan = m.gateways;
        random = seeded(m.seed);
        for (const g of plan)
          gateways.push(
            new LightGateway({
              gatewayId: g.gatewayId,
              patientId: `p-${g.gatewayId}`,
              kind: g.kind,
              url: m.url,
              credentials: { key: g.key, cert: g.cert, ca: m.ca },
              backoff: m.backoff,
              tlsResumption: m.tlsResumption,
              counters,
              latency,
              random,
              onFirstConnect: () => {
                connecting--;
                admitDue();
              },
            }),
          );
        send({ type: 'ready', stats: stats() });
        return;
      }
      case 'connect':
        maxConnecting = m.maxConnecting;
        for (const g of gateways)
          later(random() * m.rampMs, () => {
            due.push(g);
            admitDue();
          });
        return;
      case 'steady': {
        const stopAt = Date.now() + m.durationMs;
        const schedule = (g: LightGateway, perDay: number, lane: 'spot' | 'waveform') => {
          const gap = nextGapMs(perDay, m.rate, random);
          if (Date.now() + gap > stopAt) return;
          later(gap, () => {
            g.measure(lane);
            schedule(g, perDay, lane);
          });
        };
        gateways.forEach((g, i) => {
          const p = plan[i] as WorkerGateway;
          schedule(g, p.spotPerDay, 'spot');
          if (p.waveformPerDay > 0) schedule(g, p.waveformPerDay, 'waveform');
        });
        setTimeout(() => send({ type: 'measured', stats: stats() }), m.durationMs);
        return;
      }
      case 'record':
        for (const g of gateways) for (let k = 0; k < m.readings; k++) g.measure('spot');
        send({ type: 'recorded', stats: stats() });
        return;
      case 'stop':
        clearInterval(ticker);
        for (const t of timers) clearTimeout(t);
        void (async () => {
          // The counters and backlog as the run ended, before closing adds offline statuses.
          const end = stats();
          await Promise.all(gateways.map((g) => g.stop().catch(() => undefined)));
          process.send?.({ type: 'final', stats: end, latency: latency.entries(), latencyMaxMs: latency.max } satisfies FromWorker, () =>
            process.disconnect(),
          );
        })();
        return;
    }
  });
  // The parent went away (killed, crashed): nothing to report to; the sockets close with the process.
  process.on('disconnect', () => process.exit(0));
}

main();
