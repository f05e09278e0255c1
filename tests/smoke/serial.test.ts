/**
 * Serial smoke over a socat pty pair on the system clock: a simulated drone attached to a serial transport
 * on one end, the station on serial://<other end>:57600. The vehicle is seen and a command accepted.
 * socat is required (CI installs it): without it this test FAILS with a clear message; it never skips.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SystemClock } from '../../common/clock.js';
import { createTransport } from '../../mavlink/transport/index.js';
import { SimFleet } from '../../sitl/fleet.js';
import { createStation, type Station } from '../../station/compose.js';
import type { RegistryEvent } from '../../station/vehicle/registry.js';
import { HOME, tempDir, waitFor } from './util.js';

const clock = new SystemClock();
const data = tempDir('kongxun-smoke-serial-');
// Links in our own temp folder (not fixed /tmp names), so parallel runs never share a pty pair.
const ptyA = join(data.path, 'kx-a');
const ptyB = join(data.path, 'kx-b');
let socat: ChildProcess | undefined;
let socatLog = '';
let fleet: SimFleet | undefined;
let station: Station | undefined;

function findSocat(): string | undefined {
  const dirs = [...(process.env['PATH'] ?? '').split(delimiter), '/usr/bin', '/usr/local/bin'];
  return dirs.map((d) => join(d, 'socat')).find((p) => existsSync(p));
}

afterAll(async () => {
  await station?.close();
  await fleet?.stop();
  const child = socat;
  if (child && child.exitCode === null && child.signalCode === null) {
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    await exited;
  }
  data.remove();
});

describe('serial smoke (socat pty pair)', () => {
  it('sees the drone and gets a command accepted over serial://', { timeout: 60_000 }, async () => {
    const bin = findSocat();
    if (!bin) throw new Error('socat is not installed: the serial smoke test needs it for a pty pair (apt-get install -y socat)');
    socat = spawn(bin, ['-d', '-d', `pty,raw,echo=0,link=${ptyA}`, `pty,raw,echo=0,link=${ptyB}`], { stdio: ['ignore', 'ignore', 'pipe'] });
    socat.stderr?.on('data', (d: Buffer) => (socatLog += d.toString()));
    await waitFor(() => (existsSync(ptyA) && existsSync(ptyB)) || socat?.exitCode !== null, 'socat to make the pty pair');
    expect(existsSync(ptyA) && existsSync(ptyB), socatLog).toBe(true);

    const f = SimFleet.create({ drones: 1, clock, tcp: false, sysids: [11], home: HOME, warmupMs: 1500 });
    if (!f.ok) throw new Error(f.reason);
    fleet = f.value;
    const t = createTransport(`serial://${ptyA}:57600`, clock);
    if (!t.ok) throw new Error(t.reason);
    const attached = await fleet.attach(0, t.value);
    expect(attached.ok, attached.ok ? '' : attached.reason).toBe(true);

    const url = `serial://${ptyB}:57600`;
    const st = await createStation({ clock, dataDir: data.path, connections: [url] });
    if (!st.ok) throw new Error(st.reason);
    station = st.value;
    const s = station;
    const events: RegistryEvent[] = [];
    s.on('*', (e) => events.push(e));

    await waitFor(() => events.some((e) => e.type === 'streams-requested' && e.sysid === 11), 'sys11 found and streamed over serial');
    expect(s.vehicle(11)?.links[0]?.link).toBe(url);
    await waitFor(() => (s.snapshot().vehicles[0]?.ratesHz['GLOBAL_POSITION_INT'] ?? 0) > 0, 'streamed telemetry');
    const r = await s.vehicle(11)!.commands.setMode('GUIDED');
    expect(r).toMatchObject({ ok: true, value: { command: 'Mode GUIDED' } });
    expect(s.snapshot().links[0]?.stats.parser.badCrc).toBe(0);
  });
});
