/**
 * Alerts carry pictures (issue 18): an alert of a drone with live video gets a snapshot of that moment — the
 * drone's last keyframe, made a small JPEG by ffmpeg (≤ 640 px wide) in DATA/snapshots — named in the event
 * (`snapshot: { file, atMs }`, atMs = when the keyframe arrived) so the console shows it in the event list and
 * serves it at /api/snapshots/<file>. The name is fixed when the event is raised; the file follows within a
 * moment (ffmpeg, bounded in time and in how many run at once). No picture when the last keyframe is older than
 * `maxAgeMs` (a stale picture would mislead), when the drone has no video, or when ffmpeg fails (logged).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { StationEvent } from '../../common/api/contract.js';
import { realDeadline } from '../real-time.js';

export interface Keyframe {
  /** Annex B: SPS/PPS and the IDR access unit. */
  data: Uint8Array;
  atMs: number;
}

export interface AlertSnapshotOptions {
  dir: string;
  lastKeyframe(drone: string): Keyframe | undefined;
  now: () => number;
  log?: (line: string) => void;
  /** A keyframe older than this is not shown as the picture of the moment (ms); default 5000. */
  maxAgeMs?: number;
  ffmpeg?: string;
}

const MAX_RUNNING = 2;
const MAX_QUEUED = 16;
const FFMPEG_TIMEOUT_MS = 10_000;

/** A snapshot file name (the console serves only names of this shape). */
export const SNAPSHOT_NAME = /^[A-Za-z0-9_-]{1,64}_\d{13}(?:_\d+)?\.jpg$/;

export class AlertSnapshots {
  private running = 0;
  private readonly queue: (() => void)[] = [];
  private seq = 0;
  /** Files written (tests). */
  readonly written: string[] = [];

  constructor(private readonly o: AlertSnapshotOptions) {}

  /** The event with its snapshot named (alerts of drones with a recent keyframe), else the event unchanged. */
  attach(ev: StationEvent): StationEvent {
    const drone = ev.args?.drone;
    if (ev.severity !== 'alert' || !drone) return ev;
    const snapshot = this.take(drone, ev.atMs);
    return snapshot ? { ...ev, snapshot } : ev;
  }

  /**
   * A picture of the drone now, for an alert raised at `atMs` (the patrol runner's alerts, whatever their level,
   * and the station's): its name and the keyframe's time, the JPEG following; undefined when there is none.
   */
  take(drone: string, atMs: number): { file: string; atMs: number } | undefined {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(drone) || !Number.isFinite(atMs)) return undefined;
    const key = this.o.lastKeyframe(drone);
    if (!key || this.o.now() - key.atMs > (this.o.maxAgeMs ?? 5000)) return undefined;
    const file = `${drone}_${Math.round(atMs)}_${this.seq++}.jpg`;
    if (this.running + this.queue.length >= MAX_RUNNING + MAX_QUEUED) {
      this.o.log?.(`kongxun: alert snapshot of ${drone} skipped: ${MAX_QUEUED} already waiting`);
      return undefined;
    }
    const data = key.data.slice();
    const job = () => void this.write(file, data).finally(() => this.next());
    if (this.running < MAX_RUNNING) {
      this.running++;
      job();
    } else this.queue.push(job);
    return { file, atMs: key.atMs };
  }

  private next(): void {
    this.running--;
    const job = this.queue.shift();
    if (job) {
      this.running++;
      job();
    }
  }

  private write(file: string, annexB: Uint8Array): Promise<void> {
    mkdirSync(this.o.dir, { recursive: true });
    const out = join(this.o.dir, file);
    return new Promise((resolve) => {
      const ff = spawn(this.o.ffmpeg ?? '/usr/bin/ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'h264', '-i', 'pipe:0', '-frames:v', '1', '-vf', "scale='min(640,iw)':-2", '-q:v', '5', '-y', out], { stdio: ['pipe', 'ignore', 'pipe'] });
      let errText = '';
      ff.stderr.on('data', (b: Buffer) => (errText = (errText + b.toString()).slice(-500)));
      // Real time: the deadline of an ffmpeg child process.
      const cancel = realDeadline(FFMPEG_TIMEOUT_MS, () => ff.kill('SIGKILL'));
      ff.on('error', (e) => {
        cancel();
        this.o.log?.(`kongxun: alert snapshot ${file}: ffmpeg: ${e.message}`);
        resolve();
      });
      ff.on('close', (code) => {
        cancel();
        if (code === 0 && existsSync(out)) this.written.push(file);
        else this.o.log?.(`kongxun: alert snapshot ${file}: ffmpeg exited ${code}: ${errText.trim()}`);
        resolve();
      });
      ff.stdin.on('error', () => undefined);
      ff.stdin.end(annexB);
    });
  }
}
