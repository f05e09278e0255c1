/**
 * The data folder check at start: a folder under /proc or /sys is refused at once (Node's recursive mkdir
 * would spin there forever), a file is not a folder, a read-only folder cannot keep records; a missing folder
 * is made.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkDataDir, makeDirs } from './data-dir.js';
import { canMakeReadOnly, makeReadOnly } from '../testdata/mounts.js';

const base = mkdtempSync(join(tmpdir(), 'kongxun-datadir-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('checkDataDir', () => {
  it.runIf(process.platform === 'linux')('refuses a folder on /proc or /sys, naming the filesystem', () => {
    for (const [dir, fs] of [['/proc/x', 'proc'], ['/proc/self/x/y', 'proc'], ['/sys/kongxun', 'sysfs']] as const) {
      const r = checkDataDir(dir);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.reason).toContain(`is on ${fs}, a kernel pseudo-filesystem`);
    }
    const made = makeDirs('/proc/x/y/z');
    expect(made.ok).toBe(false);
  });

  it('refuses a file, and a folder under a file', () => {
    const f = join(base, 'a-file');
    writeFileSync(f, 'x');
    for (const dir of [f, join(f, 'sub')]) {
      const r = checkDataDir(dir);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.reason).toMatch(/not a directory/);
    }
  });

  it('makes a missing folder, leaves no probe file, and says how much is free', () => {
    const dir = join(base, 'new', 'deeper');
    const r = checkDataDir(dir);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(existsSync(dir)).toBe(true);
    expect(r.value.freeBytes).toBeGreaterThan(0);
    expect(checkDataDir(dir).ok).toBe(true);
  });

  it.runIf(canMakeReadOnly())('refuses a read-only folder with the cause', () => {
    const dir = mkdtempSync(join(base, 'ro-'));
    const undo = makeReadOnly(dir);
    try {
      const r = checkDataDir(dir);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.reason).toMatch(/cannot be written: (EROFS|EACCES)/);
      const sub = checkDataDir(join(dir, 'sub'));
      expect(sub.ok).toBe(false);
      if (!sub.ok) expect(sub.reason).toMatch(/cannot create .*(EROFS|EACCES)/);
    } finally {
      undo();
    }
  });
});
