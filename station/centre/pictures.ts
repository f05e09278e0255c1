/**
 * Alert pictures between a station and the centre (issue 18; resources/formats/centre.md, `snapshot`).
 *
 *  - Station: `readPicture` reads the alert's JPEG from DATA/snapshots (written by ffmpeg a moment after the
 *    alert: `null` until it is there), checks it is a JPEG, and makes one over MAX_PICTURE_BYTES again at 320 px
 *    with ffmpeg (bounded in time); still too large, it is an error value and the picture is left out.
 *  - Link: `PicturesOut` waits for each alert's picture (at most 30 s, at most 32 at once) and puts it in the
 *    outbox as a droppable QoS 1 message, after its alert.
 *  - Centre: `PictureShelf` keeps the latest pictures per station and file (count- and byte-bounded), each
 *    checked again (schema, base64, JPEG markers, size) before it is kept.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { err, ok, type Result } from '../../common/result.js';
import { MAX_PICTURE_BYTES, type SnapshotMsg } from './schema.js';
import { realDeadline } from '../real-time.js';

const FILE_RE = /^[A-Za-z0-9_-]{1,64}_\d{13}(?:_\d+)?\.jpg$/;
const isJpeg = (b: Uint8Array) => b.length >= 4 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff && b[b.length - 2] === 0xff && b[b.length - 1] === 0xd9;

/** A JPEG made smaller by ffmpeg (320 px wide, lower quality), in memory; bounded in time and size. */
export function shrinkJpeg(jpeg: Uint8Array, ffmpeg = '/usr/bin/ffmpeg'): Promise<Result<Uint8Array>> {
  return new Promise((resolve) => {
    const ff = spawn(ffmpeg, ['-hide_banner', '-loglevel', 'error', '-f', 'image2pipe', '-c:v', 'mjpeg', '-i', 'pipe:0', '-frames:v', '1', '-vf', "scale='min(320,iw)':-2", '-q:v', '12', '-f', 'image2', '-c:v', 'mjpeg', 'pipe:1'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let n = 0;
    let errText = '';
    ff.stdout.on('data', (b: Buffer) => {
      n += b.length;
      if (n <= 4 * MAX_PICTURE_BYTES) out.push(b);
    });
    ff.stderr.on('data', (b: Buffer) => (errText = (errText + b.toString()).slice(-300)));
    // Real time: the deadline of an ffmpeg child process.
    const cancel = realDeadline(10_000, () => ff.kill('SIGKILL'));
    ff.on('error', (e) => {
      cancel();
      resolve(err('ffmpeg', `ffmpeg: ${e.message}`));
    });
    ff.on('close', (code) => {
      cancel();
      const b = Buffer.concat(out);
      resolve(code === 0 && isJpeg(b) ? ok(b) : err('ffmpeg', `ffmpeg exited ${code}: ${errText.trim()}`));
    });
    ff.stdin.on('error', () => undefined);
    ff.stdin.end(jpeg);
  });
}

/** The alert picture `file` of DATA/snapshots, bounded for the centre; null while it is not written yet. */
export async function readPicture(dir: string, file: string, ffmpeg?: string): Promise<Result<Uint8Array | null>> {
  if (!FILE_RE.test(file)) return err('name', `not a picture name: ${file.slice(0, 80)}`);
  const at = join(dir, file);
  if (!existsSync(at)) return ok(null);
  const size = statSync(at).size;
  if (size > 16 * 1024 * 1024) return err('too-large', `${file}: ${size} bytes`);
  const b = readFileSync(at);
  // ffmpeg writes the file as it goes: an unfinished one has no end marker yet.
  if (!isJpeg(b)) return b.length > 0 && b[0] === 0xff && b[1] === 0xd8 ? ok(null) : err('not-jpeg', `${file} is not a JPEG`);
  if (b.length <= MAX_PICTURE_BYTES) return ok(b);
  const small = await shrinkJpeg(b, ffmpeg);
  if (!small.ok) return small;
  if (small.value.length > MAX_PICTURE_BYTES) return err('too-large', `${file}: ${small.value.length} bytes even at 320 px (limit ${MAX_PICTURE_BYTES})`);
  return small;
}

interface Waiting { drone: string; file: string; takenAtMs: number; sinceMs: number; busy: boolean }

/** The link's side: pictures waiting for their file, then into the outbox (`put`). */
export class PicturesOut {
  private readonly waiting: Waiting[] = [];
  constructor(
    private readonly o: {
      now: () => number;
      read: (file: string) => Promise<Result<Uint8Array | null>>;
      put: (m: Omit<SnapshotMsg, 'v' | 'atMs'>) => void;
      log?: (line: string) => void;
      waitMs?: number;
    },
  ) {}

  /** An alert named this picture: send it once its file is there. */
  expect(drone: string, file: string, takenAtMs: number): void {
    if (this.waiting.length >= 32) {
      this.o.log?.(`kongxun: centre: alert picture ${file} left out: 32 already waiting`);
      return;
    }
    this.waiting.push({ drone, file, takenAtMs, sinceMs: this.o.now(), busy: false });
  }

  get pending(): number {
    return this.waiting.length;
  }

  /** Look for the waiting files (called at each drain). */
  poll(): void {
    for (const w of [...this.waiting]) {
      if (w.busy) continue;
      w.busy = true;
      void this.o.read(w.file).then((r) => {
        w.busy = false;
        const drop = (why: string) => {
          const i = this.waiting.indexOf(w);
          if (i >= 0) this.waiting.splice(i, 1);
          if (why) this.o.log?.(`kongxun: centre: alert picture ${w.file} left out: ${why}`);
        };
        if (!r.ok) return drop(r.reason);
        if (r.value === null) {
          if (this.o.now() - w.sinceMs > (this.o.waitMs ?? 30_000)) drop('not written within 30 s');
          return;
        }
        drop('');
        this.o.put({ drone: w.drone, file: w.file, takenAtMs: Math.round(w.takenAtMs), jpeg: Buffer.from(r.value).toString('base64') });
      });
    }
  }
}

export interface Picture { station: string; drone: string; file: string; takenAtMs: number; jpeg: Buffer }

/** The centre's side: the latest pictures, per station and file. */
export class PictureShelf {
  private readonly byKey = new Map<string, Picture>();
  private bytes = 0;
  constructor(private readonly o: { maxPictures?: number; maxBytes?: number } = {}) {}

  /** A schema-checked snapshot message: decoded, checked as a JPEG, kept (the oldest go past the bounds). */
  put(station: string, m: SnapshotMsg): Result<Picture> {
    const jpeg = Buffer.from(m.jpeg, 'base64');
    if (jpeg.length > MAX_PICTURE_BYTES) return err('too-large', `picture ${m.file}: ${jpeg.length} bytes`);
    if (!isJpeg(jpeg)) return err('not-jpeg', `picture ${m.file} is not a JPEG`);
    const key = `${station}/${m.file}`;
    const old = this.byKey.get(key);
    if (old) {
      this.bytes -= old.jpeg.length;
      this.byKey.delete(key);
    }
    const p: Picture = { station, drone: m.drone, file: m.file, takenAtMs: m.takenAtMs, jpeg };
    this.byKey.set(key, p);
    this.bytes += jpeg.length;
    const maxN = this.o.maxPictures ?? 500;
    const maxB = this.o.maxBytes ?? 48 * 1024 * 1024;
    for (const [k, v] of this.byKey) {
      if (this.byKey.size <= maxN && this.bytes <= maxB) break;
      this.byKey.delete(k);
      this.bytes -= v.jpeg.length;
    }
    return ok(p);
  }

  get(station: string, file: string): Picture | undefined {
    return this.byKey.get(`${station}/${file}`);
  }

  get size(): number {
    return this.byKey.size;
  }
}
