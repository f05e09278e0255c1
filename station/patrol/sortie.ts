/**
 * One sortie of the day as a sans-IO machine: `stepSortie(sortie, event)` returns the next sortie and the
 * effects the runner must carry out (upload, launch, hold, resume, return, alert, reassign). Time comes in
 * events (`tick.nowMs`); nothing here reads a clock or talks to a drone.
 *
 *   SCHEDULED ─ tick ≥ launch − prepLead ─► PREPARING ─ gates ok (but the mission) ─► UPLOADING ──┐
 *       │                                     │ gates fail                                       │ upload ok
 *       │                                     ▼                                                  ▼
 *       │                                   HELD ─ gates ok ─► UPLOADING                      VERIFIED
 *       │                                     │ tick ≥ launch − swapLead: REASSIGNED             │ tick ≥ launch − launchLead, all gates ok
 *       │                      upload fails ×uploadRetries: REASSIGNED                           ▼
 *       │                                                                                    LAUNCHING ─ launch fails ×n: REASSIGNED
 *       │                                                                                        │ on station (mission past takeoff / at its post)
 *       │                                                                                        ▼
 *       │                     route end, not relieved: hold (pause) ─────────────────────── ON_PATROL ─ relieved + holding: resume
 *       │                     battery low: rtl + alert + reassign   ────────────────────────────│ route end (relieved) / battery / link lost
 *       │                                                                                        ▼
 *       │                                                                                    RETURNING ─ landed (disarmed) ─► LANDED ─ tick ─► DONE
 *   any active state: takeover → (same state, takenOver; no effects until release)
 *   FAILED: a fault that ends the sortie on the ground (e.g. the drone rebooted), reported with its reason.
 *   MISSED: never flown because the station was not running in time (the runner started after it could fly).
 */

export type SortieStateName =
  | 'scheduled' | 'preparing' | 'uploading' | 'verified' | 'launching' | 'on_patrol' | 'returning' | 'landed' | 'done'
  | 'held' | 'failed' | 'reassigned' | 'missed';

export const ACTIVE_STATES: ReadonlySet<SortieStateName> = new Set(['preparing', 'uploading', 'verified', 'launching', 'on_patrol', 'returning', 'held']);
export const AIRBORNE_STATES: ReadonlySet<SortieStateName> = new Set(['launching', 'on_patrol', 'returning']);
export const FINAL_STATES: ReadonlySet<SortieStateName> = new Set(['done', 'failed', 'reassigned', 'missed']);

/** Gate results before launch; `failing` lists the failing gates in words ("battery 38 % < 65 %"). */
import { english, said, saidText, type Said } from './said.js';

export interface GateReport {
  ok: boolean;
  /** Gates other than "mission verified on the drone" all pass. */
  okButMission: boolean;
  failing: string[];
  /** The same, by code (said.ts): what the alerts carry for the console to word. */
  why?: Said[];
  /** The failing gates are only a drone's warm-up (no fix / position estimate yet) and it is still in it: wait. */
  warming?: boolean;
}

export interface SortieTiming {
  /** Start preparing (gates, upload) this long before launch. Default 6 min. */
  prepLeadMs: number;
  /** Give the slot to another drone when the gates still fail this long before launch. Default 3 min. */
  swapLeadMs: number;
  /** The same for a school post, earlier: a school window must not start uncovered. Default 5 min. */
  schoolSwapLeadMs: number;
  /** Launch this long before the planned launch (arming and the climb take time). Default 60 s. */
  launchLeadMs: number;
  uploadRetries: number;
  launchRetries: number;
}

export const DEFAULT_TIMING: SortieTiming = { prepLeadMs: 360_000, swapLeadMs: 180_000, schoolSwapLeadMs: 300_000, launchLeadMs: 60_000, uploadRetries: 3, launchRetries: 2 };

export interface Sortie {
  id: string;
  kind: 'patrol' | 'school' | 'dispatch';
  /** Post served: "patrol" or the school target; the relay hands over within a post. */
  post: string;
  droneId: string;
  sysid: number;
  /** Plan file (relative to the day folder). */
  plan: string;
  launchMs: number;
  onMs: number;
  offMs: number;
  landMs: number;
  /** Battery the route needs, percent. */
  needPct: number;
  state: SortieStateName;
  reason: string | null;
  uploadAttempts: number;
  launchAttempts: number;
  /** The sortie this one replaces (reassignment), if any. */
  replaces: string | null;
  launchedAtMs: number | null;
  onStationAtMs: number | null;
  offStationAtMs: number | null;
  landedAtMs: number | null;
  holding: boolean;
  takenOver: boolean;
}

export type SortieEvent =
  | { type: 'tick'; nowMs: number; gates: GateReport }
  | { type: 'upload-done'; ok: boolean; reason?: string }
  | { type: 'launch-done'; ok: boolean; nowMs: number; reason?: string }
  | { type: 'on-station'; nowMs: number }
  /** The drone reached the end of its route (the return leg is next). */
  | { type: 'route-end'; nowMs: number; relieved: boolean }
  | { type: 'relieved'; nowMs: number }
  | { type: 'battery-low'; nowMs: number; pct: number }
  | { type: 'link-lost'; nowMs: number }
  | { type: 'landed'; nowMs: number }
  | { type: 'fault'; nowMs: number; text: string; said?: Said }
  /** The drone's own failsafe took it home (mode RTL/LAND not sent by the runner). */
  | { type: 'failsafe'; nowMs: number; text: string; said?: Said }
  | { type: 'takeover' }
  | { type: 'release' };

export type SortieEffect =
  | { type: 'upload' }
  | { type: 'launch' }
  | { type: 'hold' }
  | { type: 'resume' }
  | { type: 'rtl'; reason: string }
  | { type: 'alert'; level: 'info' | 'warning' | 'critical'; text: string; said: Said }
  | { type: 'reassign'; reason: string; said: Said };

export interface Step { sortie: Sortie; effects: SortieEffect[] }

export function newSortie(p: Pick<Sortie, 'id' | 'kind' | 'post' | 'droneId' | 'sysid' | 'plan' | 'launchMs' | 'onMs' | 'offMs' | 'landMs' | 'needPct'> & { replaces?: string | null }): Sortie {
  return {
    ...p, replaces: p.replaces ?? null, state: 'scheduled', reason: null, uploadAttempts: 0, launchAttempts: 0,
    launchedAtMs: null, onStationAtMs: null, offStationAtMs: null, landedAtMs: null, holding: false, takenOver: false,
  };
}

/** A sortie read back after a restart: ground states prepare again (verification is per station run); airborne ones are watched again. */
export function restoredSortie(s: Sortie): Sortie {
  if (s.state === 'uploading' || s.state === 'verified' || s.state === 'preparing') return { ...s, state: 'preparing' };
  if (s.state === 'launching' && s.launchedAtMs === null) return { ...s, state: 'preparing' };
  return s;
}

export function stepSortie(s: Sortie, e: SortieEvent, t: SortieTiming = DEFAULT_TIMING): Step {
  const who = { sortie: s.id, drone: s.droneId };
  if (e.type === 'takeover') return { sortie: { ...s, takenOver: true }, effects: [alertOf('info', said('takeover', who))] };
  if (e.type === 'release') return { sortie: { ...s, takenOver: false }, effects: [alertOf('info', said('release', who))] };
  if (FINAL_STATES.has(s.state)) return { sortie: s, effects: [] };
  // Landing is observed whoever flies: a taken-over drone that lands still ends its sortie.
  if (e.type === 'landed') {
    if (!AIRBORNE_STATES.has(s.state) || s.launchedAtMs === null) return { sortie: s, effects: [] };
    const off = s.offStationAtMs ?? (s.onStationAtMs !== null ? e.nowMs : null);
    return { sortie: { ...s, state: 'landed', holding: false, landedAtMs: e.nowMs, offStationAtMs: off }, effects: [] };
  }
  if (s.takenOver) return { sortie: s, effects: [] };
  const to = (state: SortieStateName, patch: Partial<Sortie> = {}, effects: SortieEffect[] = []): Step => ({ sortie: { ...s, ...patch, state }, effects });
  const reassign = (why: Said, level: 'warning' | 'critical' = 'warning'): Step => {
    const reason = english(why);
    return to('reassigned', { reason }, [alertOf(level, said('reassigned', who, [why])), { type: 'reassign', reason, said: why }]);
  };
  const gatesWhy = (g: GateReport): Said[] => g.why ?? g.failing.map(saidText);

  switch (s.state) {
    case 'scheduled':
      if (e.type === 'tick' && e.nowMs >= s.launchMs - t.prepLeadMs) return stepSortie({ ...s, state: 'preparing' }, e, t);
      return { sortie: s, effects: [] };
    case 'preparing':
    case 'held':
      if (e.type !== 'tick') return { sortie: s, effects: [] };
      if (e.gates.okButMission) return to('uploading', { reason: null, uploadAttempts: s.uploadAttempts + 1 }, [{ type: 'upload' }]);
      // Still warming up (bounded by the runner): held quietly, neither unfit nor reassigned yet.
      if (e.gates.warming) return to('held', { reason: `warming up: ${e.gates.failing.join('; ')}` });
      if (e.nowMs >= s.launchMs - (s.kind === 'school' ? t.schoolSwapLeadMs : t.swapLeadMs)) return reassign(said('gates-failed', {}, gatesWhy(e.gates)));
      if (s.state === 'preparing') return to('held', { reason: e.gates.failing.join('; ') }, [alertOf('info', said('held', who, gatesWhy(e.gates)))]);
      return to('held', { reason: e.gates.failing.join('; ') });
    case 'uploading':
      if (e.type !== 'upload-done') return { sortie: s, effects: [] };
      if (e.ok) return to('verified', { reason: null });
      if (s.uploadAttempts < t.uploadRetries) return to('uploading', { uploadAttempts: s.uploadAttempts + 1, reason: e.reason ?? 'upload failed' }, [{ type: 'upload' }]);
      return reassign(said('upload-failed', { count: s.uploadAttempts }, [saidText(e.reason ?? 'unknown')]));
    case 'verified':
      if (e.type !== 'tick' || e.nowMs < s.launchMs - t.launchLeadMs) return { sortie: s, effects: [] };
      if (!e.gates.ok) {
        if (e.nowMs >= s.launchMs) return reassign(said('gates-failed-launch', {}, gatesWhy(e.gates)));
        return { sortie: { ...s, reason: e.gates.failing.join('; ') }, effects: [] };
      }
      return to('launching', { launchAttempts: s.launchAttempts + 1, reason: null }, [{ type: 'launch' }]);
    case 'launching':
      if (e.type === 'launch-done') {
        if (e.ok) return to('launching', { launchedAtMs: e.nowMs });
        if (s.launchAttempts < t.launchRetries) return to('verified', { reason: e.reason ?? 'launch failed' });
        return reassign(said('launch-failed', {}, [saidText(e.reason ?? 'unknown')]));
      }
      if (e.type === 'on-station') return to('on_patrol', { onStationAtMs: e.nowMs, launchedAtMs: s.launchedAtMs ?? e.nowMs });
      return airborneFault(s, e, to);
    case 'on_patrol':
      if (e.type === 'route-end') {
        if (e.relieved) return to('returning', { offStationAtMs: e.nowMs, holding: false });
        return to('on_patrol', { holding: true }, [{ type: 'hold' }]);
      }
      if (e.type === 'relieved' && s.holding) return to('returning', { offStationAtMs: e.nowMs, holding: false }, [{ type: 'resume' }]);
      return airborneFault(s, e, to);
    case 'returning':
      return { sortie: s, effects: [] };
    case 'landed':
      if (e.type === 'tick') return to('done');
      return { sortie: s, effects: [] };
  }
  return { sortie: s, effects: [] };
}

function airborneFault(s: Sortie, e: SortieEvent, to: (st: SortieStateName, p?: Partial<Sortie>, fx?: SortieEffect[]) => Step): Step {
  const who = { sortie: s.id, drone: s.droneId };
  const off = s.onStationAtMs !== null ? { offStationAtMs: 'nowMs' in e ? e.nowMs : null } : {};
  switch (e.type) {
    case 'battery-low':
      return to('returning', { ...off, holding: false, reason: `battery ${e.pct.toFixed(0)} %` }, [
        { type: 'rtl', reason: `battery ${e.pct.toFixed(0)} %` },
        alertOf('warning', said('battery-returning', { ...who, pct: e.pct.toFixed(0) })),
        { type: 'reassign', reason: 'battery low', said: said('battery-low') },
      ]);
    case 'link-lost':
      // The drone's own GCS failsafe brings it home; the station raises the alert and fills the slot.
      return to('returning', { ...off, holding: false, reason: 'link lost' }, [
        alertOf('critical', said('link-lost-failsafe', who)),
        { type: 'reassign', reason: 'link lost', said: said('link-lost') },
      ]);
    case 'failsafe': {
      const why = e.said ?? saidText(e.text);
      return to('returning', { ...off, holding: false, reason: e.text }, [
        alertOf('critical', said('fault', who, [why])),
        { type: 'reassign', reason: e.text, said: why },
      ]);
    }
    case 'fault':
      return to(s.state, {}, [alertOf('warning', said('fault', who, [e.said ?? saidText(e.text)]))]);
    default:
      return { sortie: s, effects: [] };
  }
}

function alertOf(level: 'info' | 'warning' | 'critical', sd: Said): SortieEffect {
  return { type: 'alert', level, text: english(sd), said: sd };
}
