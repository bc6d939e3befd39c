/**
 * A test that measures live WebRTC media in a network namespace must run alone (the `media` project of
 * vitest.config.ts): on two shared workers its frame counts and send rates read the other file's load.
 * A namespaced file that measures nothing of the media is listed apart (NAMESPACED_NOT_MEASURING, in `e2e`).
 * This keeps both lists in the config true as files are added or renamed.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LIVE_MEDIA, NAMESPACED_NOT_MEASURING } from '../../vitest.config.js';
import { filesUnder, ROOT } from './workspace-files.js';

const NAMESPACED = /\b(?:rerunInNamespace|createNamespaces)\(/;

describe('the live-media project', () => {
  it('lists every suite test that runs media in a network namespace, and only existing files', () => {
    const namespaced = filesUnder('tests', /\.test\.ts$/, new Set(['node_modules'])).filter((f) =>
      NAMESPACED.test(readFileSync(join(ROOT, f), 'utf8')),
    );
    expect(namespaced.length).toBeGreaterThan(0);
    expect(namespaced.filter((f) => !LIVE_MEDIA.includes(f) && !NAMESPACED_NOT_MEASURING.includes(f))).toEqual([]);
    expect([...LIVE_MEDIA, ...NAMESPACED_NOT_MEASURING].filter((f) => !existsSync(join(ROOT, f)))).toEqual([]);
    // In one list only: each says where its files run (media: alone; not measuring: in e2e).
    expect(LIVE_MEDIA.filter((f) => NAMESPACED_NOT_MEASURING.includes(f))).toEqual([]);
  });
});
