/**
 * Real time, for the station's few edges whose time is not ours to inject: another process's (an ffmpeg or
 * Janus child, the MQTT client's acknowledgement of our last word), another machine's (a camera's RTSP session,
 * Janus's HTTP API and the lifetime of its tokens), a browser's (a recording replayed at the pace it was filmed)
 * or the calendar's (a certificate's validity dates). Everything else in station/ takes the injected Clock
 * (common/clock.ts); this file and the composition roots are the only exceptions to the lint's time ban, so
 * each use of real time is a call to one of these functions, easy to find.
 */

/** Cancels a real-time deadline or repetition; calling it again, or after the deadline fired, does nothing. */
export type Cancel = () => void;

/** Milliseconds since the Unix epoch, from the wall clock. */
export function realNow(): number {
  return Date.now();
}

/** `fn` once, after `ms` of real time. `unref`: the deadline alone does not keep the process alive. */
export function realDeadline(ms: number, fn: () => void, o: { unref?: boolean } = {}): Cancel {
  const t = setTimeout(fn, ms);
  if (o.unref) t.unref();
  return () => clearTimeout(t);
}

/** `fn` every `ms` of real time, until cancelled. */
export function realEvery(ms: number, fn: () => void): Cancel {
  const t = setInterval(fn, ms);
  return () => clearInterval(t);
}

/** Wait `ms` of real time. `unref`: the wait alone does not keep the process alive. */
export function realSleep(ms: number, o: { unref?: boolean } = {}): Promise<void> {
  return new Promise<void>((resolve) => {
    realDeadline(ms, resolve, o);
  });
}
