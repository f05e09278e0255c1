/**
 * Replace a small file in the data folder whole or not at all: the new content is written beside it
 * (`<path>.tmp`), flushed to the disk (fsync), and renamed over the old one, then the folder is flushed so the
 * rename itself survives a power cut. A process killed at any point leaves either the old file or the new one,
 * never a torn one (a stale `.tmp` at worst, overwritten by the next write). One writer per path: callers
 * chain their writes (the `.tmp` name is shared).
 *
 * The per-drone files that are rewritten while the station runs use it (the battery model, battery-store.ts).
 */
import { open, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { err, ok, type Result } from '../../common/result.js';
import { makeDirs } from './data-dir.js';

export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<Result<void>> {
  const dir = dirname(path);
  const made = makeDirs(dir);
  if (!made.ok) return err('write-failed', `${dir}: ${made.reason}`);
  const tmp = `${path}.tmp`;
  try {
    const f = await open(tmp, 'w');
    try {
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
