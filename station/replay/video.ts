/**
 * Replay of one flight's video on `/ws/replay?flight=<id>` (common/api/contract.ts: ReplayControl in,
 * VideoWireFrame binary frames and ReplayStatus out).
 *
 *   recordings of the flight (DATA/video/*.ts + .idx.jsonl, in time order) ──► one timeline: the frames whose
 *   arrival falls in the flight, from the last keyframe at or before its arming
 *        │ (offset, size) of a frame ──► its TS packets ──► ts-demux ──► access unit (+ SPS/PPS of a keyframe)
 *        ▼
 *   seek(at)  : from the last keyframe ≤ at, every frame up to `at` at once (the picture of the seek point)
 *   play(at,r): the same, then each frame when its turn comes: arrival time − at, divided by the rate
 *   pause(at) : the picture of `at`, then nothing
 *
 * Frames keep their original arrival time (`arrivalMs`), so they line up with the flight's samples; `seq` is
 * the frame's place in the timeline, `timestampUs` runs on through the recordings (each file's PTS from its
 * first frame's arrival). Pacing uses real timers; a few frames are read ahead (bounded in count and bytes);
 * a socket that backs up (more than 1 MB queued) makes the session wait, and playing goes on from where it
 * waited: nothing queues without bound. Every control gets one ReplayStatus, in order (a control overtaken by
 * a newer one reports where it got to); the end of the video gets 'ended'.
 */
import { open, type FileHandle } from 'node:fs/promises';
import type { ReplayControl, ReplayStatus } from '../../common/api/contract.js';
import { annexB, splitAnnexB } from '../video/h264.js';
import { encodeFrame, FLAG_DAMAGED } from '../../common/video-wire.js';
import type { FlightCatalog } from './flights.js';
import { demuxFrame, newDemuxState } from './ts-demux.js';
import { loadTimeline, type Timeline, type TimelineFrame } from './timeline.js';
import { realDeadline, type Cancel } from '../real-time.js';

export type { Timeline, TimelineFrame } from './timeline.js';

export const MIN_RATE = 0.25;
export const MAX_RATE = 16;
/** A peer with more than this queued makes the session wait. */
export const MAX_PEER_BUFFER = 1_000_000;
const LOOK_AHEAD_FRAMES = 30;
const LOOK_AHEAD_BYTES = 8 * 1024 * 1024;
const POLL_MS = 10;

export interface ReplayPeer {
  sendBinary(b: Uint8Array): void;
  sendText(t: string): void;
  /** Bytes queued for the peer (WebSocket bufferedAmount). */
  buffered(): number;
}

type Parsed = { ok: true; control: ReplayControl } | { ok: false; reason: string };

export function parseReplayControl(input: unknown): Parsed {
  let m: unknown = input;
  if (typeof input === 'string') {
    try {
      m = JSON.parse(input);
    } catch {
      return { ok: false, reason: 'control message is not JSON' };
    }
  }
  const c = m as Partial<Record<'type' | 'atMs' | 'rate', unknown>> | null;
  if (!c || typeof c !== 'object') return { ok: false, reason: 'control message is not an object' };
  if (typeof c.atMs !== 'number' || !Number.isFinite(c.atMs)) return { ok: false, reason: 'control message needs a finite atMs (Unix ms)' };
  if (c.type === 'seek' || c.type === 'pause') return { ok: true, control: { type: c.type, atMs: c.atMs } };
  if (c.type === 'play') {
    if (typeof c.rate !== 'number' || !Number.isFinite(c.rate) || c.rate <= 0) return { ok: false, reason: 'play needs a rate > 0' };
    return { ok: true, control: { type: 'play', atMs: c.atMs, rate: c.rate } };
  }
  return { ok: false, reason: `unknown control type ${JSON.stringify(c.type)} (play, pause, seek)` };
}

export interface ReplaySessionOptions {
  videoDir: string;
  /** The flight's recordings (FlightSummary.video), in time order. */
  video: string[];
  startMs: number;
  endMs: number;
  /** The drone id the frames carry. */
  drone: string;
  peer: ReplayPeer;
  maxBufferedBytes?: number;
  /** Wall clock in ms for pacing (default performance.now). */
  now?: () => number;
}

export class ReplaySession {
  private timeline: Timeline = { files: [], frames: [] };
  private loadError = '';
  private readonly ready: Promise<void>;
  private readonly handles = new Map<number, Promise<FileHandle>>();
  private readonly ahead = new Map<number, Promise<Uint8Array | null>>();
  private chain: Promise<void> = Promise.resolve();
  private gen = 0;
  private closed = false;
  private mode: 'playing' | 'paused' | 'ended' = 'paused';
  private rate = 1;
  private anchorWall = 0;
  private anchorFlight = 0;
  /** The next frame to send, and the last one sent. */
  private next = 0;
  private lastSent: number | null = null;
  /** A frame could not be read: the ones after it are damaged until the next keyframe. */
  private broken = false;
  private sleeper: { cancel: Cancel; done: () => void } | undefined;
  private readonly now: () => number;
  private readonly maxBuffered: number;

  constructor(private readonly o: ReplaySessionOptions) {
    this.now = o.now ?? (() => performance.now());
    this.maxBuffered = o.maxBufferedBytes ?? MAX_PEER_BUFFER;
    this.ready = this.load();
  }

  /** Resolves once the index is read (and the first status sent). */
  loaded(): Promise<void> {
    return this.ready;
  }

  /** Frames in the timeline (after loading). */
  get frames(): readonly TimelineFrame[] {
    return this.timeline.frames;
  }

  private async load(): Promise<void> {
    try {
      this.timeline = await loadTimeline(this.o.videoDir, this.o.video, this.o.startMs, this.o.endMs);
    } catch (e) {
      this.loadError = `cannot read the flight's video index: ${(e as NodeJS.ErrnoException).code ?? String(e)}`;
    }
    if (this.closed) return;
    if (this.loadError) this.status('error', this.loadError);
    else if (this.timeline.frames.length === 0) this.status('no-video', this.noVideoReason());
    else this.status('paused');
  }

  private noVideoReason(): string {
    return this.o.video.length === 0 ? 'no video was recorded during this flight' : "the recordings hold no decodable frame in this flight's span";
  }

  /** A control message from the page (JSON text or the parsed object). */
  control(input: unknown): void {
    if (this.closed) return;
    const p = parseReplayControl(input);
    if (!p.ok) {
      // A malformed control changes nothing: the answer says why, playing goes on.
      this.chain = this.chain.then(() => this.ready).then(() => this.status('error', p.reason));
      return;
    }
    const gen = ++this.gen;
    this.wake();
    this.chain = this.chain.then(() => this.apply(p.control, gen)).catch((e: unknown) => this.status('error', String(e)));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.gen++;
    this.wake();
    this.ahead.clear();
    for (const h of this.handles.values()) void h.then((fh) => fh.close()).catch(() => undefined);
    this.handles.clear();
  }

  private status(state: ReplayStatus['state'], reason = ''): void {
    if (this.closed) return;
    const at = this.lastSent === null ? null : (this.timeline.frames[this.lastSent]?.arrivalMs ?? null);
    const s: ReplayStatus = { type: 'replay-status', state, atMs: at, reason };
    this.o.peer.sendText(JSON.stringify(s));
  }

  private async apply(c: ReplayControl, gen: number): Promise<void> {
    await this.ready;
    if (this.closed) return;
    if (this.loadError) return this.status('error', this.loadError);
    if (this.timeline.frames.length === 0) return this.status('no-video', this.noVideoReason());
    let reason = '';
    if (c.type === 'play') {
      this.rate = Math.min(MAX_RATE, Math.max(MIN_RATE, c.rate));
      if (this.rate !== c.rate) reason = `rate ${c.rate} is outside ${MIN_RATE}–${MAX_RATE}: playing at ${this.rate}`;
    }
    // Already there (play after a pause where it stopped; a pause inside what was sent): no second keyframe.
    if (!(c.type === 'pause' ? this.sentUpTo(c.atMs) : this.isAt(c.atMs))) {
      if (!(await this.position(c.atMs, gen))) return this.status(this.mode, 'overtaken by a newer control');
    }
    if (gen !== this.gen) return this.status(this.mode, 'overtaken by a newer control');
    const playing = c.type === 'play' || (c.type === 'seek' && this.mode === 'playing');
    if (!playing) {
      this.mode = 'paused';
      return this.status('paused', reason);
    }
    this.mode = 'playing';
    this.anchorWall = this.now();
    this.anchorFlight = c.atMs;
    this.status('playing', reason);
    void this.pump(gen);
  }

  /** True when the frames sent so far end exactly at `atMs`: the last one sent is at or before it, the next after. */
  private isAt(atMs: number): boolean {
    const f = this.timeline.frames;
    if (this.lastSent === null || this.next !== this.lastSent + 1) return false;
    return f[this.lastSent]!.arrivalMs <= atMs && (this.next >= f.length || f[this.next]!.arrivalMs > atMs);
  }

  /**
   * True when the frames sent since the last keyframe reach `atMs`, without a frame after it still to come
   * before it: a console that pauses a little behind the newest frame it got (it holds frames until its clock
   * reaches them) already has the picture.
   */
  private sentUpTo(atMs: number): boolean {
    const f = this.timeline.frames;
    if (this.lastSent === null || this.next !== this.lastSent + 1) return false;
    if (this.next < f.length && f[this.next]!.arrivalMs <= atMs) return false;
    let key = this.lastSent;
    while (key > 0 && !f[key]!.key) key--;
    return f[key]!.arrivalMs <= atMs;
  }

  /** Send the picture of `atMs`: its keyframe and every frame after it up to `atMs`, at once. */
  private async position(atMs: number, gen: number): Promise<boolean> {
    const f = this.timeline.frames;
    let key = -1;
    let last = -1;
    for (let k = 0; k < f.length && f[k]!.arrivalMs <= atMs; k++) {
      last = k;
      if (f[k]!.key) key = k;
    }
    // Before the first frame (the arming, before the camera's first keyframe): show the first picture.
    if (key < 0) last = key = f.findIndex((x) => x.key);
    this.next = key;
    this.lastSent = null;
    this.broken = false;
    for (const k of [...this.ahead.keys()]) if (k < key || k > key + LOOK_AHEAD_FRAMES * 4) this.ahead.delete(k);
    for (let k = key; k <= last; k++) if (!(await this.send(k, gen, false))) return false;
    return true;
  }

  private async pump(gen: number): Promise<void> {
    const f = this.timeline.frames;
    while (gen === this.gen && !this.closed) {
      if (this.next >= f.length) {
        this.mode = 'ended';
        this.status('ended');
        return;
      }
      const due = this.anchorWall + (f[this.next]!.arrivalMs - this.anchorFlight) / this.rate;
      this.prefetch(this.next);
      const wait = due - this.now();
      if (wait > 1) {
        await this.sleep(Math.min(wait, 250));
        continue;
      }
      if (!(await this.send(this.next, gen, true))) return;
    }
  }

  /** Send frame k once the peer has room; false when overtaken (or closed). */
  private async send(k: number, gen: number, paced: boolean): Promise<boolean> {
    let waited = false;
    while (this.o.peer.buffered() > this.maxBuffered) {
      waited = true;
      await this.sleep(POLL_MS);
      if (gen !== this.gen || this.closed) return false;
    }
    this.prefetch(k);
    const bytes = await this.ahead.get(k)!;
    this.ahead.delete(k);
    if (gen !== this.gen || this.closed) return false;
    const fr = this.timeline.frames[k]!;
    if (fr.key && bytes) this.broken = false;
    if (!bytes) this.broken = true;
    else {
      if (this.broken) bytes[1]! |= FLAG_DAMAGED;
      this.o.peer.sendBinary(bytes);
    }
    this.lastSent = k;
    this.next = k + 1;
    // A slow viewer made us wait: playing goes on from this frame rather than rushing to catch up.
    if (paced && waited) {
      this.anchorWall = this.now();
      this.anchorFlight = fr.arrivalMs;
    }
    return true;
  }

  /** Start reading frames k… ahead of their turn: a bounded number, a bounded number of bytes. */
  private prefetch(k: number): void {
    const f = this.timeline.frames;
    let bytes = 0;
    for (let j = k; j < f.length && j < k + LOOK_AHEAD_FRAMES; j++) {
      bytes += f[j]!.size;
      if (j > k && bytes > LOOK_AHEAD_BYTES) break;
      if (!this.ahead.has(j)) this.ahead.set(j, this.readFrame(j));
    }
  }

  private handle(file: number): Promise<FileHandle> {
    let h = this.handles.get(file);
    if (!h) {
      h = open(this.timeline.files[file]!, 'r');
      h.catch(() => undefined);
      this.handles.set(file, h);
    }
    return h;
  }

  /** Frame k as a wire frame; null when it cannot be read or demuxed (the frames after it show as damaged). */
  private async readFrame(k: number): Promise<Uint8Array | null> {
    const fr = this.timeline.frames[k]!;
    try {
      const fh = await this.handle(fr.file);
      const buf = Buffer.allocUnsafe(fr.size);
      let got = 0;
      while (got < fr.size) {
        const { bytesRead } = await fh.read(buf, got, fr.size - got, fr.offset + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      const au = demuxFrame(new Uint8Array(buf.buffer, buf.byteOffset, got), newDemuxState());
      if (!au.ok) return null;
      let config: Uint8Array | null = null;
      if (fr.key) {
        const nals = splitAnnexB(au.value.data);
        const sps = nals.find((n) => (n[0]! & 0x1f) === 7);
        const pps = nals.find((n) => (n[0]! & 0x1f) === 8);
        if (sps && pps) config = annexB([sps, pps]);
      }
      return encodeFrame({
        drone: this.o.drone,
        codec: au.value.codec,
        keyframe: fr.key,
        damaged: fr.damaged,
        timestampUs: fr.timestampUs,
        arrivalMs: fr.arrivalMs,
        seq: k,
        config,
        data: au.value.data,
      });
    } catch {
      return null;
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        if (this.sleeper?.done === done) this.sleeper = undefined;
        resolve();
      };
      // Real time: a recording is played to a browser at the pace it was filmed.
      this.sleeper = { cancel: realDeadline(ms, done), done };
    });
  }

  /** Cut a pacing sleep short (a new control, or close). */
  private wake(): void {
    const s = this.sleeper;
    if (!s) return;
    s.cancel();
    s.done();
  }
}

/** What the console server needs of one replay socket. */
export interface ReplayChannel extends ReplayPeer {
  close(code: number, reason: string): void;
}

/**
 * Serve `/ws/replay?flight=<id>`: look the flight up (an unknown id gets an 'error' status naming it and the
 * socket is closed with 4404; 4500 when the flights cannot be listed), then a ReplaySession for its video.
 * Controls that arrive while the flight is looked up are kept and applied in order.
 */
export function serveReplay(catalog: FlightCatalog, videoDir: string, flightId: string, channel: ReplayChannel): { control(text: string): void; close(): void } {
  let session: ReplaySession | undefined;
  let closed = false;
  const pending: string[] = [];
  const fail = (reason: string, code: number) => {
    const s: ReplayStatus = { type: 'replay-status', state: 'error', atMs: null, reason };
    channel.sendText(JSON.stringify(s));
    // The status carries the words; a close reason is limited to 123 bytes, so it stays short and ASCII.
    channel.close(code, code === 4404 ? 'unknown flight' : 'flights unavailable');
  };
  catalog
    .find(flightId)
    .then((ref) => {
      if (closed) return;
      if (!ref) return fail(`unknown flight "${flightId}"`, 4404);
      const f = ref.summary;
      session = new ReplaySession({ videoDir, video: f.video, startMs: f.startMs, endMs: f.endMs, drone: f.drone ?? `sys${f.sysid}`, peer: channel });
      for (const text of pending.splice(0)) session.control(text);
    })
    .catch((e: unknown) => !closed && fail(`cannot list the flights: ${String(e)}`, 4500));
  return {
    control: (text) => (session ? session.control(text) : void pending.push(text)),
    close: () => {
      closed = true;
      session?.close();
    },
  };
}
