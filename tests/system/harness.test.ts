/**
 * The rig's stepping loops do not let simulated time run on while real file I/O is pending. A CI run once failed
 * a 1-second mission download as "did not settle within 120000 simulated ms": the station's close wrote the
 * drones' battery models (write, fsync, rename) while the loop stepped the FakeClock 20 ms per turn.
 * Here the file I/O is an open() of a FIFO for writing, which stays pending in Node's thread pool until a
 * reader opens it, 300 real ms later.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, constants, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { buildRig, type Rig } from './harness.js';

let rig: Rig | undefined;
const dir = mkdtempSync(join(tmpdir(), 'kongxun-harness-'));
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

it('settle waits for pending file I/O instead of running the simulated clock past its bound', async () => {
  rig = await buildRig({ sysids: [11] });
  const fifo = join(dir, 'slow');
  execFileSync('mkfifo', [fifo]);
  const t0 = rig.clock.now();
  const written = (async () => {
    const f = await open(fifo, 'w'); // pending until the reader below opens the FIFO
    await f.close();
    return 'written';
  })();
  const reader = setTimeout(() => closeSync(openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK)), 300);
  try {
    expect(await rig.settle(written, 1000)).toBe('written');
  } finally {
    clearTimeout(reader);
  }
  // 300 real ms passed; the simulated clock stood still meanwhile (a step or two around the open at most).
  expect(rig.clock.now() - t0).toBeLessThan(200);
});

it('a promise that needs simulated time still gets it, and one that never settles still fails at its bound', async () => {
  rig = await buildRig({ sysids: [11] });
  const c = rig.clock;
  const t0 = c.now();
  const later = new Promise<number>((resolve) => c.setTimeout(() => resolve(c.now() - t0), 5000));
  expect(await rig.settle(later, 10_000)).toBeGreaterThanOrEqual(5000);
  await expect(rig.settle(new Promise(() => {}), 2000)).rejects.toThrow('did not settle within 2000 simulated ms');
});

process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
