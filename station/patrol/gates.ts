/**
 * Launch gates as a pure function of what the station knows of a drone: link healthy, GPS fix and
 * satellites, battery at what the route needs plus the reserve, pre-arm checks passing (no PreArm text in
 * the last `prearmWindowMs`), not flagged for maintenance, on the ground disarmed, the station able to keep
 * its records (tlogs, patrol store, video; free space above the stop mark), and the mission verified on the drone. Each failing gate is worded for the alert ("battery 52 % < 65 % (route 40 % + reserve 25 %)").
 */
import type { VehicleSnapshot } from '../vehicle/vehicle-state.js';
import type { GateReport } from './sortie.js';
import { english, said, saidText, type Said } from './said.js';

export interface GateInput {
  nowMs: number;
  snap: VehicleSnapshot | undefined;
  lost: boolean;
  needPct: number;
  reservePct: number;
  maintenance: boolean;
  missionVerified: boolean;
  /** The drone is busy with another sortie. */
  busyWith: string | null;
  /** Why the station cannot keep the flight's records (station/storage/health.ts), or null. */
  records?: string | null;
  /**
   * Until then the drone is still warming up (first heard recently): when the only failing gates are those a
   * warm-up clears (no 3D fix yet, "Need Position Estimate", battery not reported yet), the report says
   * `warming` and the sortie waits instead of calling the drone unfit.
   */
  warmingUntilMs?: number;
  minSatellites?: number;
  heartbeatMaxAgeMs?: number;
  prearmWindowMs?: number;
}

export function evaluateGates(g: GateInput): GateReport {
  const why: Said[] = [];
  let warmupOnly = true;
  const s = g.snap;
  const age = s?.lastHeartbeatMs != null ? g.nowMs - s.lastHeartbeatMs : Infinity;
  if (!s || g.lost || age > (g.heartbeatMaxAgeMs ?? 3000)) {
    why.push(!s ? said('gate-never-heard') : said('gate-heartbeat', { seconds: Math.round(age / 1000) }));
    // Never heard yet may be a drone still booting; heard and gone is not a warm-up.
    if (s) warmupOnly = false;
  }
  if (s) {
    const sats = s.gps?.satellites ?? 0;
    if (!s.gps || s.gps.fixType < 3 || sats < (g.minSatellites ?? 8)) why.push(said('gate-gps', { fix: s.gps?.fixType ?? 0, satellites: sats }));
    const pct = s.battery?.remainingPct ?? null;
    const need = g.needPct + g.reservePct;
    if (pct === null || pct < need) {
      const b = { need, route: g.needPct, reserve: g.reservePct };
      why.push(pct === null ? said('gate-battery-unknown', b) : said('gate-battery', { pct, ...b }));
      if (pct !== null) warmupOnly = false;
    }
    const lastPrearm = [...s.armingMessages].reverse().find((m) => /^PreArm:/i.test(m.text));
    if (lastPrearm && g.nowMs - lastPrearm.atMs < (g.prearmWindowMs ?? 45_000) && !/Need Position Estimate/i.test(lastPrearm.text)) {
      why.push(said('gate-prearm', { text: lastPrearm.text }));
      if (!/GPS|EKF|position|AHRS|gyro|compass.*(calib|not healthy)/i.test(lastPrearm.text)) warmupOnly = false;
    }
    if (s.armed) {
      why.push(said('gate-armed'));
      warmupOnly = false;
    }
  }
  if (g.maintenance) why.push(said('gate-maintenance'));
  if (g.busyWith) why.push(said('gate-busy', { sortie: g.busyWith }));
  if (g.records) why.push(saidText(g.records));
  const warming = why.length > 0 && warmupOnly && !g.maintenance && !g.busyWith && g.warmingUntilMs !== undefined && g.nowMs < g.warmingUntilMs;
  const okButMission = why.length === 0;
  // Named only when it is the one gate left (the upload comes after the others pass).
  if (!g.missionVerified && okButMission) why.push(said('gate-mission'));
  return { ok: okButMission && g.missionVerified, okButMission, failing: why.map(english), why, ...(warming ? { warming: true } : {}) };
}
