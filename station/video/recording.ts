/**
 * Records one drone's stream as it arrives: an MPEG-TS file (no re-encoding) and a per-frame index (JSON
 * lines) of RTP timestamp, capture time (from RTCP sender reports, when the sender sends them) and arrival
 * time, so replay can line video up with telemetry. Written with synchronous appends straight to the kernel:
 * a station killed mid-recording leaves a file that plays up to its last frame.
 */
import { closeSync, existsSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
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
  private fd: number;
  private idx: number;
  private mux = new TsMuxer();
  private firstTs: number | undefined;
  private offset = 0;
  private n = 0;
  private started = false;

  /** `tag` names what the file holds: the patrol's sortie id, "sortie" (armed outside a patrol) or "ground". */
  constructor(dir: string, droneId: string, startMs: number, tag?: string) {
    mkdirSync(dir, { recursive: true });
    const safe = (x: string) => x.replace(/[^\w.-]/g, '_');
    const name = join(dir, `${safe(droneId)}-${stamp(startMs)}${tag ? `-${safe(tag)}` : ''}`);
    let base = name;
    for (let n = 2; existsSync(`${base}.ts`); n++) base = `${name}-${n}`;
    this.file = `${base}.ts`;
    this.indexFile = `${base}.idx.jsonl`;
    this.fd = openSync(this.file, 'a');
    this.idx = openSync(this.indexFile, 'a');
  }

  /** Frames before the first keyframe are not recorded (no player could decode them). */
  write(au: AccessUnit, arrivalMs: number, captureMs: number | null): void {
    if (!this.started && !au.keyframe) return;
    this.started = true;
    this.firstTs ??= au.ts90k;
    const pts = au.ts90k - this.firstTs + 90_000;
    const bytes = this.mux.accessUnit(au.data, pts, au.keyframe);
    writeSync(this.fd, bytes);
    const line: IndexLine = { i: this.n++, rtpTs: au.rtpTs, pts, arrivalMs, captureMs, key: au.keyframe, damaged: au.damaged, offset: this.offset, size: bytes.length };
    this.offset += bytes.length;
    writeSync(this.idx, `${JSON.stringify(line)}\n`);
  }

  get frames(): number {
    return this.n;
  }

  close(): void {
    closeSync(this.fd);
    closeSync(this.idx);
  }
}
