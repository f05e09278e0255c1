/**
 * The dispatcher says only what happened: on the injected fake clock, with a fake host (the patrol's face) and
 * a fake drone that does what each case scripts (climbs or not, arrives or not, its failsafe fires, the RC
 * pilot switches its mode, it lands or not), through the real command gateway and audit and the real store.
 * Each case checks the end state, the cause by code, the alert, the times, and every command the drone got —
 * none after it stopped being ours.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../common/clock.js';
import { groundDistanceM } from '../../common/geo.js';
import { openGateway } from '../gateway/gateway.js';
import type { Station } from '../compose.js';
import type { CommandReply } from '../vehicle/commands.js';
import type { VehicleSnapshot } from '../vehicle/vehicle-state.js';
import { CLIMB_MS, Dispatcher, LAND_MS, REACH_MS, type DispatchHost, type DispatchRecord } from './dispatch.js';
import { english, type Said } from './said.js';
import { newSortie, type Sortie, type SortieEvent } from './sortie.js';
import { openPatrolStore } from './store.js';
import { dispatchView } from './look.js';

const DOCK = { latDeg: 24.59, lonDeg: 118.262 };
const north = (m: number) => ({ latDeg: DOCK.latDeg + m / 111_195, lonDeg: DOCK.lonDeg });
/** 600 m north of the dock: a minute's flight at 10 m/s. */
const POINT = north(600);
const ARDUPILOT = 3;
const PX4 = 12;

/** The fake drone: what the station would see of it, moved by the clock, and every command it got. */
class FakeDrone {
  /** HEARTBEAT.autopilot: ArduPilot (no orbit command: it holds off the point) or PX4 (it orbits). */
  autopilot = ARDUPILOT;
  armed = false;
  mode = 'STABILIZE';
  pos = { ...DOCK, altRelM: 0 };
  home: { latDeg: number; lonDeg: number; altAmslM: number } | null = { ...DOCK, altAmslM: 10 };
  ekfOk = true;
  unhealthy: string[] = [];
  target: { latDeg: number; lonDeg: number } | null = null;
  climbTo = 0;
  /** Script: it climbs after a take-off, flies to a go-to target, comes down and disarms at home in RTL. */
  climbs = true;
  flies = true;
  lands = true;
  /** The station hears nothing from it (the registry's lost link). */
  lost = false;
  /** Commands it refuses ("roi", "orbit"), as a drone without a gimbal or without orbit support answers. */
  refuses = new Set<string>();
  readonly got: { atMs: number; cmd: string }[] = [];
  constructor(private readonly clock: FakeClock) {}

  view(): VehicleSnapshot {
    return {
      sysid: 11, autopilot: this.autopilot, mode: this.mode, armed: this.armed, lastHeartbeatMs: this.clock.now(), landedState: this.armed ? 'IN_AIR' : 'ON_GROUND',
      position: { ...this.pos, atMs: this.clock.now() }, home: this.home, battery: { remainingPct: 90 }, gps: { fixType: 3, satellites: 12 },
      ekf: { posHorizAbs: this.ekfOk }, sensors: { present: 0, enabled: 0, health: 0, unhealthy: this.unhealthy },
    } as unknown as VehicleSnapshot;
  }

  /** One second of flight. */
  step(): void {
    if (!this.armed) return;
    if (this.mode === 'GUIDED' && this.climbs && this.pos.altRelM < this.climbTo) this.pos.altRelM = Math.min(this.climbTo, this.pos.altRelM + 5);
    const to = this.mode === 'RTL' ? this.home : this.mode === 'GUIDED' && this.flies ? this.target : null;
    if (to) {
      const d = groundDistanceM(this.pos, to);
      const k = d <= 10 ? 1 : 10 / d;
      this.pos = { ...this.pos, latDeg: this.pos.latDeg + (to.latDeg - this.pos.latDeg) * k, lonDeg: this.pos.lonDeg + (to.lonDeg - this.pos.lonDeg) * k };
    }
    const down = (this.mode === 'RTL' && this.lands && to && groundDistanceM(this.pos, to) < 1) || this.mode === 'LAND';
    if (down) this.pos.altRelM = Math.max(0, this.pos.altRelM - 5);
    if (down && this.pos.altRelM === 0) this.armed = false;
  }

  private did(cmd: string): CommandReply {
    this.got.push({ atMs: this.clock.now(), cmd });
    if (this.refuses.has(cmd)) return { ok: false, code: 'unsupported', reason: `${cmd} refused: UNSUPPORTED`, mavResult: 3 };
    return { ok: true, value: { command: cmd, mavResult: 0, text: 'Accepted' } } as CommandReply;
  }

  readonly commands = {
    takeoff: async (alt: number) => {
      this.mode = 'GUIDED';
      this.armed = true;
      this.climbTo = alt;
      return this.did(`takeoff ${alt}`);
    },
    goto: async (lat: number, lon: number) => {
      this.mode = 'GUIDED';
      this.target = { latDeg: lat, lonDeg: lon };
      return this.did('goto');
    },
    roi: async () => this.did('roi'),
    orbit: async () => this.did('orbit'),
    roiNone: async () => this.did('roi none'),
    setMode: async (m: string) => {
      this.mode = m;
      return this.did(`mode ${m}`);
    },
    rtl: async () => {
      this.mode = 'RTL';
      return this.did('RTL');
    },
  };
}

interface Said2 { level: string | null; said: Said; sortie: string | null }

const dirs: string[] = [];
const closers: (() => void)[] = [];
afterEach(() => {
  for (const c of closers.splice(0)) c();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A dispatcher on a fake clock with one drone (sysid 11), docked or flying patrol sortie P001. */
function rig(o: { source: 'dock' | 'patrol'; dataDir?: string }) {
  const clock = new FakeClock();
  const drone = new FakeDrone(clock);
  const dataDir = o.dataDir ?? mkdtempSync(join(tmpdir(), 'kx-dispatch-'));
  if (!o.dataDir) dirs.push(dataDir);
  const store = openPatrolStore(dataDir);
  if (!store.ok) throw new Error(store.reason);
  const gateway = openGateway({ clock, dataDir });
  if (!gateway.ok) throw new Error(gateway.reason);
  closers.push(() => store.value.close());
  let sortie: Sortie = { ...newSortie({ id: 'P001', kind: 'patrol', post: 'patrol-1', droneId: 'JH-01', sysid: 11, plan: 'sorties/P001.plan', launchMs: 0, onMs: 0, offMs: 1e15, landMs: 1e15, needPct: 40 }), state: 'on_patrol', launchedAtMs: 0 };
  if (o.source === 'patrol') {
    Object.assign(drone, { armed: true, mode: 'AUTO', pos: { ...north(-300), altRelM: 60 } });
  }
  const said: Said2[] = [];
  const applied: SortieEvent[] = [];
  let takenOver = false;
  const host: DispatchHost = {
    reservePct: 25,
    sorties: () => (o.source === 'patrol' ? [sortie] : []),
    view: (sysid) => (sysid === 11 ? drone.view() : undefined),
    isTakenOver: () => takenOver,
    candidates: () => (o.source === 'dock' && !drone.armed ? [{ sysid: 11, droneId: 'JH-01', dock: 'D1', distM: 0 }] : []),
    apply: (s, e) => {
      applied.push(e);
      if (e.type === 'failsafe') sortie = { ...s, state: 'returning' };
    },
    event: (s, _sysid, _kind, sd) => said.push({ level: null, said: sd, sortie: s }),
    alert: (s, _sysid, level, sd) => said.push({ level, said: sd, sortie: s }),
  };
  const vehicle = {
    commands: drone.commands,
    get lost() {
      return drone.lost;
    },
  };
  const station = { vehicle: (sysid: number) => (sysid === 11 ? vehicle : undefined) } as unknown as Station;
  const d = new Dispatcher({ ctx: { clock, station, actor: 'patrol-runner', gateway: gateway.value }, host, store: store.value, key: 'day' });
  closers.push(() => gateway.value.close());
  const rec = (): DispatchRecord => d.records()[0]!;
  /** Run the world second by second (the dispatcher's tick too) until `until` holds, at most `maxS`. */
  const run = async (until: (r: DispatchRecord) => boolean, maxS = 3600, each?: (r: DispatchRecord) => void): Promise<boolean> => {
    for (let s = 0; s < maxS; s++) {
      d.tick(clock.now());
      const r = rec();
      if (until(r)) return true;
      each?.(r);
      drone.step();
      clock.advance(1000);
      for (let k = 0; k < 5; k++) await new Promise((res) => setImmediate(res));
    }
    return false;
  };
  return { clock, drone, d, rec, run, said, applied, store: store.value, takeOver: () => (takenOver = true), sortieNow: () => sortie };
}

const FINAL = (r: DispatchRecord) => ['done', 'resumed', 'failed', 'unserved'].includes(r.state);
const cmds = (d: FakeDrone) => d.got.map((g) => g.cmd);
const failedAlert = (s: Said2[]) => s.find((x) => x.said.code === 'dispatch-failed');

describe('the dispatcher reports only what happened', () => {
  it('a docked drone that goes, watches and lands in its dock: done, with its times', async () => {
    const k = rig({ source: 'dock' });
    k.d.request({ latDeg: POINT.latDeg, lonDeg: POINT.lonDeg, radiusM: 50, priority: 2, holdS: 60 });
    expect(await k.run(FINAL)).toBe(true);
    const r = k.rec();
    expect(r).toMatchObject({ state: 'done', reason: null, cause: null });
    expect(cmds(k.drone)).toEqual(['takeoff 60', 'goto', 'roi', 'roi none', 'RTL']);
    expect(r.arrivedAtMs! - r.assignedAtMs!).toBeGreaterThan(0);
    expect(r.leftAtMs! - r.arrivedAtMs!).toBe(60_000);
    expect(r.endedAtMs).toBeGreaterThan(r.leftAtMs!);
    expect(k.said.map((x) => x.said.code)).toEqual(['dispatch-queued', 'dispatch-assigned', 'dispatch-docked']);
  });

  it('radius 50 m: ArduCopter (no orbit command) holds 50 m off the point on its side; PX4 is sent the orbit', async () => {
    for (const autopilot of [ARDUPILOT, PX4]) {
      const k = rig({ source: 'dock' });
      k.drone.autopilot = autopilot;
      k.d.request({ latDeg: POINT.latDeg, lonDeg: POINT.lonDeg, radiusM: 50, priority: 2, holdS: 60 });
      let offM = NaN;
      expect(await k.run(FINAL, 3600, (r) => r.state === 'on_scene' && (offM = groundDistanceM(k.drone.pos, POINT)))).toBe(true);
      expect(k.rec().state).toBe('done');
      expect(k.rec().notes ?? []).toEqual([]);
      if (autopilot === ARDUPILOT) {
        expect(cmds(k.drone)).toEqual(['takeoff 60', 'goto', 'roi', 'roi none', 'RTL']);
        // The fake flies straight to its target: on scene it stands off by the radius, between the dock and the point.
        expect(offM).toBeCloseTo(50, 0);
        expect(groundDistanceM(k.drone.target!, DOCK)).toBeCloseTo(groundDistanceM(POINT, DOCK) - 50, 0);
      } else {
        expect(cmds(k.drone)).toEqual(['takeoff 60', 'goto', 'roi', 'orbit', 'roi none', 'RTL']);
        expect(groundDistanceM(k.drone.target!, POINT)).toBeLessThan(0.01);
      }
    }
  });

  it('a patrol drone that goes, watches and resumes its patrol', async () => {
    const k = rig({ source: 'patrol' });
    k.d.request({ latDeg: POINT.latDeg, lonDeg: POINT.lonDeg, radiusM: 0, priority: 2, holdS: 30 });
    expect(await k.run(FINAL)).toBe(true);
    expect(k.rec()).toMatchObject({ state: 'resumed', source: 'patrol', sortie: 'P001' });
    expect(cmds(k.drone)).toEqual(['goto', 'roi', 'roi none', 'mode AUTO']);
  });

  // Each lie of the old dispatcher, and each way a drone stops being ours: the end state, the cause by code, the
  // alert's level, whether it was on scene, and every command the drone got.
  type Case = {
    name: string;
    source: 'dock' | 'patrol';
    setup?: (k: ReturnType<typeof rig>) => void;
    /** Called every second with the record: the scripted event. */
    each?: (k: ReturnType<typeof rig>, r: DispatchRecord, secondsIn: number) => void;
    cause: string;
    args?: Record<string, string>;
    level: 'warning' | 'critical';
    onScene: boolean;
    commands: string[];
  };
  const cases: Case[] = [
    {
      name: 'a docked drone that never climbs: failed after the climb wait (not en route to the point), sent home',
      source: 'dock', setup: (k) => (k.drone.climbs = false),
      cause: 'dispatch-no-climb', args: { alt: '60', seconds: String(CLIMB_MS / 1000), at: '0' }, level: 'warning', onScene: false, commands: ['takeoff 60', 'RTL'],
    },
    {
      name: 'a docked drone that never arrives: failed after 10 min, not "on scene", sent home',
      source: 'dock', setup: (k) => (k.drone.flies = false),
      cause: 'dispatch-not-there', args: { radius: '50', minutes: String(REACH_MS / 60_000), metres: '600' }, level: 'warning', onScene: false, commands: ['takeoff 60', 'goto', 'RTL'],
    },
    {
      name: 'a patrol drone that never arrives: failed after 10 min, its patrol resumed',
      source: 'patrol', setup: (k) => (k.drone.flies = false),
      cause: 'dispatch-not-there', args: { radius: '50', minutes: String(REACH_MS / 60_000), metres: '900' }, level: 'warning', onScene: false, commands: ['goto', 'mode AUTO'],
    },
    {
      name: 'battery failsafe en route (GUIDED → RTL): failed at once, nothing more sent',
      source: 'dock', each: (k, r) => r.state === 'en_route' && k.drone.pos.altRelM >= 60 && k.drone.target && groundDistanceM(k.drone.pos, POINT) < 300 && (k.drone.mode = 'RTL'),
      cause: 'failsafe', args: { from: 'GUIDED', to: 'RTL' }, level: 'critical', onScene: false, commands: ['takeoff 60', 'goto'],
    },
    {
      name: 'a LAND failsafe during the climb: failed, nothing more sent',
      source: 'dock', each: (k) => k.drone.pos.altRelM >= 20 && k.drone.mode === 'GUIDED' && !k.drone.target && (k.drone.mode = 'LAND'),
      cause: 'failsafe', args: { from: 'GUIDED', to: 'LAND' }, level: 'critical', onScene: false, commands: ['takeoff 60'],
    },
    {
      name: 'a patrol drone\'s failsafe on scene (SMART_RTL): failed, left the scene now, never told to resume AUTO',
      source: 'patrol', each: (k, r, s) => r.state === 'on_scene' && s % 20 === 0 && (k.drone.mode = 'SMART_RTL'),
      cause: 'failsafe', args: { from: 'GUIDED', to: 'SMART_RTL' }, level: 'critical', onScene: true, commands: ['goto', 'roi'],
    },
    {
      name: 'the RC pilot switches a docked drone to LOITER on scene: failed, nothing more sent',
      source: 'dock', each: (k, r, s) => r.state === 'on_scene' && s % 20 === 0 && (k.drone.mode = 'LOITER'),
      cause: 'mode-unexpected', args: { from: 'GUIDED', to: 'LOITER' }, level: 'warning', onScene: true, commands: ['takeoff 60', 'goto', 'roi'],
    },
    {
      name: 'a drone that disarms on scene: failed',
      source: 'dock',
      each: (k, r, s) => {
        if (r.state !== 'on_scene' || s % 20 !== 0) return;
        k.drone.armed = false;
        k.drone.pos.altRelM = 0;
      },
      cause: 'dispatch-disarmed', args: { mode: 'GUIDED' }, level: 'critical', onScene: true, commands: ['takeoff 60', 'goto', 'roi'],
    },
    {
      name: 'the pilot takes the drone over on scene: failed, nothing more sent',
      source: 'dock', each: (k, r, s) => r.state === 'on_scene' && s % 20 === 0 && k.takeOver(),
      cause: 'taken-over', level: 'warning', onScene: true, commands: ['takeoff 60', 'goto', 'roi'],
    },
    {
      name: 'the link to a docked drone is lost en route: failed at once with the link as its cause, nothing more sent',
      source: 'dock', each: (k, r) => r.state === 'en_route' && k.drone.target && groundDistanceM(k.drone.pos, POINT) < 300 && (k.drone.lost = true),
      cause: 'dispatch-link-lost', level: 'critical', onScene: false, commands: ['takeoff 60', 'goto'],
    },
    {
      name: 'the link to a patrol drone is lost on scene as the runner ends its sortie for it: the cause is the link, not the sortie',
      source: 'patrol',
      each: (k, r, s) => {
        if (r.state !== 'on_scene' || s % 20 !== 0) return;
        k.drone.lost = true;
        Object.assign(k.sortieNow(), { state: 'returning' });
      },
      cause: 'dispatch-link-lost', level: 'critical', onScene: true, commands: ['goto', 'roi'],
    },
    {
      name: 'a docked drone that never lands after RTL: failed after 20 min, not "done", no "docked" event',
      source: 'dock', setup: (k) => (k.drone.lands = false),
      cause: 'dispatch-not-landed', args: { minutes: String(LAND_MS / 60_000), mode: 'RTL', metres: '0' }, level: 'warning', onScene: true, commands: ['takeoff 60', 'goto', 'roi', 'roi none', 'RTL'],
    },
    {
      name: 'a critical-battery LAND on the way home: landed away from its dock, failed',
      source: 'dock', each: (k, r) => r.state === 'returning' && k.drone.mode === 'RTL' && groundDistanceM(k.drone.pos, DOCK) < 400 && (k.drone.mode = 'LAND'),
      cause: 'dispatch-landed-away', level: 'critical', onScene: true, commands: ['takeoff 60', 'goto', 'roi', 'roi none', 'RTL'],
    },
  ];
  it.each(cases)('$name', async (c) => {
    const k = rig({ source: c.source });
    c.setup?.(k);
    const t0 = k.clock.now();
    k.d.request({ latDeg: POINT.latDeg, lonDeg: POINT.lonDeg, radiusM: 50, priority: 2, holdS: 120 });
    expect(await k.run(FINAL, 3600, (r) => c.each?.(k, r, Math.round((k.clock.now() - t0) / 1000)))).toBe(true);
    const r = k.rec();
    expect(r.state).toBe('failed');
    expect(r.cause?.code).toBe(c.cause);
    if (c.args) expect(r.cause?.args).toEqual(c.args);
    expect(r.reason).toBe(english(r.cause!));
    const alert = failedAlert(k.said)!;
    expect(alert).toMatchObject({ level: c.level, said: { code: 'dispatch-failed', args: { id: 'D001', drone: 'JH-01' }, why: [r.cause] } });
    expect(r.endedAtMs).toBe(k.clock.now());
    if (c.onScene) {
      expect(r.arrivedAtMs).not.toBeNull();
      expect(r.leftAtMs).not.toBeNull();
    } else {
      expect(r.arrivedAtMs).toBeNull();
      expect(r.leftAtMs).toBeNull();
    }
    // No command after the end, and none other than listed.
    expect(cmds(k.drone)).toEqual(c.commands);
    // Nothing more is sent later either (the fake's commands are all recorded).
    const before = k.drone.got.length;
    await k.run(() => false, 120);
    expect(k.drone.got.length).toBe(before);
    expect(k.rec()).toEqual(r);
  });

  it.each([
    ['roi', 'dispatch-no-roi', undefined],
    ['orbit', 'dispatch-no-orbit', { radius: '50' }],
  ] as const)('a refused %s on scene: still on scene and done, but not as asked — on the record, in the view and as a warning', async (refused, code, args) => {
    const k = rig({ source: 'dock' });
    if (refused === 'orbit') k.drone.autopilot = PX4; // ArduCopter is never sent one
    k.drone.refuses.add(refused);
    k.d.request({ latDeg: POINT.latDeg, lonDeg: POINT.lonDeg, radiusM: 50, priority: 2, holdS: 60 });
    expect(await k.run(FINAL)).toBe(true);
    const r = k.rec();
    const note = { code, ...(args ? { args } : {}), why: [{ code: 'text', args: { text: `${refused} refused: UNSUPPORTED` } }] };
    expect(r).toMatchObject({ state: 'done', notes: [note] });
    expect(r.leftAtMs! - r.arrivedAtMs!).toBe(60_000);
    expect(cmds(k.drone)).toEqual(refused === 'orbit' ? ['takeoff 60', 'goto', 'roi', 'orbit', 'roi none', 'RTL'] : ['takeoff 60', 'goto', 'roi', 'roi none', 'RTL']);
    expect(k.said.filter((x) => x.level === 'warning')).toEqual([{ level: 'warning', sortie: null, said: { code: 'dispatch-note', args: { id: 'D001', drone: 'JH-01' }, why: [note] } }]);
    expect(english(k.said.find((x) => x.level === 'warning')!.said)).toBe(code === 'dispatch-no-roi'
      ? 'D001 (JH-01): camera not turned to the point: roi refused: UNSUPPORTED'
      : 'D001 (JH-01): no orbit of 50 m, hovering over the point instead: orbit refused: UNSUPPORTED');
    expect(dispatchView(r, () => undefined).notes).toEqual([note]);
    // Kept across a restart with the record.
    expect(JSON.parse(k.store.kv('dispatches/day')!)[0].notes).toEqual([note]);
  });

  it('a patrol drone\'s own failsafe also ends its sortie\'s patrol (the runner does not judge modes while a dispatch has the drone)', async () => {
    const k = rig({ source: 'patrol' });
    k.d.request({ latDeg: POINT.latDeg, lonDeg: POINT.lonDeg, radiusM: 50, priority: 2, holdS: 120 });
    expect(await k.run(FINAL, 3600, (r) => r.state === 'on_scene' && (k.drone.mode = 'RTL'))).toBe(true);
    expect(k.applied).toEqual([{ type: 'failsafe', nowMs: k.rec().endedAtMs, text: 'mode GUIDED → RTL (the drone\'s failsafe)', said: { code: 'failsafe', args: { from: 'GUIDED', to: 'RTL' } } }]);
    expect(k.sortieNow().state).toBe('returning');
  });

  it('a patrol sortie taken home by the runner while its drone is en route: failed with the sortie\'s state, nothing more sent', async () => {
    const k = rig({ source: 'patrol' });
    k.d.request({ latDeg: POINT.latDeg, lonDeg: POINT.lonDeg, radiusM: 50, priority: 2, holdS: 120 });
    expect(await k.run(FINAL, 3600, (r) => r.state === 'en_route' && k.drone.target && Object.assign(k.sortieNow(), { state: 'returning' }))).toBe(true);
    expect(k.rec().cause).toEqual({ code: 'dispatch-sortie-ended', args: { sortie: 'P001', state: 'returning' } });
    expect(cmds(k.drone)).toEqual(['goto']);
  });

  it.each([
    ['no home yet', (d: FakeDrone) => (d.home = null)],
    ['no EKF position estimate yet ("Need Position Estimate")', (d: FakeDrone) => (d.ekfOk = false)],
    ['a sensor unhealthy', (d: FakeDrone) => (d.unhealthy = ['MAV_SYS_STATUS_SENSOR_3D_MAG'])],
  ])('a docked drone still warming up (%s) is not picked; it is once ready', async (_name, cold) => {
    const k = rig({ source: 'dock' });
    cold(k.drone);
    k.d.request({ latDeg: POINT.latDeg, lonDeg: POINT.lonDeg, radiusM: 50, priority: 2, holdS: 60 });
    await k.run(() => false, 30);
    expect(k.rec()).toMatchObject({ state: 'queued', sysid: null });
    expect(k.drone.got).toEqual([]);
    Object.assign(k.drone, { home: { ...DOCK, altAmslM: 10 }, ekfOk: true, unhealthy: [] });
    expect(await k.run((r) => r.state === 'en_route')).toBe(true);
    expect(k.rec().droneId).toBe('JH-01');
  });

  it.each([
    ['switched to LOITER by its RC pilot', (d: FakeDrone) => (d.mode = 'LOITER')],
    ['in RTL (its failsafe, not yet seen by the runner)', (d: FakeDrone) => (d.mode = 'RTL')],
  ])('a patrol drone not flying its route in AUTO (%s) is not picked', async (_name, off) => {
    const k = rig({ source: 'patrol' });
    off(k.drone);
    k.d.request({ latDeg: POINT.latDeg, lonDeg: POINT.lonDeg, radiusM: 50, priority: 2, holdS: 60 });
    await k.run(() => false, 30);
    expect(k.rec()).toMatchObject({ state: 'queued', sysid: null });
    expect(k.drone.got).toEqual([]);
  });

  it('a record saved while the drone flew reads back failed on a restarted station, with its cause and end', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'kx-dispatch-'));
    dirs.push(dataDir);
    const a = rig({ source: 'dock', dataDir });
    a.d.request({ latDeg: POINT.latDeg, lonDeg: POINT.lonDeg, radiusM: 50, priority: 2, holdS: 60 });
    expect(await a.run((r) => r.state === 'en_route' && a.drone.target !== null)).toBe(true);
    for (const c of closers.splice(0)) c();
    const b = rig({ source: 'dock', dataDir });
    expect(b.rec()).toMatchObject({ state: 'failed', reason: 'station restarted during the dispatch', cause: { code: 'dispatch-restarted' }, endedAtMs: b.clock.now(), leftAtMs: null });
  });
});
