/**
 * The video recordings of DATA/video (station/video/recording.ts) as replay needs them: which drone each is of
 * (the file name starts with the drone id, `<drone>-<YYYYMMDD>-<HHMMSS>[-<tag>].ts`), the span of its frames'
 * arrival times (first and last line of its `.idx.jsonl`, cached by size and mtime: a recording still being
 * written is read again when it grows), and all its index lines for a replay session.
 */
import { createReadStream } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { IndexLine } from '../video/recording.js';

/** As recording.ts makes a drone id safe for a file name. */
export const safeDroneId = (drone: string): string => drone.replace(/[^\w.-]/g, '_');

/** True when `file` (a .ts name) is a recording of `drone`. */
export function isRecordingOf(file: string, drone: string): boolean {
  const prefix = `${safeDroneId(drone)}-`;
  return file.startsWith(prefix) && /^\d{8}-\d{6}(?:-[^/\\]+)?\.ts$/.test(file.slice(prefix.length));
}

export const indexFileOf = (tsName: string): string => tsName.replace(/\.ts$/, '.idx.jsonl');

function parseLine(line: string): IndexLine | undefined {
  if (!line.trim()) return undefined;
  try {
    const l = JSON.parse(line) as Partial<IndexLine>;
    if (typeof l.arrivalMs !== 'number' || typeof l.offset !== 'number' || typeof l.size !== 'number' || typeof l.key !== 'boolean') return undefined;
    return { i: l.i ?? 0, rtpTs: l.rtpTs ?? 0, pts: l.pts ?? 0, arrivalMs: l.arrivalMs, captureMs: l.captureMs ?? null, key: l.key, damaged: l.damaged ?? false, offset: l.offset, size: l.size };
  } catch {
    return undefined; // a line cut by a crash mid-write
  }
}

interface Span {
  size: number;
  mtimeMs: number;
  firstMs: number;
  lastMs: number;
}

async function readSlice(path: string, from: number, length: number): Promise<string> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(length);
    const { bytesRead } = await fh.read(buf, 0, length, from);
    return buf.subarray(0, bytesRead).toString('utf8');
  } finally {
    await fh.close();
  }
}

export class VideoIndexCache {
  private spans = new Map<string, Span>();
  private names: string[] = [];

  constructor(readonly dir: string) {}

  /** List DATA/video again and read the span of every recording that is new or changed. */
  async scan(): Promise<void> {
    let names: string[];
    try {
      names = (await readdir(this.dir)).filter((n) => n.endsWith('.ts')).sort();
    } catch {
      names = [];
    }
    const spans = new Map<string, Span>();
    for (const name of names) {
      const idx = join(this.dir, indexFileOf(name));
      try {
        const st = await stat(idx);
        const old = this.spans.get(name);
        if (old && old.size === st.size && old.mtimeMs === st.mtimeMs) {
          spans.set(name, old);
          continue;
        }
        if (st.size === 0) continue;
        const head = parseLine((await readSlice(idx, 0, Math.min(st.size, 4096))).split('\n')[0] ?? '');
        const tailLines = (await readSlice(idx, Math.max(0, st.size - 4096), Math.min(st.size, 4096))).split('\n');
        let tail: IndexLine | undefined;
        for (let k = tailLines.length - 1; k >= 0 && !tail; k--) tail = parseLine(tailLines[k]!);
        if (head && tail) spans.set(name, { size: st.size, mtimeMs: st.mtimeMs, firstMs: head.arrivalMs, lastMs: tail.arrivalMs });
      } catch {
        /* no index (or unreadable): the recording cannot be lined up with a flight */
      }
    }
    this.spans = spans;
    this.names = names;
  }

  /** Recordings of `drone` with frames in [startMs, endMs], in time order (call `scan` first). */
  overlapping(drone: string, startMs: number, endMs: number): string[] {
    return this.names
      .filter((n) => isRecordingOf(n, drone))
      .flatMap((n) => {
        const s = this.spans.get(n);
        return s && s.firstMs <= endMs && s.lastMs >= startMs ? [{ n, first: s.firstMs }] : [];
      })
      .sort((a, b) => a.first - b.first)
      .map((x) => x.n);
  }
}

/** Every index line of a recording, in order (lines cut by a crash are left out). */
export async function* readIndex(path: string): AsyncGenerator<IndexLine> {
  const rl = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  try {
    for await (const line of rl) {
      const l = parseLine(line);
      if (l) yield l;
    }
  } finally {
    rl.close();
  }
}
