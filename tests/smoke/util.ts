/**
 * Helpers for the real-socket smoke tests: free loopback ports (found by binding port 0, never guessed),
 * bounded waits on the real clock, and temp folders. Waits are hang guards, not performance thresholds.
 */
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const HOME = { lat: 24.59, lon: 118.262, altAmslM: 10 };

/** Whether a TCP port on 127.0.0.1 can be bound right now. */
function tcpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** A free TCP port from the OS (bind port 0). */
export function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/**
 * A base port P such that P, P+10, … P+10·(n-1) are all free on 127.0.0.1 (the simulator's SITL-style
 * layout). Starts from an OS-chosen free port and checks the others by binding them.
 */
export async function freeTcpPortRun(n: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = await freeTcpPort();
    if (base + 10 * (n - 1) > 65535) continue;
    let ok = true;
    for (let i = 1; i < n && ok; i++) ok = await tcpFree(base + 10 * i);
    if (ok) return base;
  }
  throw new Error(`no run of ${n} free TCP ports 10 apart on 127.0.0.1`);
}

export function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    s.once('error', reject);
    s.bind(0, '127.0.0.1', () => {
      const port = s.address().port;
      s.close(() => resolve(port));
    });
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Poll until `done` holds; throws naming `what` after `maxMs`. */
export async function waitFor(done: () => boolean, what: string, maxMs = 20_000): Promise<void> {
  const start = Date.now();
  while (!done()) {
    if (Date.now() - start > maxMs) throw new Error(`gave up after ${maxMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

export function tempDir(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}
