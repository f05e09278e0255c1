/**
 * What the tests of `kongxun …` commands run in-process share: a command with its output captured, and the
 * simulated drones on loopback TCP (system clock) it is run against.
 */
import { SystemClock } from '../common/clock.js';
import { SimFleet, type SimFleetOptions } from '../sitl/fleet.js';
import { bufferIo } from '../station/cli/io.js';
import { main } from '../station/cli/main.js';

export interface CliRun {
  code: number;
  /** What it printed, line by line. */
  out: string;
  /** What it printed as errors. */
  err: string;
}

/** `kongxun argv…` in this process. */
export async function runCli(...argv: string[]): Promise<CliRun> {
  const io = bufferIo();
  const code = await main(argv, io);
  return { code, out: io.lines.join('\n'), err: io.errors.join('\n') };
}

/**
 * Simulated drones (one by default) listening on 127.0.0.1 from `basePort` (drone i on basePort + 10·i), warmed up
 * 1.5 s, standing at 24.48 N 118.09 E unless told otherwise; started. Stop it with `stop()`.
 */
export async function tcpSimFleet(o: { basePort: number } & Partial<Pick<SimFleetOptions, 'drones' | 'sysids' | 'home'>>): Promise<SimFleet> {
  const f = SimFleet.create({ drones: 1, clock: new SystemClock(), host: '127.0.0.1', home: { lat: 24.48, lon: 118.09, altAmslM: 10 }, warmupMs: 1500, ...o });
  if (!f.ok) throw new Error(f.reason);
  const s = await f.value.start();
  if (!s.ok) throw new Error(s.reason);
  return f.value;
}
