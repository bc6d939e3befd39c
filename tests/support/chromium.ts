/**
 * Headless Chromium for the browser tests: the Debian build (never a downloaded one) with the flags
 * that were seen working on these machines (toolchain notes). WebRTC tests add `webrtc: true`
 * (loopback candidates, fake media devices, autoplay) and must run inside a network namespace.
 */
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);

export const CHROMIUM_FLAGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

export const WEBRTC_FLAGS: readonly string[] = [
  '--allow-loopback-in-peer-connection',
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream',
  '--autoplay-policy=no-user-gesture-required',
];

export function chromiumArgs(opts: { webrtc?: boolean } = {}): string[] {
  return [...CHROMIUM_FLAGS, ...(opts.webrtc ? WEBRTC_FLAGS : [])];
}

export function launchChromium(opts: { webrtc?: boolean } = {}): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: chromiumArgs(opts) });
}
