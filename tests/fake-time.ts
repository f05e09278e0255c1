/**
 * Stepping the FakeClock without letting real disk time leak into simulated time.
 *
 * A test loop advances the FakeClock by a step and lets promise continuations run. While real file I/O is in
 * flight (a write, an fsync, a rename: the battery models a station writes at close, the parameter cache, a
 * plan written by the CLI), the loop must not step on: an fsync that takes a real second on a loaded machine
 * would otherwise become minutes of simulated time. A CI run once failed a mission download that takes one
 * simulated second as "did not settle within 120000 simulated ms" that way.
 */

/** Node names pending file requests FSReqPromise (fs/promises) and FSReqCallback (callback fs). */
export function fileIoInFlight(): boolean {
  return process.getActiveResourcesInfo().some((r) => r.startsWith('FSReq'));
}

/** Real time one loop may spend waiting for file I/O in all before it steps on regardless (a read that never ends). */
export const FILE_IO_WAIT_MS = 30_000;

/** A loop's allowance of real time to wait for file I/O (`FILE_IO_WAIT_MS` unless given). */
export interface IoBudget {
  leftMs: number;
}

export function ioBudget(ms = FILE_IO_WAIT_MS): IoBudget {
  return { leftMs: ms };
}

/**
 * Let pending work run without moving simulated time: one macrotask turn (every pending promise continuation),
 * then, while file I/O is in flight, real 1 ms waits until it completes or the budget is spent.
 */
export async function quiesce(budget: IoBudget = ioBudget()): Promise<void> {
  await new Promise((r) => setImmediate(r));
  while (budget.leftMs > 0 && fileIoInFlight()) {
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, 1));
    await new Promise((r) => setImmediate(r));
    budget.leftMs -= performance.now() - t0;
  }
}
