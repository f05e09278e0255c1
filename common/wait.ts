/**
 * Waiting on the injected clock: the one way to pause (`sleep`) and to poll for a condition (`waitUntil`),
 * so a simulated day waits in simulated time and every wait is bounded.
 */
import type { Clock } from './clock.js';

/** Resolve after `ms` on the clock. */
export function sleep(clock: Clock, ms: number): Promise<void> {
  return new Promise<void>((r) => clock.setTimeout(r, ms));
}

/**
 * Wait on the clock until `cond()` holds (checked at once, then every `everyMs`, and once more at the
 * deadline), at most `timeoutMs`. Resolves true when it held, false on the timeout.
 */
export async function waitUntil(clock: Clock, cond: () => boolean, o: { timeoutMs: number; everyMs?: number }): Promise<boolean> {
  const every = o.everyMs ?? 250;
  const deadline = clock.now() + o.timeoutMs;
  for (;;) {
    if (cond()) return true;
    if (clock.now() >= deadline) return false;
    await sleep(clock, Math.min(every, Math.max(1, deadline - clock.now())));
  }
}
