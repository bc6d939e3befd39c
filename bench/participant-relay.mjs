// What a relayed participant message costs (docs/teleconsultation.md, « A participant on another
// instance »): the instance serving a guest's socket sends each of their frames to the act's owner,
// and the owner's answers back, over PostgreSQL LISTEN/NOTIFY (store/pg-instance-channel.ts). Measured
// here: one hop, send → delivered to the other instance's listener, ms, sequential, for an ICE-sized
// signal, an SDP-sized offer (one NOTIFY) and a 20 KB text (three parts), on loopback.
//
//   `node bench/participant-relay.mjs [messages]` prints the table (needs `npm run build`).
const dist = process.env.BENCH_CLOUD_DIST ? `file://${process.env.BENCH_CLOUD_DIST.replace(/\/$/, '')}` : '../cloud/dist';
const { PgInstanceChannel } = await import(`${dist}/store/pg-instance-channel.js`);
const { startPostgres } = await import(`${dist}/testing/postgres.js`);

const quiet = { lost: (e) => console.error(e), dropped: (why) => console.error(why) };

function pct(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function hops(from, to, size, n) {
  const body = 'x'.repeat(size);
  let resolve;
  await to.listen('bench-owner', () => resolve?.());
  const once = async () => {
    const got = new Promise((r) => {
      resolve = r;
    });
    const t = performance.now();
    await from.send('bench-owner', JSON.stringify({ v: 1, kind: 'frame', data: body }));
    await got;
    return performance.now() - t;
  };
  for (let i = 0; i < 20; i++) await once();
  const ms = [];
  for (let i = 0; i < n; i++) ms.push(await once());
  ms.sort((a, b) => a - b);
  return { p50: pct(ms, 50), p99: pct(ms, 99), max: ms[ms.length - 1] };
}

export async function benchParticipantRelay(n = 200) {
  const server = process.env.TELECART_TEST_PG_URL ? undefined : await startPostgres();
  const url = process.env.TELECART_TEST_PG_URL ?? server.url;
  const rows = [];
  try {
    for (const [name, size] of [
      ['ICE candidate (200 B)', 200],
      ['SDP offer (5 KB, one NOTIFY)', 5000],
      ['20 KB (three parts)', 20_000],
    ]) {
      const serving = new PgInstanceChannel(url, quiet);
      const owner = new PgInstanceChannel(url, quiet);
      try {
        rows.push([name, await hops(serving, owner, size, n)]);
      } finally {
        await serving.close();
        await owner.close();
      }
    }
  } finally {
    await server?.stop();
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const n = Number(process.argv[2] ?? 200);
  console.log(`| message | p50 ms | p99 ms | max ms (${n} hops) |\n|---|---|---|---|`);
  for (const [name, r] of await benchParticipantRelay(n))
    console.log(`| ${name} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.max.toFixed(2)} |`);
}
