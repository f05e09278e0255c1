/**
 * Fly a plan from the ground, as ArduPilot allows without an RC throttle (ARDUPILOT-NOTES.md):
 *
 *   UPLOAD ── mission, fence, rally: each uploaded and verified (a list the plan leaves empty is cleared)
 *     │ any fails ──────────────────────────────────────────────────────────────► FAILED(upload)
 *   GUIDED ── set mode (confirmed in heartbeats), retried while the vehicle is still booting
 *   ARM ───── retried while it refuses for a transient reason ("Need Position Estimate", …)
 *   START ─── MAV_CMD_MISSION_START: AUTO, takeoff, run
 *   FLIGHT ── follow MISSION_CURRENT / MISSION_ITEM_REACHED; done when the last item is reached (or the
 *     │       vehicle reports the mission COMPLETE); then, if still flying, LAND; wait for the disarm
 *     │ disarmed early, mode changed away from AUTO (failsafe), vehicle lost, time out ──► FAILED(flight)
 *   DONE ──── ok only if the plan was flown to the end and the vehicle is down and disarmed
 * Progress lines go to `onLine`; the summary is a plain value (the CLI prints it as JSON).
 */
import type { Clock } from '../../common/clock.js';
import type { Station } from '../compose.js';
import type { PlanLists } from '../files/plan-file.js';
import { waitUntil } from '../../common/wait.js';
import { MissionProgress, launchFromGround, performDirectly, uploadPlanVerified, type UploadSummary } from './launch.js';

export type { UploadSummary } from './launch.js';

export interface FlyOptions {
  clock: Clock;
  station: Station;
  sysid: number;
  plan: PlanLists;
  onLine?: (line: string) => void;
  /** Give up arming after this long. Default 180 s. */
  armTimeoutMs?: number;
  /** Give up the flight after this long. Default 1 h. */
  flightTimeoutMs?: number;
  /** Vehicle lost (no heartbeat) this long in flight → failed. Default 30 s. */
  lostTimeoutMs?: number;
}

export interface FlySummary {
  ok: boolean;
  sysid: number;
  stage: 'upload' | 'mode' | 'arm' | 'start' | 'flight' | 'land' | 'done';
  reason: string | null;
  uploads: UploadSummary[];
  /** Mission items (home excluded). */
  items: number;
  reached: number[];
  lastCurrent: number;
  flownToEnd: boolean;
  landed: boolean;
  armAttempts: number;
  elapsedS: number;
}

export async function flyPlan(o: FlyOptions): Promise<FlySummary> {
  const { clock, station, sysid, plan } = o;
  const say = (l: string) => o.onLine?.(l);
  const t0 = clock.now();
  const s: FlySummary = {
    ok: false, sysid, stage: 'upload', reason: null, uploads: [], items: Math.max(0, plan.mission.length - 1), reached: [], lastCurrent: 0,
    flownToEnd: false, landed: false, armAttempts: 0, elapsedS: 0,
  };
  const end = (reason: string | null): FlySummary => {
    s.reason = reason;
    s.ok = reason === null;
    s.elapsedS = Math.round((clock.now() - t0) / 100) / 10;
    return s;
  };
  const missions = station.vehicle(sysid)?.missions;
  const commands = station.vehicle(sysid)?.commands;
  if (!missions || !commands) return end(`no vehicle ${sysid}`);
  const deps = { clock, station, sysid, perform: performDirectly, say };

  // ---- upload and verify ----
  const up = await uploadPlanVerified(deps, plan, {
    onProgress: (type) => {
      let lastPct = -1;
      return (p) => {
        const pct = p.total === 0 ? 100 : Math.floor((100 * p.done) / p.total);
        if (pct >= lastPct + 25 || p.done === p.total) {
          lastPct = pct;
          say(`${type}: ${p.phase} ${p.done}/${p.total}`);
        }
      };
    },
  });
  s.uploads = up.uploads;
  if (!up.ok) return end(up.reason);
  if (s.items === 0) return end('the plan has no mission items');

  // ---- GUIDED, arm, start, follow ----
  s.stage = 'mode';
  const last = plan.mission.length - 1;
  let disarmed = false;
  let started = false;
  let inAuto = false;
  let failure: string | null = null;
  const progress = new MissionProgress(missions, (r, p) => {
    if (!started) return;
    s.lastCurrent = p.lastCurrent;
    if (r.type === 'reached') {
      if (!s.reached.includes(r.seq)) s.reached.push(r.seq);
      if (r.seq >= p.maxReached) say(`reached item ${r.seq}/${last}`);
    } else if (r.seq > 0 && r.seq !== lastSaid) {
      lastSaid = r.seq;
      say(`current item ${r.seq}/${last}`);
    }
  });
  let lastSaid = 0;
  const offs: (() => void)[] = [
    () => progress.dispose(),
    station.on('disarmed', (e) => {
      if (e.sysid === sysid) disarmed = true;
    }),
    station.on('mode-changed', (e) => {
      if (e.sysid !== sysid || !started) return;
      if (e.to === 'AUTO') inAuto = true;
      else if (inAuto && !progress.doneTo(last) && s.stage === 'flight') failure = `mode changed to ${e.to} at item ${progress.lastCurrent}`;
    }),
  ];
  try {
    const armWindow = o.armTimeoutMs ?? 180_000;
    // Reports are followed from MISSION_START on (a stale MISSION_CURRENT of an earlier flight is not progress).
    const launched = await launchFromGround({ ...deps, perform: async (label, run) => {
      if (label === 'MISSION_START') {
        s.stage = 'start';
        started = true;
      } else if (label === 'arm') s.stage = 'arm';
      return performDirectly(label, run);
    } }, armWindow);
    s.armAttempts = launched.attempts;
    if (!launched.ok) return end(launched.reason);
    s.stage = 'flight';
    const flightDeadline = clock.now() + (o.flightTimeoutMs ?? 3_600_000);
    const lostMs = o.lostTimeoutMs ?? 30_000;
    let landSent = false;
    let lostSinceMs: number | undefined;
    for (;;) {
      // Silence is judged by heartbeats (the registry's "lost"), not by mission reports, which a vehicle
      // sends only in its requested streams.
      const lost = () => station.vehicle(sysid)?.lost === true;
      await waitUntil(clock, () => failure !== null || disarmed || (progress.doneTo(last) && !s.flownToEnd) || lost() !== (lostSinceMs !== undefined) || clock.now() > flightDeadline, { timeoutMs: 1000 });
      if (failure) return end(failure);
      if (lost()) lostSinceMs ??= clock.now();
      else lostSinceMs = undefined;
      if (progress.doneTo(last) && !s.flownToEnd) {
        s.flownToEnd = true;
        say('mission flown to the end');
      }
      if (disarmed) {
        // MISSION_ITEM_REACHED of a final RTL/LAND comes with the disarm and may be lost on a bad link: give the
        // MISSION_CURRENT report (COMPLETE) a moment before calling the mission unfinished.
        await waitUntil(clock, () => progress.doneTo(last), { timeoutMs: 3000 });
        s.lastCurrent = progress.lastCurrent;
        if (progress.doneTo(last)) s.flownToEnd = true;
        if (!s.flownToEnd) return end(`disarmed at item ${progress.lastCurrent} before the end of the mission`);
        s.landed = true;
        s.stage = 'done';
        say('landed and disarmed');
        return end(null);
      }
      if (s.flownToEnd && !landSent && lostSinceMs === undefined) {
        // Still armed once the list is done: a mission that does not end with RTL/LAND. Give it a moment to
        // finish its own landing, then land.
        if (!(await waitUntil(clock, () => disarmed, { timeoutMs: 3000 }))) {
          s.stage = 'land';
          landSent = true;
          const l = await commands.land();
          say(l.ok ? 'landing' : `land refused: ${l.reason}`);
        }
      }
      if (lostSinceMs !== undefined && clock.now() - lostSinceMs > lostMs) return end(`vehicle lost for ${Math.round(lostMs / 1000)} s during the flight`);
      if (clock.now() > flightDeadline) return end('flight time limit reached');
    }
  } finally {
    for (const off of offs) off();
  }
}
