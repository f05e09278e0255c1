/**
 * The real `kongxun serve` as a child process (loopback, port 0, no plan, a short simulated warm-up), for the tests
 * that need the process itself: its signals, its output, its TLS. `serveProcess(args)` resolves once it prints
 * its console URL (http or https), bounded at 60 s; `stop()` sends SIGTERM and waits for the exit (SIGKILL after
 * 30 s), so no station outlives its test — one left behind once spun on its closed output for the rest of a run.
 */
import { spawn, type ChildProcess } from 'node:child_process';

export interface ServeProcess {
  proc: ChildProcess;
  /** The console's URL as printed, ending in `/`. */
  url: string;
  /** Everything it printed so far, stdout and stderr. */
  out(): string;
  stop(): Promise<void>;
}

export async function serveProcess(args: string[]): Promise<ServeProcess> {
  const proc = spawn(process.execPath, ['bin/kongxun.mjs', 'serve', '--port', '0', '--no-plan', '--sim-warmup', '1', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const stop = async () => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    const gone = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGTERM');
    const t = setTimeout(() => proc.kill('SIGKILL'), 30_000);
    await gone;
    clearTimeout(t);
  };
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`kongxun serve printed no console URL within 60 s: ${out}`)), 60_000);
      const on = (b: Buffer) => {
        out += b.toString();
        const m = /console at (https?:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      };
      proc.stdout!.on('data', on);
      proc.stderr!.on('data', on);
      proc.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`kongxun serve exited ${code}: ${out}`));
      });
    });
    return { proc, url, out: () => out, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
