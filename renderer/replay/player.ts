/**
 * One open flight's playback: the replay clock (model.ts) driven by requestAnimationFrame, its state in a small
 * zustand store (cursor time, playing, rate) that the map, the charts and the scrubber follow by subscription,
 * and the ReplayControl intents (play / pause / seek, with the flight time) the video link turns into messages.
 */
import { createStore } from 'zustand/vanilla';
import type { ReplayControl } from '../../common/api/contract.js';
import { ReplayClock, STEP_MS, type Rate } from './model.js';

export interface PlayerState {
  /** Cursor: flight time, Unix ms. */
  t: number;
  playing: boolean;
  rate: Rate;
}

export class Player {
  readonly store;
  private readonly clock: ReplayClock;
  private readonly controls = new Set<(c: ReplayControl) => void>();
  private readonly frames = new Set<(t: number, playing: boolean) => void>();
  private raf = 0;

  constructor(
    readonly startMs: number,
    readonly endMs: number,
  ) {
    this.clock = new ReplayClock(startMs, endMs, () => performance.now());
    this.store = createStore<PlayerState>(() => ({ t: startMs, playing: false, rate: 1 }));
  }

  /** Starts following the clock (each animation frame); stop() ends it. Both may be called again. */
  start(): void {
    if (this.raf) return;
    const loop = () => {
      this.raf = requestAnimationFrame(loop);
      const ended = this.clock.tick();
      this.publish();
      if (ended) this.emit({ type: 'pause', atMs: this.clock.t });
      const { t, playing } = this.store.getState();
      for (const f of this.frames) f(t, playing);
    };
    this.raf = requestAnimationFrame(loop);
  }

  stop(): void {
    cancelAnimationFrame(this.raf);
    this.raf = 0;
    this.clock.pause();
    this.publish();
  }

  /** ReplayControl intents, as the user plays, pauses, seeks or changes the rate. */
  onControl(cb: (c: ReplayControl) => void): () => void {
    this.controls.add(cb);
    return () => this.controls.delete(cb);
  }

  /** Called on every animation frame with the cursor. */
  onFrame(cb: (t: number, playing: boolean) => void): () => void {
    this.frames.add(cb);
    return () => this.frames.delete(cb);
  }

  /** What a (re)connected video socket should be told: where the clock is and whether it runs. */
  current(): ReplayControl {
    const c = this.clock;
    return c.playing ? { type: 'play', atMs: c.t, rate: c.rate } : { type: 'seek', atMs: c.t };
  }

  play(): void {
    if (this.clock.playing) return;
    this.clock.play();
    this.publish();
    this.emit({ type: 'play', atMs: this.clock.t, rate: this.clock.rate });
  }

  pause(): void {
    if (!this.clock.playing) return;
    this.clock.pause();
    this.publish();
    this.emit({ type: 'pause', atMs: this.clock.t });
  }

  toggle(): void {
    if (this.clock.playing) this.pause();
    else this.play();
  }

  seek(t: number): void {
    this.clock.seek(t);
    this.publish();
    // Playing, a play at the new time moves the video and keeps it running; paused, a seek shows that picture.
    this.emit(this.current());
  }

  step(deltaMs: number): void {
    this.seek(this.clock.t + deltaMs);
  }

  stepBack(): void {
    this.step(-STEP_MS);
  }

  stepForward(): void {
    this.step(STEP_MS);
  }

  setRate(rate: Rate): void {
    if (rate === this.clock.rate) return;
    this.clock.setRate(rate);
    this.publish();
    if (this.clock.playing) this.emit(this.current());
  }

  private publish(): void {
    const s = this.store.getState();
    const t = this.clock.t;
    if (s.t !== t || s.playing !== this.clock.playing || s.rate !== this.clock.rate) this.store.setState({ t, playing: this.clock.playing, rate: this.clock.rate });
  }

  private emit(c: ReplayControl): void {
    for (const cb of this.controls) cb(c);
  }
}
