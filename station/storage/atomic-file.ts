/**
 * Replace a small file in the data folder whole or not at all: the new content is written beside it
 * (`<path>.tmp`), flushed to the disk (fsync), and renamed over the old one, then the folder is flushed so the
 * rename itself survives a power cut. A process killed at any point leaves either the old file or the new one,
 * never a torn one (a stale `.tmp` at worst, overwritten by the next write). One writer per path: callers
 * chain their writes (the `.tmp` name is shared).
 *
 * The per-drone files rewritten while the station runs use it (the battery model, battery-store.ts; the
 * parameter cache, params-cache.ts), and so do the signing keys (files/keys.ts, with `mode` 0600 from the
 * first byte, synchronously: a key is written between two commands to the drone). Without the fsync a power
 * cut after the rename can leave an empty file in the new name: for a key just installed on a drone, a drone
 * the station can no longer talk to.
 */
import { closeSync, fchmodSync, fsyncSync, openSync, renameSync, writeSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { err, ok, type Result } from '../../common/result.js';
import { makeDirs } from './data-dir.js';

export interface AtomicWriteOptions {
  /** File mode of the new file from its creation (e.g. 0o600 for a key); default 0o666 less the umask. */
  mode?: number;
}

export async function writeFileAtomic(path: string, data: string | Uint8Array, o: AtomicWriteOptions = {}): Promise<Result<void>> {
  const dir = dirname(path);
  const made = makeDirs(dir);
  if (!made.ok) return err('write-failed', `${dir}: ${made.reason}`);
  const tmp = `${path}.tmp`;
  try {
    const f = await open(tmp, 'w', o.mode ?? 0o666);
    try {
      // A stale .tmp from an earlier run keeps its old mode through open(): set it.
      if (o.mode !== undefined) await f.chmod(o.mode);
      await f.writeFile(data);
      await f.sync();
    } finally {
      await f.close();
    }
    await rename(tmp, path);
  } catch (e) {
    return err('write-failed', `${path}: ${(e as Error).message}`);
  }
  // The rename is in the folder's entry: flush it too. Not every platform can open a folder for that (Windows):
  // the file is in place either way, so a failure here is not the write's.
  try {
    const d = await open(dir, 'r');
    try {
      await d.sync();
    } finally {
      await d.close();
    }
  } catch {
    /* best effort */
  }
  return ok(undefined);
}

/** The same, synchronously. */
export function writeFileAtomicSync(path: string, data: string | Uint8Array, o: AtomicWriteOptions = {}): Result<void> {
  const dir = dirname(path);
  const made = makeDirs(dir);
  if (!made.ok) return err('write-failed', `${dir}: ${made.reason}`);
  const tmp = `${path}.tmp`;
  try {
    const fd = openSync(tmp, 'w', o.mode ?? 0o666);
    try {
      if (o.mode !== undefined) fchmodSync(fd, o.mode);
      const bytes = typeof data === 'string' ? Buffer.from(data) : data;
      for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off, bytes.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    return err('write-failed', `${path}: ${(e as Error).message}`);
  }
  try {
    const d = openSync(dir, 'r');
    try {
      fsyncSync(d);
    } finally {
      closeSync(d);
    }
  } catch {
    /* best effort */
  }
  return ok(undefined);
}
