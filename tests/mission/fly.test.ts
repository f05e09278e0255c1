/**
 * `kongxun fly` end to end on the FakeClock: the CLI reads a 10-item .plan (with a fence and a rally point),
 * uploads and verifies all three lists, waits out the boot ("Arm: Need Position Estimate"), starts the
 * mission from GUIDED and follows it to the landing; its last stdout line is the JSON summary. A malformed
 * plan is refused with its JSON path (or line) before anything is sent.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { bufferIo } from '../../station/cli/io.js';
import { flyMain } from '../../station/cli/fly.js';
import { missionMain, type CliDeps } from '../../station/cli/mission.js';
import { buildRig, HOME, offset, type Rig } from '../system/harness.js';

let rig: Rig | undefined;
const dir = mkdtempSync(join(tmpdir(), 'kongxun-fly-'));
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

const home = { latDeg: HOME.lat, lonDeg: HOME.lon };
const at = (n: number, e: number) => offset(home, n, e);

function planJson(): Record<string, unknown> {
  const wp = (n: number, e: number, alt: number, hold = 0) => {
    const p = at(n, e);
    return { type: 'SimpleItem', command: 16, frame: 3, params: [hold, 0, 0, null, p.latDeg, p.lonDeg, alt], autoContinue: true, doJumpId: 0, Altitude: alt, AltitudeMode: 1, AMSLAltAboveTerrain: null };
  };
  const item = (command: number, frame: number, params: (number | null)[]) => ({ type: 'SimpleItem', command, frame, params, autoContinue: true, doJumpId: 0, Altitude: 0, AltitudeMode: 1, AMSLAltAboveTerrain: null });
  const lt = at(60, 60);
  const items = [
    item(22, 3, [0, 0, 0, null, 0, 0, 25]), // 1 takeoff
    item(178, 2, [1, 8, -1, 0, 0, 0, 0]), // 2 speed 8 m/s
    wp(80, 0, 25), // 3
    wp(80, 80, 30, 2), // 4 hold 2 s
    item(201, 3, [0, 0, 0, 0, at(40, 40).latDeg, at(40, 40).lonDeg, 0]), // 5 ROI
    item(19, 3, [3, 0, 0, 0, lt.latDeg, lt.lonDeg, 30]), // 6 loiter 3 s
    item(2000, 2, [0, 0, 1, 0, 0, 0, 0]), // 7 photo
    wp(0, 80, 25), // 8
    item(197, 2, [0, 0, 0, 0, 0, 0, 0]), // 9 ROI none
    item(20, 2, [0, 0, 0, 0, 0, 0, 0]), // 10 RTL
  ];
  const f = (n: number, e: number) => {
    const p = at(n, e);
    return [p.latDeg, p.lonDeg];
  };
  return {
    fileType: 'Plan', version: 1, groundStation: 'QGroundControl',
    mission: { version: 2, firmwareType: 3, vehicleType: 2, cruiseSpeed: 15, hoverSpeed: 5, plannedHomePosition: [HOME.lat, HOME.lon, HOME.altAmslM], items },
    geoFence: { version: 2, polygons: [{ inclusion: true, version: 1, polygon: [f(-300, -300), f(300, -300), f(300, 300), f(-300, 300)] }], circles: [{ inclusion: false, version: 1, circle: { center: f(200, -200), radius: 20 } }] },
    rallyPoints: { version: 2, points: [[...f(-50, -50), 30]] },
  };
}

async function rigDeps(): Promise<{ r: Rig; deps: CliDeps }> {
  // Default warm-up: the captured boot, so arming is refused ("Need Position Estimate") for the first ~41 s.
  const r = await buildRig({ sysids: [11] });
  rig = r;
  return { r, deps: { clock: r.clock, openStation: async () => ({ ok: true, value: r.station }) } };
}

describe('kongxun fly', () => {
  it('flies a 10-item plan to the end: upload+verify mission, fence, rally; arm retried through the boot; JSON summary; exit 0', async () => {
    const { r, deps } = await rigDeps();
    const file = join(dir, 'patrol.plan');
    writeFileSync(file, JSON.stringify(planJson(), null, 2));
    const io = bufferIo();
    const code = await r.settle(flyMain(['--connect', 'memory://sys11', '--plan', file, '--data', dir], io, deps), 900_000, 50);
    const last = JSON.parse(io.lines.at(-1)!) as Record<string, unknown> & { uploads: { type: string; ok: boolean; verifiedBy: string; count: number }[]; reached: number[] };
    expect(code, io.lines.join('\n')).toBe(0);
    expect(last).toMatchObject({ ok: true, flownToEnd: true, landed: true, items: 10, stage: 'done' });
    expect(last.uploads.map((u) => [u.type, u.count, u.ok, u.verifiedBy])).toEqual([
      ['mission', 11, true, 'readback'],
      ['fence', 5, true, 'readback'],
      ['rally', 1, true, 'readback'],
    ]);
    expect(last.armAttempts as number).toBeGreaterThan(1);
    expect(io.lines.some((l) => l.includes('Need Position Estimate'))).toBe(true);
    expect(last.reached.at(-1)).toBe(10);
    expect(io.lines.some((l) => /mission: upload 11\/11/.test(l))).toBe(true);
    const drone = r.link(11).drone;
    expect(drone.armed).toBe(false);
    expect(drone.auto.camera.photos).toBe(1);
    expect(drone.missions.items('fence').map((x) => x.command)).toEqual([5001, 5001, 5001, 5001, 5004]);
  }, 120_000);

  it('a malformed plan is refused with its JSON path; nothing is sent', async () => {
    const { r, deps } = await rigDeps();
    const bad = planJson();
    ((bad.mission as { items: { params: unknown[] }[] }).items[3]!.params)[4] = 'north';
    const file = join(dir, 'bad.plan');
    writeFileSync(file, JSON.stringify(bad, null, 2));
    const io = bufferIo();
    const code = await r.settle(flyMain(['--connect', 'memory://sys11', '--plan', file, '--data', dir], io, deps), 300_000);
    expect(code).toBe(2);
    expect(io.errors.join('\n')).toContain('$.mission.items[3].params[4]: must be a number or null, got string "north"');
    expect(JSON.parse(io.lines.at(-1)!)).toMatchObject({ ok: false, stage: 'plan' });
    expect(r.link(11).drone.missions.stats.uploads).toBe(0);
  });

  it('bad JSON is refused with its line and column; a bad .waypoints line with its line number', async () => {
    const { r, deps } = await rigDeps();
    const file = join(dir, 'broken.plan');
    writeFileSync(file, '{\n  "fileType": "Plan",\n  "version": 1,\n  "mission": { "items": [ }\n}\n');
    const io = bufferIo();
    expect(await r.settle(missionMain(['upload', '--connect', 'memory://sys11', '--plan', file, '--data', dir], io, deps), 300_000)).toBe(2);
    expect(io.errors.join('\n')).toMatch(/line 4, column \d+: not valid JSON/);
    const wpl = join(dir, 'bad.waypoints');
    writeFileSync(wpl, 'QGC WPL 110\n0\t1\t0\t16\t0\t0\t0\t0\t24.59\t118.262\t10\t1\n\n1\t0\t3\t16\t0\t0\t0\t0\t124.6\t118.262\t30\t1\n');
    const io2 = bufferIo();
    expect(await r.settle(missionMain(['upload', '--connect', 'memory://sys11', '--plan', wpl], io2, deps), 300_000)).toBe(2);
    expect(io2.errors.join('\n')).toContain('line 4 field 9 (latitude): must be from -90 to 90, got 124.6');
    expect(r.link(11).drone.missions.stats.uploads).toBe(0);
  });

  it('mission upload / download / clear from the CLI with progress lines', async () => {
    const { r, deps } = await rigDeps();
    const file = join(dir, 'patrol2.plan');
    writeFileSync(file, JSON.stringify(planJson()));
    const io = bufferIo();
    expect(await r.settle(missionMain(['upload', '--connect', 'memory://sys11', '--plan', file, '--type', 'all', '--data', dir], io, deps), 120_000)).toBe(0);
    expect(io.lines.filter((l) => l.includes('(100 %)')).length).toBeGreaterThanOrEqual(3);
    expect(JSON.parse(io.lines.at(-1)!)).toMatchObject({ ok: true, action: 'upload' });
    // The CLI closed the station: open a fresh rig for download/clear.
    await r.close();
    const next = await rigDeps();
    const out = join(dir, 'back.waypoints');
    const io2 = bufferIo();
    expect(await next.r.settle(missionMain(['download', '--connect', 'memory://sys11', '--plan', out], io2, next.deps), 120_000)).toBe(0);
    expect(io2.lines.some((l) => l.includes('written to'))).toBe(true);
    const io3 = bufferIo();
    await rig!.close();
    const third = await rigDeps();
    expect(await third.r.settle(missionMain(['clear', '--connect', 'memory://sys11', '--type', 'fence', '--data', dir], io3, third.deps), 60_000)).toBe(0);
  });
});

process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
