/** The patrol's rules as tables: relief, battery limits and handover, failsafes, reassignment, a late start. */
import { describe, expect, it } from 'vitest';
import { ARDUPILOT_COPTER, GENERIC, PX4 } from '../../mavlink/quirks.js';
import type { FleetDrone } from '../../missions/fleet.js';
import type { VehicleSnapshot } from '../vehicle/vehicle-state.js';
import { groundDistanceM } from '../../common/geo.js';
import { COPTER_DEFAULTS, type CopterReturnParams } from '../../missions/plan/copter-return.js';
import { batteryLimitPct, candidates, dispatchLost, dispatchReady, drainPctPerS, missedAtStart, modeChange, newWatch, reliefForward, relieved, replacement, slotExpired, slotOnMs, watchSortie, type FleetView, type WatchInput } from './policy.js';
import { newSortie, type GateReport, type Sortie } from './sortie.js';

const MIN = 60_000;
const sortie = (id: string, p: Partial<Sortie> = {}): Sortie => ({
  ...newSortie({ id, kind: 'patrol', post: 'patrol', droneId: `D-${id}`, sysid: 11, plan: `sorties/${id}.plan`, launchMs: 0, onMs: 2 * MIN, offMs: 22 * MIN, landMs: 24 * MIN, needPct: 40 }),
  ...p,
});
const DOCK = { latDeg: 24.59, lonDeg: 118.262 };
const snap = (p: Partial<VehicleSnapshot> = {}): VehicleSnapshot => ({
  sysid: 11, autopilot: 3, mode: 'AUTO', armed: true, landedState: 'IN_AIR', lastHeartbeatMs: 0,
  position: { ...DOCK, altRelM: 60 }, home: { ...DOCK, altAmslM: 10 }, gps: { fixType: 3, satellites: 12 }, battery: { remainingPct: 80 },
  ...p,
}) as unknown as VehicleSnapshot;

describe('distance', () => {
  it('is about 111 km per degree of latitude, 0 for the same point', () => {
    expect(groundDistanceM({ latDeg: 24, lonDeg: 118 }, { latDeg: 25, lonDeg: 118 })).toBeCloseTo(111_195, -1);
    expect(groundDistanceM(DOCK, DOCK)).toBe(0);
  });
});

describe('relief', () => {
  const a = sortie('A', { state: 'on_patrol', onStationAtMs: 2 * MIN });
  it.each([
    ['the next sortie of the post is on station', [sortie('B', { onMs: 20 * MIN, state: 'on_patrol', onStationAtMs: 19 * MIN })], 10 * MIN, true],
    ['the next sortie is still on its way', [sortie('B', { onMs: 20 * MIN, state: 'launching' })], 23 * MIN, false],
    ['no sortie follows, planned time not over', [], 21 * MIN, false],
    ['no sortie follows, planned time over', [], 22 * MIN, true],
    ['the next one was reassigned (its replacement is someone else)', [sortie('B', { onMs: 20 * MIN, state: 'reassigned' })], 22 * MIN, true],
    ['a sortie of another post does not relieve', [sortie('S', { post: 'school-1', onMs: 20 * MIN, onStationAtMs: 20 * MIN })], 21 * MIN, false],
    ['a sortie after the slot does not count as the next', [sortie('B', { onMs: 30 * MIN, state: 'scheduled' })], 22 * MIN, true],
  ])('%s', (_what, others, nowMs, want) => {
    expect(relieved(a, [a, ...others], nowMs)).toBe(want);
  });
});

describe('battery limit', () => {
  it.each([
    ['no samples: a cautious 0.05 %/s', [], 0.05],
    ['under 30 s of samples: still 0.05', [{ atMs: 0, pct: 90 }, { atMs: 20_000, pct: 80 }], 0.05],
    ['60 s, 6 %: 0.1 %/s', [{ atMs: 0, pct: 90 }, { atMs: 60_000, pct: 84 }], 0.1],
    ['charging (no drain): at least 0.02', [{ atMs: 0, pct: 80 }, { atMs: 60_000, pct: 81 }], 0.02],
    ['a collapse: at most 0.5', [{ atMs: 0, pct: 90 }, { atMs: 60_000, pct: 10 }], 0.5],
  ])('drain: %s', (_w, samples, want) => {
    expect(drainPctPerS(samples)).toBeCloseTo(want, 6);
  });
  it('is the reserve, the flight home at cruise plus a minute at the drain, and 2 %', () => {
    // 0.1 %/s × (1200 m / 10 m/s + 60 s) = 18 %
    expect(batteryLimitPct({ reservePct: 25, samples: [{ atMs: 0, pct: 90 }, { atMs: 60_000, pct: 84 }], homeDistM: 1200, cruiseMps: 10 })).toBeCloseTo(45, 6);
  });
  // At 0.1 %/s, 1200 m from home, cruise 10 m/s: the cruise-plus-a-minute is 180 s; ArduCopter's RTL takes longer from high up.
  it.each<[string, number, Partial<CopterReturnParams>, number]>([
    // RTL from 60 m: 120 s home + 5 s over it + 50 m at 1.5 + 10 m at 0.5 = 178.3 s < 180 s: the minute stands.
    ['from 60 m the minute covers the RTL', 60, {}, 25 + 18 + 2],
    // From 120 m: 120 + 5 + 110/1.5 + 20 = 218.3 s.
    ['from 120 m the landing takes longer', 120, {}, 25 + 0.1 * (120 + 5 + 110 / 1.5 + 20) + 2],
    // The drone's RTL_ALT 80 m from 20 m: climb 60 m at 2.5 = 24 s, 120 s, 5 s, 70/1.5 + 20.
    ['the drone\'s RTL_ALT 80 m: the climb first', 20, { rtlAltM: 80 }, 25 + 0.1 * (24 + 120 + 5 + 70 / 1.5 + 20) + 2],
    // RTL_SPEED 6 m/s: 200 s home.
    ['the drone\'s RTL_SPEED 6 m/s', 60, { rtlSpeedMps: 6 }, 25 + 0.1 * (200 + 5 + 50 / 1.5 + 20) + 2],
  ])('never less than ArduCopter\'s RTL: %s', (_w, altM, o, want) => {
    const samples = [{ atMs: 0, pct: 90 }, { atMs: 60_000, pct: 84 }];
    expect(batteryLimitPct({ reservePct: 25, samples, homeDistM: 1200, cruiseMps: 10, altM, copter: { ...COPTER_DEFAULTS, ...o } })).toBeCloseTo(want, 6);
  });
});

describe('relief brought forward by battery', () => {
  const on = sortie('S1', { kind: 'school', post: 'school-1', state: 'on_patrol', onStationAtMs: 0, onMs: 0, offMs: 40 * MIN });
  const next = sortie('S2', { kind: 'school', post: 'school-1', launchMs: 30 * MIN, onMs: 32 * MIN, offMs: 60 * MIN });
  // 1 %/s over the last two minutes: 5 % margin means leaving in 5 s … 300 % margin, far away.
  const drain = (pctPerMin: number) => [{ atMs: 3 * MIN, pct: 80 }, { atMs: 5 * MIN, pct: 80 - 2 * pctPerMin }];
  const base = { s: on, sorties: [on, next], nowMs: 5 * MIN, already: new Set<string>() };
  it('launches the next sortie so that it is on station a minute before this one must leave', () => {
    // 1 %/min, 10 % margin: leaves at 15 min; next on station at 14 min, launching 2 min before.
    const f = reliefForward({ ...base, samples: drain(1), marginPct: 10 });
    expect(f).toEqual({ next, launchMs: 12 * MIN, onMs: 14 * MIN });
  });
  it.each([
    ['the drone leaves more than 10 min from now', { marginPct: 20 }],
    ['no steady drain yet (under a minute of samples)', { samples: [{ atMs: 4.5 * MIN, pct: 80 }, { atMs: 5 * MIN, pct: 79 }] }],
    ['not two minutes on station yet', { nowMs: 5 * MIN, s: { ...on, onStationAtMs: 4 * MIN } }],
    ['brought forward once already', { already: new Set(['S2']) }],
    ['the next one is already flying', { sorties: [on, { ...next, state: 'launching' as const }] }],
    ['the next one is on station in time anyway', { sorties: [on, { ...next, launchMs: 8 * MIN, onMs: 10 * MIN }] }],
  ])('nothing when %s', (_w, patch) => {
    expect(reliefForward({ ...base, samples: drain(1), marginPct: 10, ...patch })).toBeNull();
  });
});

describe('failsafe detection from the firmware table', () => {
  it.each([
    [ARDUPILOT_COPTER, 'AUTO', 'RTL', 'failsafe'],
    [ARDUPILOT_COPTER, 'AUTO', 'LAND', 'failsafe'],
    [ARDUPILOT_COPTER, 'AUTO', 'SMART_RTL', 'failsafe'],
    [ARDUPILOT_COPTER, 'AUTO', 'AUTO_RTL', 'failsafe'],
    [ARDUPILOT_COPTER, 'AUTO', 'BRAKE', null],
    [ARDUPILOT_COPTER, 'AUTO', 'GUIDED', null],
    [ARDUPILOT_COPTER, 'AUTO', 'STABILIZE', 'fault'],
    [ARDUPILOT_COPTER, 'GUIDED', 'RTL', null],
    [ARDUPILOT_COPTER, null, 'RTL', null],
    [PX4, 'AUTO.MISSION', 'AUTO.RTL', 'failsafe'],
    [PX4, 'AUTO.MISSION', 'AUTO.LAND', 'failsafe'],
    [PX4, 'AUTO.MISSION', 'AUTO.LOITER', null],
    [PX4, 'AUTO.MISSION', 'POSCTL', 'fault'],
    [PX4, 'AUTO', 'RTL', null],
    [GENERIC, 'AUTO', 'GUIDED', 'fault'],
    [GENERIC, 'AUTO', 'MANUAL', 'fault'],
  ])('%#: %s → %s', (q, from, to, want) => {
    expect(modeChange(q, from, to, { holding: false, dispatched: false })?.type ?? null).toBe(want);
  });
  it('is not judged while the sortie holds or a dispatch has the drone', () => {
    expect(modeChange(ARDUPILOT_COPTER, 'AUTO', 'RTL', { holding: true, dispatched: false })).toBeNull();
    expect(modeChange(ARDUPILOT_COPTER, 'AUTO', 'STABILIZE', { holding: false, dispatched: true })).toBeNull();
  });
});

describe('a dispatched drone no longer flying for its dispatch', () => {
  // The same failsafe modes as the mission's (quirks table); in the guided mode any other change counts too.
  it.each([
    [ARDUPILOT_COPTER, true, 'GUIDED', true, 'GUIDED', null],
    [ARDUPILOT_COPTER, true, 'GUIDED', true, 'RTL', 'failsafe'],
    [ARDUPILOT_COPTER, true, 'GUIDED', true, 'LAND', 'failsafe'],
    [ARDUPILOT_COPTER, true, 'GUIDED', true, 'SMART_RTL', 'failsafe'],
    [ARDUPILOT_COPTER, true, 'GUIDED', true, 'LOITER', 'fault'],
    [ARDUPILOT_COPTER, true, 'GUIDED', true, 'AUTO', 'fault'],
    [ARDUPILOT_COPTER, true, 'GUIDED', false, 'GUIDED', 'disarmed'],
    // Before the go-to: a patrol drone in AUTO is still fine; only its failsafe counts.
    [ARDUPILOT_COPTER, false, 'AUTO', true, 'AUTO', null],
    [ARDUPILOT_COPTER, false, 'AUTO', true, 'RTL', 'failsafe'],
    [ARDUPILOT_COPTER, false, 'AUTO', true, 'LOITER', null],
    // PX4 names no guided mode (its go-to and orbit change the mode): its failsafe modes only.
    [PX4, true, 'AUTO.LOITER', true, 'POSCTL.ORBIT', null],
    [PX4, true, 'AUTO.LOITER', true, 'AUTO.RTL', 'failsafe'],
    [GENERIC, true, 'GUIDED', true, 'MANUAL', null],
  ] as const)('%#: guided %s, from %s, armed %s, now %s → %s', (q, guided, from, armed, mode, want) => {
    expect(dispatchLost(q, { armed, mode }, { guided, from })?.type ?? null).toBe(want);
  });
  it('words the cause as the mission\'s failsafe does', () => {
    expect(dispatchLost(ARDUPILOT_COPTER, { armed: true, mode: 'RTL' }, { guided: true, from: 'GUIDED' })?.said).toEqual({ code: 'failsafe', args: { from: 'GUIDED', to: 'RTL' } });
    expect(modeChange(ARDUPILOT_COPTER, 'AUTO', 'RTL', { holding: false, dispatched: false })?.said).toEqual({ code: 'failsafe', args: { from: 'AUTO', to: 'RTL' } });
    expect(dispatchLost(ARDUPILOT_COPTER, { armed: false, mode: 'LAND' }, { guided: true, from: 'GUIDED' })?.said).toEqual({ code: 'dispatch-disarmed', args: { mode: 'LAND' } });
  });
  it.each([
    ['warmed up', {}, true],
    ['no home', { home: null }, false],
    ['no position', { position: null }, false],
    ['no EKF position estimate', { ekf: { posHorizAbs: false } }, false],
    ['no EKF report (judged by home and position)', { ekf: null }, true],
    ['a sensor unhealthy', { sensors: { unhealthy: ['MAV_SYS_STATUS_SENSOR_GPS'] } }, false],
    ['no SYS_STATUS yet', { sensors: null }, false],
  ])('a docked drone is ready to be sent: %s → %s', (_n, p, want) => {
    expect(dispatchReady(snap({ armed: false, ekf: { posHorizAbs: true }, sensors: { unhealthy: [] }, ...p } as unknown as Partial<VehicleSnapshot>))).toBe(want);
  });
});

describe('watching a sortie in the air', () => {
  const marks = { onStationSeq: 2, returnSeq: 9, holdSeq: 3, resumeSeq: 9, items: 10 };
  const flying = sortie('P1', { state: 'on_patrol', launchedAtMs: 0, onStationAtMs: 2 * MIN });
  const look = (p: Partial<WatchInput> = {}) => {
    const i: WatchInput = { s: flying, v: snap(), quirks: ARDUPILOT_COPTER, lost: false, takenOver: false, dispatched: false, watch: { ...newWatch(), lastMode: 'AUTO', current: 5 }, marks, planDock: DOCK, cruiseMps: 10, reservePct: 25, sorties: [flying], nowMs: 10 * MIN, ...p };
    return watchSortie(i);
  };
  const kinds = (r: ReturnType<typeof look>) => r.moves.map((m) => (m.type === 'event' ? m.event.type : m.type));
  const far = { latDeg: 24.6, lonDeg: 118.262 };
  it.each([
    ['mid-route, all well: nothing', {}, []],
    ['disarmed on the ground: landed', { v: snap({ armed: false, landedState: 'ON_GROUND' }) }, ['landed']],
    ['landed in the field, away from both docks: flagged', { v: snap({ armed: false, landedState: 'ON_GROUND', position: { ...far, altRelM: 0 } as VehicleSnapshot['position'] }) }, ['landed-away', 'landed']],
    ['landed at the plan\'s dock, away from its home: not flagged', { planDock: far, v: snap({ armed: false, landedState: 'ON_GROUND', position: { ...far, altRelM: 0 } as VehicleSnapshot['position'] }) }, ['landed']],
    ['taken over: only a landing counts', { takenOver: true, v: snap({ mode: 'RTL' }) }, []],
    ['link lost', { lost: true }, ['link-lost']],
    ['GPS lost: one fault', { v: snap({ gps: { fixType: 1, satellites: 3 } as VehicleSnapshot['gps'] }) }, ['fault']],
    ['battery at the limit: battery-low', { v: snap({ battery: { remainingPct: 30 } as VehicleSnapshot['battery'] }) }, ['battery-low']],
    ['the drone\'s failsafe: AUTO → RTL', { v: snap({ mode: 'RTL' }) }, ['failsafe']],
    ['an unexpected mode', { v: snap({ mode: 'STABILIZE' }) }, ['fault']],
    ['on a dispatch: no progress judged', { dispatched: true, watch: { ...newWatch(), lastMode: 'GUIDED', current: 9 }, v: snap({ mode: 'GUIDED' }) }, []],
    ['route done, not relieved: route-end', { watch: { ...newWatch(), lastMode: 'AUTO', current: 9 } }, ['route-end']],
    ['holding, relieved', { s: { ...flying, holding: true }, nowMs: 23 * MIN }, ['relieved']],
    ['holding, the route done again: hold once more', { s: { ...flying, holding: true }, watch: { ...newWatch(), lastMode: 'AUTO', current: 9, holdSentMs: 0 } }, ['hold-again']],
    ['holding, the hold just sent: wait', { s: { ...flying, holding: true }, watch: { ...newWatch(), lastMode: 'AUTO', current: 9, holdSentMs: 10 * MIN - 5000 } }, []],
    ['launching and past the takeoff: on station', { s: { ...flying, state: 'launching', onStationAtMs: null }, watch: { ...newWatch(), lastMode: 'AUTO', current: 2 } }, ['on-station']],
  ] as [string, Partial<WatchInput>, string[]][])('%s', (_w, patch, want) => {
    expect(kinds(look(patch))).toEqual(want);
  });
  it('keeps the watch: GPS alerted once, battery samples of two minutes, the home distance from a good fix', () => {
    const bad = look({ v: snap({ gps: { fixType: 1, satellites: 3 } as VehicleSnapshot['gps'] }) });
    expect(kinds(look({ watch: bad.watch, v: snap({ gps: { fixType: 1, satellites: 3 } as VehicleSnapshot['gps'] }) }))).toEqual([]);
    let w = newWatch();
    for (let t = 0; t <= 4 * MIN; t += MIN) w = look({ watch: { ...w, lastMode: 'AUTO' }, nowMs: t, v: snap({ position: { ...far, altRelM: 60 } as VehicleSnapshot['position'] }) }).watch;
    expect(w.battery.map((b) => b.atMs)).toEqual([2 * MIN, 3 * MIN, 4 * MIN]);
    expect(w.homeDistM).toBeCloseTo(groundDistanceM(DOCK, far), 3);
  });
});

describe('reassignment', () => {
  const gates = (ok: boolean): GateReport => ({ ok: false, okButMission: ok, failing: ok ? ['mission not verified on the drone'] : ['battery'] });
  const drone = (id: string, sysid: number, dock: string, at = DOCK): FleetView => ({
    drone: { id, sysid, dock, enduranceMin: 30, cruiseMps: 10, chargeMin: 60 } as FleetDrone,
    snap: snap({ sysid, armed: false, landedState: 'ON_GROUND', home: { ...at, altAmslM: 0 } as VehicleSnapshot['home'] }), gates: gates(true), unavailable: false,
  });
  const slot = { kind: 'patrol' as const, landMs: 60 * MIN };
  const east = { latDeg: 24.59, lonDeg: 118.3 };
  it('same dock first, then the nearest dock; unfit, taken and needed drones are left out', () => {
    const fleet = [drone('FAR', 21, 'east', east), drone('SAME', 12, 'home'), drone('UNFIT', 13, 'home'), drone('TAKEN', 14, 'home'), drone('NEEDED', 15, 'home'), drone('OWN', 11, 'home')];
    fleet[2]!.gates = gates(false);
    fleet[3]!.unavailable = true;
    const later = sortie('P9', { sysid: 15, state: 'scheduled', launchMs: 90 * MIN });
    const c = candidates(slot, fleet, [later], 'home');
    expect(c.map((x) => x.droneId)).toEqual(['SAME', 'OWN', 'FAR']);
    expect(c[2]!.distM).toBeCloseTo(groundDistanceM(DOCK, east), 3);
  });
  it('a school slot may take a drone from a later patrol sortie, never from another school post', () => {
    const fleet = [drone('A', 12, 'home'), drone('B', 13, 'home')];
    const sorties = [sortie('P9', { sysid: 12, state: 'scheduled', launchMs: 70 * MIN }), sortie('S9', { sysid: 13, kind: 'school', state: 'scheduled', launchMs: 70 * MIN })];
    expect(candidates({ kind: 'school', landMs: 60 * MIN }, fleet, sorties, 'home').map((x) => x.droneId)).toEqual(['A']);
    expect(candidates(slot, fleet, sorties, 'home')).toEqual([]);
  });
  it.each([
    ['on the ground: the whole slot', sortie('A'), 0, false, 2 * MIN],
    ['in the air: the rest of it, two minutes away at best', sortie('A', { launchedAtMs: 0 }), 10 * MIN, false, 12 * MIN],
    ['a retry is late: the same', sortie('A'), 10 * MIN, true, 12 * MIN],
    ['too little left', sortie('A', { launchedAtMs: 0 }), 18 * MIN, false, null],
  ])('slot: %s', (_w, s, nowMs, retry, want) => {
    expect(slotOnMs(s, nowMs, retry)).toBe(want);
    expect(slotExpired(s, nowMs)).toBe(s.offMs - Math.max(nowMs + 2 * MIN, s.onMs) < 3 * MIN);
  });
  it('the replacement launches earlier from another dock, and is numbered', () => {
    const s = sortie('P7-R1', { launchMs: 30 * MIN, onMs: 32 * MIN, offMs: 52 * MIN, landMs: 54 * MIN });
    const r = replacement(s, { sysid: 21, droneId: 'FAR', dock: 'east', distM: 5000 }, { nowMs: 0, retry: false, onMs: s.onMs, n: 2, cruiseMps: 10 });
    expect(r).toMatchObject({ id: 'P7-R2', droneId: 'FAR', sysid: 21, replaces: 'P7-R1', launchMs: 30 * MIN - 630_000, onMs: 32 * MIN, offMs: 52 * MIN, landMs: 54 * MIN, state: 'scheduled' });
    const late = replacement(s, { sysid: 12, droneId: 'SAME', dock: 'home', distM: 0 }, { nowMs: 40 * MIN, retry: true, onMs: 42 * MIN, n: 3, cruiseMps: 10 });
    expect(late).toMatchObject({ launchMs: 41 * MIN, onMs: 42 * MIN, landMs: 54 * MIN + 11 * MIN });
  });
});

describe('a late start', () => {
  it('misses the sorties that can no longer reach their post with enough of their slot left', () => {
    const sorties = [
      sortie('GONE', { launchMs: 0, onMs: 2 * MIN, offMs: 6 * MIN }),
      sortie('LATE', { launchMs: 0, onMs: 2 * MIN, offMs: 40 * MIN }),
      sortie('AHEAD', { launchMs: 30 * MIN }),
      sortie('FLYING', { launchMs: 0, state: 'on_patrol', launchedAtMs: 0 }),
    ];
    expect(missedAtStart(sorties, 3 * MIN).map((s) => s.id)).toEqual(['GONE']);
  });
});
