/**
 * A test that measures live WebRTC media in a network namespace must run alone (the `media` project of
 * vitest.config.ts): on two shared workers its frame counts and send rates read the other file's load.
 * This keeps the list in the config true as files are added or renamed.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LIVE_MEDIA } from '../../vitest.config.js';
import { filesUnder, ROOT } from './workspace-files.js';

const NAMESPACED = /\b(?:rerunInNamespace|createNamespaces)\(/;

describe('the live-media project', () => {
  it('lists every suite test that runs media in a network namespace, and only existing files', () => {
    const namespaced = filesUnder('tests', /\.test\.ts$/, new Set(['node_modules'])).filter((f) =>
      NAMESPACED.test(readFileSync(join(ROOT, f), 'utf8')),
    );
    expect(namespaced.length).toBeGreaterThan(0);
    expect(namespaced.filter((f) => !LIVE_MEDIA.includes(f))).toEqual([]);
    expect(LIVE_MEDIA.filter((f) => !existsSync(join(ROOT, f)))).toEqual([]);
  });
});
