/**
 * `telecart demo --temp` as a person runs it (the built CLI, from the repository root, every
 * simulator and service as its own process): while it runs, `telecart gateway status --config`
 * on the gateway config it generated reaches the running gateway; the acts it booked are the
 * cart's day on the nurse page, and their invitations (e-mail with the .ics, SMS) are in the
 * mailbox it prints; Ctrl-C (SIGINT) stops it and leaves no temporary directory behind.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, expect, it } from 'vitest';
import { waitFor } from '../support/wait.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = fileURLToPath(new URL('../../cli/dist/main.js', import.meta.url));

let demo: ChildProcess | undefined;
let demoDir: string | undefined;
afterAll(() => {
  // A failed run: stop it the way a person would (its children stop with it) and drop its directory.
  if (demo && demo.exitCode === null && demo.signalCode === null) demo.kill('SIGINT');
  if (demoDir) rmSync(demoDir, { recursive: true, force: true });
});

it('runs with --temp: gateway status works on its generated config, and Ctrl-C removes its directory', async () => {
  let stdout = '';
  let stderr = '';
  // Ports 0: whatever is free (the demo turns them into concrete numbers for its configs).
  demo = spawn(
    process.execPath,
    [CLI, 'demo', '--temp', '--http-port', '0', '--mqtt-port', '0', '--gateway-http-port', '0', '--mailbox-port', '0'],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  demo.stdout?.on('data', (b: Buffer) => {
    stdout += b.toString('utf8');
  });
  demo.stderr?.on('data', (b: Buffer) => {
    stderr += b.toString('utf8');
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    demo?.once('exit', (code, signal) => resolve({ code, signal })),
  );
  await waitFor(() => stdout.includes('Press Ctrl-C to stop.') || demo?.exitCode !== null, {
    timeoutMs: 120_000,
    intervalMs: 200,
    what: 'the demo to be up',
  });
  expect(demo.exitCode, `${stdout}\n${stderr}`).toBeNull();
  demoDir = /data and logs: +(\S+)/.exec(stdout)?.[1];
  const dataDir = /data and logs: +(\S+) \(removed when the demo stops\)/.exec(stdout)?.[1];
  const gatewayConfig = /telecart gateway status --config (\S+)\)/.exec(stdout)?.[1];
  expect(dataDir, stdout).toBeDefined();
  expect(gatewayConfig, stdout).toBeDefined();
  expect(existsSync(dataDir as string)).toBe(true);

  const status = await promisify(execFile)(process.execPath, [CLI, 'gateway', 'status', '--config', gatewayConfig as string], {
    cwd: ROOT,
  });
  expect(status.stdout).toMatch(/^gateway \S+: running, status from http:\/\/[^:]+:\d+/);

  // The virtual nurse's day: three acts booked through the cloud's API with the demo specialist.
  const booked = [...stdout.matchAll(/agenda: booked (\S+) for (\S+) at (\S+)/g)].map((m) => ({ id: m[1], start: m[3] }));
  expect(booked, stdout).toHaveLength(3);
  // The cart is locked (nurseSignIn.required): the demo prints its nurse and PIN, and the virtual nurse
  // signed in (her first full sign-in through the cloud chose that PIN) before choosing the first room.
  expect(stdout).toMatch(/nurse UI \(the cart\): +\S+ +\(sign in: ide-demo, PIN 2580;/);
  expect(stdout).toMatch(/nurse: now with /);
  // The cart's day (what the nurse page shows) holds those of them that fall today where the cart is.
  const nurseUrl = /nurse UI \(the cart\): +(\S+)\//.exec(stdout)?.[1];
  let day: { day: string; timeZone: string; acts: { id: string }[] | null } | undefined;
  await waitFor(
    async () => {
      const r = await fetch(`${nurseUrl}/api/agenda`);
      day = r.ok ? ((await r.json()) as typeof day) : undefined;
      return (day?.acts?.length ?? 0) > 0;
    },
    { timeoutMs: 30_000, intervalMs: 500, what: "the cart's day" },
  );
  const dateIn = (iso: string, timeZone: string) => new Date(iso).toLocaleDateString('en-CA', { timeZone });
  const today = booked.filter((b) => dateIn(b.start as string, day?.timeZone ?? 'UTC') === day?.day).map((b) => b.id);
  expect(day?.acts?.map((a) => a.id).sort()).toEqual(today.sort());

  // Their invitations, in the mailbox: the nursing home's desk and the specialist, by e-mail and SMS.
  const mailboxUrl = /mailbox \(e-mail\/SMS\): +(\S+)\//.exec(stdout)?.[1];
  expect(mailboxUrl, stdout).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  let list = '';
  await waitFor(
    async () => {
      list = await (await fetch(`${mailboxUrl}/`)).text();
      return (list.match(/data-kind="email"/g) ?? []).length >= 6 && (list.match(/data-kind="sms"/g) ?? []).length >= 6;
    },
    { timeoutMs: 60_000, intervalMs: 500, what: 'the invitations in the mailbox' },
  );
  expect(list).toContain('infirmerie@ehpad-demo.example.org');
  expect(list).toContain('dr.demo@cardiologie.example.org');
  const firstEmail = /<tr data-id="(\d+)" data-kind="email">/.exec(list)?.[1];
  const message = await (await fetch(`${mailboxUrl}/m/${firstEmail}`)).text();
  const ics = /href="(\/m\/\d+\/attachments\/\d+)" download="[^"]*\.ics"/.exec(message)?.[1];
  expect(ics, message).toBeDefined();
  expect(await (await fetch(`${mailboxUrl}${ics}`)).text()).toContain('BEGIN:VCALENDAR');

  demo.kill('SIGINT');
  const end = await exited;
  expect(end, `${stdout}\n${stderr}`).toEqual({ code: 0, signal: null });
  expect(stdout).toContain(`removed ${dataDir}`);
  expect(existsSync(dataDir as string)).toBe(false);
}, 240_000);
