/**
 * Records one drone's stream as it arrives: an MPEG-TS file (no re-encoding) and a per-frame index (JSON
 * lines) of RTP timestamp, capture time (from RTCP sender reports, when the sender sends them) and arrival
 * time, so replay can line video up with telemetry. Written with synchronous appends straight to the kernel:
 * a station killed mid-recording leaves a file that plays up to its last frame.
 *
 * Never throws. A frame is written whole or not at all: a write that fails (ENOSPC, EIO) cuts both files back
 * to the end of the last whole frame (and index line); frames are then counted as lost until a keyframe can be
 * written again (the next frame a player could decode). A folder that cannot be made or a file that cannot be
 * opened is tried again at each keyframe. Failures and the recovery (frames, bytes, seconds lost) go to the
 * station's StorageHealth.
 */
import { closeSync, existsSync, ftruncateSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { makeDirs } from '../storage/data-dir.js';
import type { StorageHealth } from '../storage/health.js';
import type { AccessUnit } from './h264.js';
import { TsMuxer } from './mpegts.js';

export interface IndexLine {
  /** Frame number in this file. */
  i: number;
  rtpTs: number;
  /** PTS in the file (90 kHz). */
  pts: number;
  /** Unix ms when the frame's last packet reached the station. */
  arrivalMs: number;
  /** Unix ms of capture per the sender's RTCP clock mapping, null without sender reports. */
  captureMs: number | null;
  key: boolean;
  damaged: boolean;
  /** Byte offset and length of the frame's TS packets in the .ts file. */
  offset: number;
  size: number;
}

const stamp = (ms: number) => new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');

export class VideoRecording {
  readonly file: string;
  readonly indexFile: string;
  private fd: number | undefined;
  private idx: number | undefined;
  private mux = new TsMuxer();
  private firstTs: number | undefined;
  private offset = 0;
  private idxOffset = 0;
  private n = 0;
  private started = false;
  private failing = false;
  private lost = { frames: 0, bytes: 0, firstMs: 0, lastMs: 0 };

  /** `tag` names what the file holds: the patrol's sortie id, "sortie" (armed outside a patrol) or "ground". */
  constructor(
    private readonly dir: string,
    droneId: string,
    startMs: number,
    tag?: string,
    private readonly health?: StorageHealth,
  ) {
    const safe = (x: string) => x.replace(/[^\w.-]/g, '_');
    const name = join(dir, `${safe(droneId)}-${stamp(startMs)}${tag ? `-${safe(tag)}` : ''}`);
    let base = name;
    for (let n = 2; existsSync(`${base}.ts`); n++) base = `${name}-${n}`;
    this.file = `${base}.ts`;
    this.indexFile = `${base}.idx.jsonl`;
    this.open();
  }

  private open(): boolean {
    const made = makeDirs(this.dir);
    if (!made.ok) return this.fail({ code: made.code, message: made.reason });
    try {
      this.fd ??= openSync(this.file, 'a');
      this.idx ??= openSync(this.indexFile, 'a');
      return true;
    } catch (e) {
      return this.fail(e);
    }
  }

  private fail(e: unknown): false {
    this.failing = true;
    this.health?.failed('video', this.file, e);
    return false;
  }

  private drop(au: AccessUnit, arrivalMs: number): void {
    if (this.lost.frames === 0) this.lost.firstMs = arrivalMs;
    this.lost.frames++;
    this.lost.bytes += au.data.length;
    this.lost.lastMs = arrivalMs;
  }

  /** Frames before the first keyframe are not recorded (no player could decode them). */
  write(au: AccessUnit, arrivalMs: number, captureMs: number | null): void {
    if (!this.started && !au.keyframe) return;
    this.started = true;
    // After a failure only a keyframe can start the file again.
    if (this.failing && (!au.keyframe || !this.open())) return this.drop(au, arrivalMs);
    this.firstTs ??= au.ts90k;
    const pts = au.ts90k - this.firstTs + 90_000;
    const bytes = this.mux.accessUnit(au.data, pts, au.keyframe);
    const line: IndexLine = { i: this.n, rtpTs: au.rtpTs, pts, arrivalMs, captureMs, key: au.keyframe, damaged: au.damaged, offset: this.offset, size: bytes.length };
    const text = Buffer.from(`${JSON.stringify(line)}\n`);
    try {
      writeAll(this.fd!, bytes);
      writeAll(this.idx!, text);
    } catch (e) {
      try {
        ftruncateSync(this.fd!, this.offset);
        ftruncateSync(this.idx!, this.idxOffset);
      } catch {
        /* the reader stops at a torn tail all the same */
      }
      this.fail(e);
      return this.drop(au, arrivalMs);
    }
    this.n++;
    this.offset += bytes.length;
    this.idxOffset += text.length;
    if (this.failing) {
      this.failing = false;
      const l = this.lost;
      this.health?.recovered('video', { records: l.frames, bytes: l.bytes, seconds: l.frames ? (l.lastMs - l.firstMs) / 1000 : 0 });
      this.lost = { frames: 0, bytes: 0, firstMs: 0, lastMs: 0 };
    }
  }

  get frames(): number {
    return this.n;
  }

  /** Frames that could not be written since the last recovery. */
  get lostFrames(): number {
    return this.lost.frames;
  }

  close(): void {
    for (const fd of [this.fd, this.idx]) {
      if (fd === undefined) continue;
      try {
        closeSync(fd);
      } catch {
        /* already closed */
      }
    }
    this.fd = this.idx = undefined;
  }
}

function writeAll(fd: number, b: Uint8Array): void {
  let off = 0;
  while (off < b.length) off += writeSync(fd, b, off, b.length - off);
}
