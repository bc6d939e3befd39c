// The cart's uplink budget on a shaped link (docs/conversation.md, « Bandwidth »): the matrix of figures
// behind the test tests/teleconsult/uplink-budget.browser.test.ts, which it runs (root, Debian chromium,
// `npm run build` first: the pages are built). For each of budget off (TELECART_BUDGET_OFF=1, each peer
// adapting alone, as before the budget) and on, one act whose cart uplink is shaped with tbf at each rate in
// turn; at the specialist, over ~20 s per rate: the cart's voice and the stethoscope (concealed samples,
// packets lost, kbit/s), the ECG chunks, the PTZ and room camera frames, what the shaped link sent and
// dropped, what each of the cart's peers offered before tbf (nft), the budget's level; then a line with the
// cart's voice packets a second over 4 s and the ptime its page's peer was answered with.
//
//   node bench/uplink-budget.mjs [rates]    e.g. `100kbit,300kbit` (the default)
//
// Not part of `npm run bench`: two acts of ~2 minutes each on the 2-core machine.
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const FILE = 'tests/teleconsult/uplink-budget.browser.test.ts';

function run(env) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['node_modules/vitest/vitest.mjs', 'run', '--project', 'media', FILE], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    child.once('close', (code) => resolve({ code, out }));
  });
}

const rates = process.argv[2] ?? '100kbit,300kbit';
const rows = [];
for (const off of [true, false]) {
  const started = loadavg()[0].toFixed(1);
  const r = await run({ TELECART_BUDGET_RATES: rates, ...(off ? { TELECART_BUDGET_OFF: '1' } : {}) });
  const lines = r.out
    // biome-ignore lint/suspicious/noControlCharactersInRegex: vitest colours its output
    .replace(/\u001b\[[0-9;]*m/g, '')
    .split('\n')
    .filter((l) => l.trim().startsWith('figures '));
  if (r.code !== 0 || lines.length === 0) {
    console.log(`budget ${off ? 'off' : 'on'}: no figures (exit ${r.code}, load ${started})`);
    console.log(r.out.slice(-3000));
    continue;
  }
  for (const l of lines) rows.push({ budget: off ? 'off' : 'on', line: l.trim().replace(/^figures /, '') });
}
console.log(`\n## The cart's uplink budget, shaped runs (${rates})`);
for (const r of rows) console.log(`budget ${r.budget}: ${r.line}`);
