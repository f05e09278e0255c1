/**
 * Real filesystems for the storage fault tests: a small tmpfs (a disk that fills up for real) and a folder
 * made read-only. Mounting needs root (CI runs as root); `KONGXUN_FULL_FS` may name a small filesystem
 * scripts/test.sh mounted instead. A non-root run gets a read-only folder by chmod (root ignores modes, so
 * root bind-mounts the folder read-only over itself).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const isRoot = () => process.getuid?.() === 0;

/** A fresh tmpfs of `sizeBytes` at a new temp folder, or the reason there is none here. */
export function mountTmpfs(sizeBytes: number): { dir: string; unmount(): void } | { reason: string } {
  if (!isRoot()) return { reason: 'not root: no tmpfs can be mounted' };
  const dir = mkdtempSync(join(tmpdir(), 'kongxun-full-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeBytes},mode=0755`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    return { reason: `mount failed: ${String((e as { stderr?: unknown }).stderr ?? e).trim()}` };
  }
  return {
    dir,
    unmount: () => {
      try {
        execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** Make `dir` read-only for this process; returns the undo. */
export function makeReadOnly(dir: string): () => void {
  if (!isRoot()) {
    chmodSync(dir, 0o555);
    return () => chmodSync(dir, 0o755);
  }
  execFileSync('mount', ['--bind', dir, dir], { stdio: 'pipe' });
  execFileSync('mount', ['-o', 'remount,ro,bind', dir], { stdio: 'pipe' });
  return () => execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
}

/** Whether this machine lets the test make a folder read-only (root in a container without mount rights: no). */
export function canMakeReadOnly(): boolean {
  const dir = mkdtempSync(join(tmpdir(), 'kongxun-ro-probe-'));
  try {
    const undo = makeReadOnly(dir);
    undo();
    return true;
  } catch {
    return false;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The free bytes of the filesystem of `dir`, as `df` says. */
function freeBytes(dir: string): number {
  return Number(execFileSync('df', ['-B1', '--output=avail', dir], { encoding: 'utf8' }).trim().split('\n').pop());
}

/**
 * A file that takes all but `leaveBytes` of the free space of the filesystem of `dir`. The station under test
 * keeps writing while this runs, so the space measured a moment ago may be gone: fallocate takes all but a
 * margin of it at once, then the file grows in shrinking steps until the filesystem refuses (bounded: from the
 * margin down to one page). With `leaveBytes` 0 the filesystem is full.
 */
export function fillUp(dir: string, leaveBytes: number): string {
  const path = join(dir, 'filler.bin');
  const margin = 1024 * 1024;
  const first = Math.max(0, freeBytes(dir) - leaveBytes - margin);
  if (first > 0) execFileSync('fallocate', ['-l', String(first), path], { stdio: 'pipe' });
  let size = first;
  for (let step = margin; step >= 4096; step /= 2) {
    for (let k = 0; k < 4 && freeBytes(dir) - leaveBytes >= step; k++) {
      try {
        execFileSync('fallocate', ['-o', String(size), '-l', String(step), path], { stdio: 'pipe' });
        size += step;
      } catch {
        break; // taken by the station in the meantime: a smaller step
      }
    }
  }
  return path;
}
