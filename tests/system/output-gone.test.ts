/**
 * `kongxun serve` whose output has gone: the process reading its stdout and stderr closed them (a terminal closed,
 * a parent that died, `kongxun serve | head`). Before, the first write after that failed with EPIPE, the
 * last-resort handler reported it by writing again, and the station spun in that loop at 70 % CPU and never
 * stopped on SIGTERM (three orphaned test stations were found burning the CI machine's two cores); a SIGHUP
 * ended it on the spot. Now it keeps serving without its output and its terminal, and stops when told.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { serveProcess, type ServeProcess } from '../serve-process.js';

const data = mkdtempSync(join(tmpdir(), 'kx-output-gone-'));
let station: ServeProcess | undefined;
afterAll(async () => {
  if (station) {
    const { proc } = station;
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
  }
  rmSync(data, { recursive: true, force: true });
});

/** The process's exit, or null if it has not exited within `ms` real milliseconds. */
function exited(p: ServeProcess['proc'], ms: number): Promise<{ code: number | null; signal: string | null } | null> {
  if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve({ code: p.exitCode, signal: p.signalCode });
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(null), ms);
    p.once('exit', (code, signal) => {
      clearTimeout(t);
      resolve({ code, signal });
    });
  });
}

it('with its stdout and stderr closed and its terminal hung up, the station keeps serving and stops on SIGTERM', async () => {
  station = await serveProcess(['--data', data]);
  const { proc, url } = station;
  const status = () => fetch(url).then((r) => r.status, (e: Error) => e.message);
  const before = await status();
  // Whoever read the output goes away.
  proc.stdout!.destroy();
  proc.stderr!.destroy();
  // Its terminal's hang-up (an SSH session dropped) does not end it either.
  proc.kill('SIGHUP');
  await new Promise((r) => setTimeout(r, 500));
  const after = await status();
  // SIGTERM: the station says "stopping", which fails with EPIPE; it must stop all the same.
  proc.kill('SIGTERM');
  const end = await exited(proc, 30_000);
  expect(before).toBe(200);
  expect(after).toBe(before);
  expect(end, 'the station did not stop within 30 s of SIGTERM').not.toBeNull();
  expect(end).toEqual({ code: 0, signal: null });
}, 90_000);
