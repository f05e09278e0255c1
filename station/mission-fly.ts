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
import type { Clock } from '../mavlink/clock.js';
import type { MissionType } from '../mavlink/services/mission/types.js';
import type { Station } from './compose.js';
import type { PlanLists } from './mission-plan.js';

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

export interface UploadSummary {
  type: MissionType;
  count: number;
  ok: boolean;
  verifiedBy: string | null;
  resends: number;
  elapsedMs: number;
  reason: string | null;
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

const TRANSIENT_ARM = /Need Position Estimate|waiting for home|inconsistent|not initiali[sz]ed|EKF|GPS|AHRS|Compass|Baro|no answer/i;
const sleep = (clock: Clock, ms: number) => new Promise<void>((r) => clock.setTimeout(r, ms));

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
  const missions = station.missions(sysid);
  const commands = station.command(sysid);
  if (!missions || !commands) return end(`no vehicle ${sysid}`);

  // ---- upload and verify ----
  for (const type of ['mission', 'fence', 'rally'] as const) {
    // A list the plan leaves empty is uploaded empty: the vehicle must not keep an old fence or rally.
    const items = plan[type];
    let lastPct = -1;
    const r = await missions.upload(type, items, {
      onProgress: (p) => {
        const pct = p.total === 0 ? 100 : Math.floor((100 * p.done) / p.total);
        if (pct >= lastPct + 25 || p.done === p.total) {
          lastPct = pct;
          say(`${type}: ${p.phase} ${p.done}/${p.total}`);
        }
      },
    }).result;
    s.uploads.push({ type, count: items.length, ok: r.ok, verifiedBy: r.verifiedBy ?? null, resends: r.upload.resends, elapsedMs: r.elapsedMs, reason: r.reason ?? null });
    if (!r.ok) return end(`${type} upload failed: ${r.reason ?? 'unknown'}`);
    say(`${type}: ${items.length} items uploaded, verified by ${r.verifiedBy}`);
  }
  if (s.items === 0) return end('the plan has no mission items');

  // ---- GUIDED and arm ----
  s.stage = 'mode';
  const armDeadline = clock.now() + (o.armTimeoutMs ?? 180_000);
  for (;;) {
    const m = await commands.setMode('GUIDED');
    if (m.ok) break;
    if (clock.now() > armDeadline) return end(`GUIDED refused: ${m.reason}`);
    say(`waiting: ${m.reason}`);
    await sleep(clock, 2000);
  }
  s.stage = 'arm';
  const mode = () => station.snapshot().vehicles.find((v) => v.sysid === sysid)?.mode;
  for (;;) {
    // ArduPilot can drop a mode change made while it boots (the RC mode switch is applied when RC becomes
    // valid): arming in the wrong mode would succeed without a position and MISSION_START would then fail.
    if (mode() !== 'GUIDED') {
      const m = await commands.setMode('GUIDED');
      if (!m.ok && clock.now() > armDeadline) return end(`GUIDED refused: ${m.reason}`);
      if (!m.ok) {
        await sleep(clock, 2000);
        continue;
      }
    }
    s.armAttempts++;
    const a = await commands.arm();
    if (a.ok) break;
    if (!TRANSIENT_ARM.test(a.reason) || clock.now() > armDeadline) return end(a.reason);
    say(`waiting to arm: ${a.reason}`);
    await sleep(clock, 2000);
  }
  say('armed');

  // ---- start and follow ----
  s.stage = 'start';
  const last = plan.mission.length - 1;
  let maxReached = -1;
  let complete = false;
  let disarmed = false;
  let lostSinceMs: number | undefined;
  let failure: string | null = null;
  let started = false;
  let inAuto = false;
  const offs: (() => void)[] = [];
  offs.push(
    missions.watch((r) => {
      if (!started) return;
      if (r.type === 'reached') {
        if (!s.reached.includes(r.seq)) s.reached.push(r.seq);
        s.lastCurrent = Math.max(s.lastCurrent, r.seq + 1);
        if (r.seq > maxReached) {
          maxReached = r.seq;
          say(`reached item ${r.seq}/${last}`);
        }
      } else {
        if (r.seq !== s.lastCurrent && r.seq > 0) say(`current item ${r.seq}/${last}`);
        if (r.seq > 0) s.lastCurrent = r.seq;
        if (r.state === 5 && s.lastCurrent > 0) complete = true;
      }
    }),
    station.on('disarmed', (e) => {
      if (e.sysid === sysid) disarmed = true;
    }),
    station.on('mode-changed', (e) => {
      if (e.sysid !== sysid || !started) return;
      if (e.to === 'AUTO') inAuto = true;
      else if (inAuto && !(maxReached >= last || complete) && s.stage === 'flight') failure = `mode changed to ${e.to} at item ${s.lastCurrent}`;
    }),
  );
  try {
    started = true;
    say('MISSION_START');
    const st = await missions.start();
    if (st.outcome !== 'accepted') return end(`MISSION_START ${st.outcome}`);
    s.stage = 'flight';
    const flightDeadline = clock.now() + (o.flightTimeoutMs ?? 3_600_000);
    const lostMs = o.lostTimeoutMs ?? 30_000;
    let landSent = false;
    for (;;) {
      await sleep(clock, 250);
      if (failure) return end(failure);
      // Silence is judged by heartbeats (the registry's "lost"), not by mission reports, which a vehicle
      // sends only in its requested streams.
      if (station.vehicle(sysid)?.lost) lostSinceMs ??= clock.now();
      else lostSinceMs = undefined;
      const done = maxReached >= last || complete;
      if (done && !s.flownToEnd) {
        s.flownToEnd = true;
        say('mission flown to the end');
      }
      if (disarmed) {
        // MISSION_ITEM_REACHED of a final RTL/LAND comes with the disarm and may be lost on a bad link: give the
        // MISSION_CURRENT report (COMPLETE) a moment before calling the mission unfinished.
        for (let k = 0; k < 12 && !(maxReached >= last || complete); k++) await sleep(clock, 250);
        if (maxReached >= last || complete) s.flownToEnd = true;
        if (!s.flownToEnd) return end(`disarmed at item ${s.lastCurrent} before the end of the mission`);
        s.landed = true;
        s.stage = 'done';
        say('landed and disarmed');
        return end(null);
      }
      if (s.flownToEnd && !landSent && lostSinceMs === undefined) {
        // Still armed once the list is done: a mission that does not end with RTL/LAND. Give it a moment to
        // finish its own landing, then land.
        await sleep(clock, 3000);
        if (!disarmed) {
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
