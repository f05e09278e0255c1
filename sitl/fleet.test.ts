import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { minimal } from 'mavlink-mappings';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock, SystemClock } from '../common/clock.js';
import { MavConnection } from '../mavlink/connection.js';
import { createTransport } from '../mavlink/transport/index.js';
import { memoryPair } from '../mavlink/transport/memory.js';
import { simMain, parseSimArgs } from './cli.js';
import { parseFleet } from '../missions/fleet.js';
import { parseJurisdiction } from '../missions/jurisdiction.js';
import { SimFleet } from './fleet.js';
import { enuFromLatLon } from './geo.js';

/** A base port P with P, P+10, … P+10·(n-1) all free on 127.0.0.1 (so parallel runs never collide). */
async function freePortRun(n: number): Promise<number> {
  const free = (port: number) =>
    new Promise<boolean>((resolve) => {
      const srv = createServer();
      srv.once('error', () => resolve(false));
      srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
    });
  for (let attempt = 0; attempt < 200; attempt++) {
    const base = 20000 + Math.floor(Math.random() * 4000) * 10;
    let ok = true;
    for (let i = 0; i < n && ok; i++) ok = await free(base + 10 * i);
    if (ok) return base;
  }
  throw new Error('no free run of TCP ports found on 127.0.0.1');
}

const fixture = (name: string): string => fileURLToPath(new URL(`../tests/fixtures/sitl/${name}`, import.meta.url));
const readJson = (name: string): unknown => JSON.parse(readFileSync(fixture(name), 'utf8'));

/** The fixtures as the station gives them to the simulator: parsed and checked by missions/. */
function typedFixtures() {
  const g = parseJurisdiction(readJson('station.geojson'), 'station.geojson');
  const f = parseFleet(readJson('fleet.json'), 'fleet.json');
  if (!g.ok) throw new Error(g.reason);
  if (!f.ok) throw new Error(f.reason);
  return { docks: g.value.docks, specs: f.value.drones, reservePct: f.value.reservePct };
}

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

describe('SimFleet on a fake clock', () => {
  it('places drones on their docks from fleet.json, with sysids and endurance, patrol defaults and reserve', () => {
    const r = SimFleet.create({ drones: 3, clock: new FakeClock(), tcp: false, ...typedFixtures() });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const f = r.value;
    cleanup.push(() => f.stop());
    expect(f.members.map((m) => [m.id, m.sysid])).toEqual([
      ['JH-01', 11],
      ['JH-02', 12],
      ['JH-06', 16],
    ]);
    const home = (i: number) => f.drone(i)!.home;
    expect(home(0).latDeg).toBeCloseTo(24.59, 6);
    expect(home(0).lonDeg).toBeCloseTo(118.262, 6);
    expect(enuFromLatLon({ latDeg: 24.59, lonDeg: 118.262 }, home(1).latDeg, home(1).lonDeg).eM).toBeCloseTo(2, 3); // next bay
    expect(home(2).latDeg).toBeCloseTo(24.604, 6);
    const d0 = f.drone(0)!;
    expect(d0.params.get('FS_GCS_ENABLE')).toBe(1);
    expect(d0.params.get('MAV_SYSID')).toBe(11);
    expect(d0.params.get('BATT_LOW_MAH')).toBe(Math.round(d0.battery.capacityMah * 0.3));
    expect(f.drone(2)!.battery.capacityMah).toBeLessThan(d0.battery.capacityMah);
  });

  it('attach(index, transport) serves a memoryPair end; each drone answers with its own sysid', async () => {
    const clock = new FakeClock();
    const r = SimFleet.create({ drones: 2, clock, tcp: false, home: { lat: 24.59, lon: 118.262, altAmslM: 10 } });
    if (!r.ok) throw new Error(r.reason);
    const f = r.value;
    cleanup.push(() => f.stop());
    const seen = new Set<number>();
    for (const i of [0, 1]) {
      const [a, b] = memoryPair(clock, { seed: i + 1 });
      expect((await f.attach(i, a)).ok).toBe(true);
      const gcs = new MavConnection(b, { clock, sysid: 255, compid: 190 });
      gcs.onMessage((rx) => {
        if (rx.frame.msgid === 0) seen.add(rx.frame.sysid);
      });
      await gcs.open();
    }
    clock.advance(3000);
    expect([...seen].sort()).toEqual([1, 2]);
    expect((await f.attach(5, memoryPair(clock)[0])).ok).toBe(false);
  });

  it('rejects bad options with a message naming them', () => {
    const a = SimFleet.create({ drones: 0, clock: new FakeClock() });
    expect(!a.ok && a.reason).toMatch(/drones/);
    const b = SimFleet.create({ drones: 1, clock: new FakeClock() });
    expect(!b.ok && b.reason).toMatch(/home/);
    const c = SimFleet.create({ drones: 1, clock: new FakeClock(), docks: typedFixtures().docks, specs: [{ dock: 'nowhere' }] });
    expect(!c.ok && c.reason).toMatch(/nowhere/);
  });
});

describe('SimFleet over real TCP (127.0.0.1)', () => {
  it('two drones on tcpin ports P and P+10; clients on the two ports receive heartbeats from sysids 21 and 22', async () => {
    const base = await freePortRun(2);
    const r = SimFleet.create({ drones: 2, basePort: base, sysids: [21, 22], home: { lat: 24.59, lon: 118.262, altAmslM: 10 } });
    if (!r.ok) throw new Error(r.reason);
    const f = r.value;
    cleanup.push(() => f.stop());
    const started = await f.start();
    expect(started.ok, started.ok ? '' : started.reason).toBe(true);
    expect(f.members.map((m) => m.urls[0])).toEqual([`tcpin://127.0.0.1:${base}`, `tcpin://127.0.0.1:${base + 10}`]);
    const clock = new SystemClock();
    const seen = new Set<number>();
    for (const port of [base, base + 10]) {
      const t = createTransport(`tcpout://127.0.0.1:${port}`, clock);
      if (!t.ok) throw new Error(t.reason);
      const c = new MavConnection(t.value, { clock, sysid: 255, compid: 190 });
      c.onMessage((rx) => {
        if (rx.frame.msgid === 0 && rx.message instanceof minimal.Heartbeat && rx.message.autopilot === minimal.MavAutopilot.ARDUPILOTMEGA) seen.add(rx.frame.sysid);
      });
      await c.open();
      cleanup.push(() => c.close());
    }
    for (let i = 0; i < 100 && seen.size < 2; i++) await new Promise((res) => setTimeout(res, 100));
    expect([...seen].sort()).toEqual([21, 22]);
  });
});

describe('kongxun sim (simMain)', () => {
  it('parses arguments and names the bad flag and value', () => {
    const ok = parseSimArgs(['--drones', '3', '--home', '24.59,118.262,10', '--speedup', '20', '--udp', '127.0.0.1:14550']);
    expect(ok).toEqual({ ok: true, args: { drones: 3, home: { lat: 24.59, lon: 118.262, altAmslM: 10 }, speedup: 20, udp: '127.0.0.1:14550' } });
    const cases: [string[], RegExp][] = [
      [['--drones', 'two'], /--drones.*"two"/],
      [['--drones', '0'], /--drones/],
      [['--home', '24.59'], /--home.*"24.59"/],
      [['--home', '95,10'], /--home.*out of range/],
      [['--speedup', '-2'], /--speedup.*"-2"/],
      [['--udp', 'localhost'], /--udp.*"localhost"/],
      [['--fly'], /unknown option "--fly"/],
      [['--drones'], /--drones: missing value/],
    ];
    for (const [argv, re] of cases) {
      const p = parseSimArgs(argv);
      expect(p.ok).toBe(false);
      expect(!p.ok && p.error).toMatch(re);
    }
  });

  it('returns 2 with a clear error for bad input files, and runs a fleet until told to stop', async () => {
    const errs: string[] = [];
    const out: string[] = [];
    const io = { out: (l: string) => out.push(l), err: (l: string) => errs.push(l), until: Promise.resolve() };
    expect(await simMain(['--drones', '1', '--station', fixture('missing.geojson')], io)).toBe(2);
    expect(errs.pop()).toMatch(/--station: cannot read/);
    expect(await simMain(['--drones', '1', '--faults', fixture('station.geojson')], io)).toBe(2);
    expect(errs.pop()).toMatch(/--faults: fault file: expected/);
    expect(await simMain(['--drones', 'x'], io)).toBe(2);
    expect(errs.pop()).toMatch(/--drones/);
    const simBase = await freePortRun(3);
    const code = await simMain(
      ['--station', fixture('station.geojson'), '--fleet', fixture('fleet.json'), '--faults', fixture('faults.json'), '--base-port', String(simBase), '--speedup', '5'],
      io,
    );
    expect(code).toBe(0);
    expect(out.slice(0, 3)).toEqual([
      expect.stringMatching(new RegExp(`^drone JH-01 sysid 11 .* tcpin://127\\.0\\.0\\.1:${simBase}$`)),
      expect.stringMatching(new RegExp(`^drone JH-02 sysid 12 .* tcpin://127\\.0\\.0\\.1:${simBase + 10}$`)),
      expect.stringMatching(new RegExp(`^drone JH-06 sysid 16 .* tcpin://127\\.0\\.0\\.1:${simBase + 20}$`)),
    ]);
  });
});
