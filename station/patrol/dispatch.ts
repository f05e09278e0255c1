/**
 * "Go and look here": a request (point, radius, priority, time to watch) sends the nearest suitable drone —
 * one flying its patrol sortie in the mission mode (never one on a school post: a school window is not left to
 * serve something less important) or a ready drone in a dock, its warm-up over (policy.ts `dispatchReady`) —
 * flies it there and, with the camera on the point for the requested time, orbits the point (PX4's
 * MAV_CMD_DO_ORBIT), holds off it by the radius (ArduCopter, which has no orbit command: quirks.ts
 * `orbitCommand`) or hovers over it (radius 0); then resumes the patrol (AUTO carries on from its current item)
 * or returns to its dock. Requests wait, highest priority first, until a drone is free. Every command is
 * audited. The record says only what happened: each wait is checked, and a step that did not happen ends the
 * dispatch as FAILED with its cause (a `Said`, worded by the console in its language); a step on scene that did
 * not happen while the drone is there is a note on the record and a warning.
 *
 *   QUEUED ─ drone picked ─► EN_ROUTE ─ within radius ─► ON_SCENE ─ time up ─► RESUMED (patrol) | RETURNING ─ landed at its dock ─► DONE
 *      │ no drone for maxWaitMs: UNSERVED
 *   any state from EN_ROUTE on ─► FAILED, with its cause:
 *      a step refused (take-off, go to, resume, RTL); the drone disarmed or left the guided mode (its failsafe:
 *      RTL/LAND/SMART_RTL…, or the pilot's RC switch; policy.ts `dispatchLost`); the pilot took it over; its
 *      sortie is no longer on patrol; it did not climb within 60 s; it was not at the point after 10 min; it had
 *      not landed 20 min after RTL, or landed away from its dock; the station restarted.
 *   A drone no longer ours (failsafe, RC, pilot, sortie ended) gets no further command; one still ours that did
 *   not climb or arrive is sent back (dock: RTL; patrol: its mission resumed) before the record fails.
 *   leftAtMs is set only for a drone that was on scene; endedAtMs when the dispatch ends, whichever way.
 */
import { quirksFor } from '../../mavlink/quirks.js';
import { audited, type ActionContext } from './actions.js';
import type { PatrolHost } from './host.js';
import { dispatchLost, dispatchReady } from './policy.js';
import { english, said, saidText, type Said } from './said.js';
import { groundDistanceM, towardM } from '../../common/geo.js';
import { sleep, waitUntil } from '../../common/wait.js';
import type { PatrolStore } from './store.js';

/** What the dispatcher needs of the patrol it serves (the runner's one host, host.ts; tests may provide their own). */
export type DispatchHost = Pick<PatrolHost, 'sorties' | 'view' | 'isTakenOver' | 'reservePct' | 'candidates' | 'apply' | 'event' | 'alert'>;

/** The take-off's climb to the dispatch's height. */
export const CLIMB_MS = 60_000;
/** From the go-to to the point. */
export const REACH_MS = 600_000;
/** From RTL to disarmed in the dock. */
export const LAND_MS = 1_200_000;
/** Landed farther than this from its home (the dock it took off from): not back in its dock. */
export const DOCK_NEAR_M = 50;
/** How often the dispatcher looks at its drone while it waits. */
const LOOK_MS = 1000;

/** What took the drone from its dispatch: disarmed, its failsafe, another mode (RC), the pilot or its sortie. */
type Lost = { type: 'disarmed' | 'failsafe' | 'fault' | 'taken' | 'link'; said: Said };

export interface LookRequest {
  id?: string;
  latDeg: number;
  lonDeg: number;
  radiusM: number;
  /** Higher first. */
  priority: number;
  holdS: number;
  altM?: number;
  /** Who asked (the pilot, the command centre): written to the audit as the actor. */
  from?: string;
}

export type DispatchState = 'queued' | 'en_route' | 'on_scene' | 'resumed' | 'returning' | 'done' | 'failed' | 'unserved';

export interface DispatchRecord {
  id: string;
  request: LookRequest;
  requestedAtMs: number;
  state: DispatchState;
  sysid: number | null;
  droneId: string | null;
  source: 'patrol' | 'dock' | null;
  sortie: string | null;
  arrivedAtMs: number | null;
  leftAtMs: number | null;
  /** Why it failed or went unserved, in English (the log, the report, the centre). */
  reason: string | null;
  /** The same cause by code (said.ts), for the console to word in its language. Absent in records saved before it existed. */
  cause?: Said | null;
  /**
   * When the drone was given the request, and when it was done with it (its patrol resumed, back in its dock,
   * or the dispatch failed). A patrol drone is off its route in between: the report does not count that time
   * as patrol. Absent in records saved before these fields existed.
   */
  assignedAtMs?: number | null;
  endedAtMs?: number | null;
  /** What did not happen as asked while the drone was on scene (camera not on the point, no orbit). */
  notes?: Said[];
}


export class Dispatcher {
  private readonly list: DispatchRecord[] = [];
  private n = 0;
  private saved = '';
  constructor(private readonly o: { ctx: ActionContext; host: DispatchHost; store: PatrolStore; key: string; maxWaitMs?: number }) {
    const back = o.store.kv(`dispatches/${o.key}`);
    if (back) {
      // A restarted station cannot resume a flight it was directing: those end as failed (the drone is seen
      // again by its sortie, or is left to the pilot), ended when this station learnt it could not go on.
      const nowMs = o.ctx.clock.now();
      for (const r of JSON.parse(back) as DispatchRecord[]) {
        if (r.state === 'en_route' || r.state === 'on_scene' || r.state === 'returning') {
          const cause = said('dispatch-restarted');
          Object.assign(r, { state: 'failed', reason: english(cause), cause, endedAtMs: r.endedAtMs ?? nowMs });
        }
        this.list.push(r);
      }
      this.n = this.list.length;
    }
  }

  /** Persist the records when they changed (called every tick). */
  private save(): void {
    const text = JSON.stringify(this.list);
    if (text !== this.saved) this.o.store.setKv(`dispatches/${this.o.key}`, (this.saved = text));
  }

  records(): DispatchRecord[] {
    return this.list.map((r) => ({ ...r }));
  }

  busy(sysid: number): string | null {
    return this.list.find((r) => r.sysid === sysid && (r.state === 'en_route' || r.state === 'on_scene' || r.state === 'returning'))?.id ?? null;
  }

  request(req: LookRequest): string {
    const id = req.id ?? `D${String(++this.n).padStart(3, '0')}`;
    this.list.push({ id, request: req, requestedAtMs: this.o.ctx.clock.now(), state: 'queued', sysid: null, droneId: null, source: null, sortie: null, arrivedAtMs: null, leftAtMs: null, reason: null, cause: null, assignedAtMs: null, endedAtMs: null });
    this.o.host.event(null, null, 'dispatch', said('dispatch-queued', { id, lat: req.latDeg.toFixed(5), lon: req.lonDeg.toFixed(5), radius: req.radiusM, hold: req.holdS, priority: req.priority }));
    return id;
  }

  tick(nowMs: number): void {
    const queued = this.list.filter((r) => r.state === 'queued').sort((a, b) => b.request.priority - a.request.priority || a.requestedAtMs - b.requestedAtMs);
    for (const r of queued) {
      if (nowMs - r.requestedAtMs > (this.o.maxWaitMs ?? 600_000)) {
        r.state = 'unserved';
        r.reason = 'no suitable drone';
        r.endedAtMs = nowMs;
        this.o.host.alert(null, null, 'warning', said('dispatch-none', { id: r.id, minutes: Math.round((this.o.maxWaitMs ?? 600_000) / 60000) }));
        continue;
      }
      this.assign(r, nowMs);
    }
    this.save();
  }

  private assign(r: DispatchRecord, nowMs: number): void {
    const host = this.o.host;
    const point = { latDeg: r.request.latDeg, lonDeg: r.request.lonDeg };
    type Pick = { sysid: number; droneId: string; source: 'patrol' | 'dock'; sortie: string | null; distM: number };
    const picks: Pick[] = [];
    for (const s of host.sorties()) {
      if (s.kind !== 'patrol' || s.state !== 'on_patrol' || s.holding || host.isTakenOver(s.sysid) || this.busy(s.sysid)) continue;
      const v = host.view(s.sysid);
      if (!v?.position || (v.battery?.remainingPct ?? 0) < host.reservePct + 20) continue;
      // Flying its route in the firmware's mission mode: not one its RC pilot or its failsafe has switched away.
      const mission = quirksFor(v.autopilot).missionMode;
      if (!v.armed || (mission !== undefined && v.mode !== mission)) continue;
      picks.push({ sysid: s.sysid, droneId: s.droneId, source: 'patrol', sortie: s.id, distM: groundDistanceM(v.position, point) });
    }
    const needPct = Math.min(60, 10 + Math.ceil(r.request.holdS / 30));
    // The candidates have passed the launch gates; a dispatch takes off at once, so a drone still warming up (no
    // home, no position estimate, a sensor unhealthy) is not picked: the request waits for it or takes another.
    for (const c of host.candidates({ kind: 'dispatch', needPct, landMs: nowMs + r.request.holdS * 1000 + 900_000 }, nowMs, null)) {
      const v = host.view(c.sysid);
      if (v?.home && dispatchReady(v)) picks.push({ sysid: c.sysid, droneId: c.droneId, source: 'dock', sortie: null, distM: groundDistanceM(v.home, point) });
    }
    const best = picks.sort((a, b) => a.distM - b.distM)[0];
    if (!best) return;
    Object.assign(r, { sysid: best.sysid, droneId: best.droneId, source: best.source, sortie: best.sortie, state: 'en_route' as const, assignedAtMs: nowMs });
    host.event(best.sortie, best.sysid, 'dispatch', said('dispatch-assigned', { id: r.id, drone: best.droneId, source: best.source, metres: Math.round(best.distM) }));
    void this.fly(r).catch((e: unknown) => this.fail(r, saidText(`threw: ${(e as Error).message}`)));
  }

  /**
   * The dispatch ends as failed with its cause: the alert the desk shows (critical when the drone took itself
   * home or down), leftAtMs only if it had been on scene, endedAtMs now.
   */
  private fail(r: DispatchRecord, cause: Said, level: 'warning' | 'critical' = 'warning'): void {
    if (r.state === 'failed') return;
    const now = this.o.ctx.clock.now();
    r.state = 'failed';
    r.reason = english(cause);
    r.cause = cause;
    if (r.arrivedAtMs !== null) r.leftAtMs ??= now;
    r.endedAtMs ??= now;
    this.o.host.alert(r.sortie, r.sysid, level, said('dispatch-failed', { id: r.id, drone: r.droneId ?? '' }, [cause]));
  }

  /**
   * What has taken the drone from this dispatch, from one look (null: it still flies for it): disarmed, out of
   * the guided mode (its failsafe, the RC), taken over by the pilot, its sortie no longer on patrol. `armed`:
   * the drone has been seen armed by this dispatch (a docked drone's disarm before its take-off shows is no loss).
   */
  private lostBy(r: DispatchRecord, o: { guided: boolean; from: string; armed: boolean }): Lost | null {
    const host = this.o.host;
    const sysid = r.sysid!;
    // Nothing heard from it (no HEARTBEAT for the registry's lost time, 5 s: ArduCopter's FS_GCS_TIMEOUT default):
    // what the station sees of it is stale, and its own GCS failsafe may already be taking it home. Judged first,
    // so the cause is the link, not what a stale view or the runner's reaction to the same loss would suggest.
    if (this.o.ctx.station.vehicle(sysid)?.lost) return { type: 'link', said: said('dispatch-link-lost') };
    const v = host.view(sysid);
    if (v && (o.armed || v.armed)) {
      const m = dispatchLost(quirksFor(v.autopilot), v, o);
      if (m) return m;
    }
    if (host.isTakenOver(sysid)) return { type: 'taken', said: said('taken-over') };
    if (r.source === 'patrol') {
      const s = host.sorties().find((x) => x.id === r.sortie);
      if (s?.state !== 'on_patrol') return { type: 'taken', said: said('dispatch-sortie-ended', { sortie: r.sortie ?? '', state: s?.state ?? 'gone' }) };
    }
    return null;
  }

  /**
   * The drone is no longer ours: the dispatch fails with the cause and nothing more is sent to it. A patrol
   * drone's own failsafe also ends its sortie's patrol (the runner does not judge a mode change while a
   * dispatch has the drone, policy.ts `modeChange`): its slot goes to another drone.
   */
  private lost(r: DispatchRecord, gone: Lost): void {
    const host = this.o.host;
    this.fail(r, gone.said, gone.type === 'failsafe' || gone.type === 'disarmed' || gone.type === 'link' ? 'critical' : 'warning');
    if (gone.type !== 'failsafe' || r.source !== 'patrol') return;
    const s = host.sorties().find((x) => x.id === r.sortie);
    if (s?.state === 'on_patrol') host.apply(s, { type: 'failsafe', nowMs: this.o.ctx.clock.now(), text: english(gone.said), said: gone.said });
  }

  /**
   * A step on scene that did not happen while the drone is still there (its camera not turned to the point, no
   * orbit): kept on the record for the desk and the report, and raised as a warning.
   */
  private note(r: DispatchRecord, what: Said): void {
    r.notes = [...(r.notes ?? []), what];
    this.o.host.alert(r.sortie, r.sysid, 'warning', said('dispatch-note', { id: r.id, drone: r.droneId ?? '' }, [what]));
    this.save();
  }

  /**
   * A step that did not happen with a drone still ours: it is sent back (patrol: its mission resumed; dock: RTL),
   * audited, then the dispatch fails with the cause.
   */
  private async recall(r: DispatchRecord, ctx: ActionContext, cause: Said): Promise<void> {
    const host = this.o.host;
    const sysid = r.sysid!;
    const cmd = ctx.station.vehicle(sysid)?.commands;
    if (cmd && r.source === 'patrol') {
      const v = host.view(sysid);
      const auto = (v ? quirksFor(v.autopilot).missionMode : undefined) ?? 'AUTO';
      const a = await audited(ctx, sysid, r.id, `mode ${auto} (resume patrol)`, () => cmd.setMode(auto));
      host.event(r.sortie, sysid, 'dispatch', a.ok ? said('dispatch-resumed', { id: r.id }) : said('dispatch-resume-refused', { id: r.id }, [saidText(a.reason)]));
    } else if (cmd) {
      const h = await audited(ctx, sysid, r.id, 'RTL', () => cmd.rtl());
      host.event(null, sysid, 'dispatch', h.ok ? said('dispatch-sent-home', { id: r.id, drone: r.droneId ?? '' }) : said('dispatch-home-refused', { id: r.id }, [saidText(h.reason)]));
    }
    this.fail(r, cause);
  }

  private async fly(r: DispatchRecord): Promise<void> {
    const { clock } = this.o.ctx;
    const ctx: ActionContext = { ...this.o.ctx, actor: r.request.from ?? `dispatch ${r.id}` };
    const sysid = r.sysid!;
    const host = this.o.host;
    const cmd = ctx.station.vehicle(sysid)?.commands;
    if (!cmd) return this.fail(r, said('dispatch-no-vehicle'));
    const altM = r.request.altM ?? 60;
    const point = { latDeg: r.request.latDeg, lonDeg: r.request.lonDeg };
    const metresAway = () => {
      const p = host.view(sysid)?.position;
      return p ? groundDistanceM(p, point) : Infinity;
    };
    const arrived = () => metresAway() <= r.request.radiusM + 30;
    // What the dispatch watches: armed once seen so (a docked drone before its take-off is not "disarmed"), and
    // the mode it flies in once the take-off or the go-to has put it there (before: only failsafe modes count).
    const w = { guided: false, from: host.view(sysid)?.mode ?? '', armed: host.view(sysid)?.armed === true };
    const gone = () => {
      w.armed ||= host.view(sysid)?.armed === true;
      return this.lostBy(r, w);
    };
    const nowGuided = () => {
      w.guided = true;
      w.from = host.view(sysid)?.mode ?? w.from;
    };
    if (r.source === 'dock') {
      let t = await audited(ctx, sysid, r.id, `takeoff ${altM} m`, () => cmd.takeoff(altM));
      for (let k = 0; !t.ok && k < 10 && /Need Position|no answer|not confirmed/i.test(t.reason); k++) {
        await sleep(clock, 3000);
        t = await audited(ctx, sysid, r.id, `takeoff ${altM} m`, () => cmd.takeoff(altM));
      }
      if (!t.ok) return this.fail(r, saidText(t.reason));
      nowGuided();
      const altNow = () => host.view(sysid)?.position?.altRelM ?? 0;
      const climbed = await waitUntil(clock, () => gone() !== null || altNow() >= altM - 5, { timeoutMs: CLIMB_MS, everyMs: LOOK_MS });
      const g0 = gone();
      if (g0) return this.lost(r, g0);
      if (!climbed) return this.recall(r, ctx, said('dispatch-no-climb', { alt: altM, seconds: Math.round(CLIMB_MS / 1000), at: Math.round(altNow()) }));
    } else {
      const g0 = gone();
      if (g0) return this.lost(r, g0);
    }
    // Where it flies: over the point (a hover, or an orbit, which takes it onto its circle itself), or, on a
    // firmware without an orbit command (ArduCopter), to the circle on its own side: it holds there, off the point
    // by the radius asked, camera on the point.
    const q = quirksFor(host.view(sysid)?.autopilot ?? 0);
    const standOff = r.request.radiusM > 0 && !q.orbitCommand;
    const here = host.view(sysid)?.position;
    const target = standOff && here ? towardM(point, here, r.request.radiusM) : point;
    const g = await audited(ctx, sysid, r.id, standOff ? `go to (${r.request.radiusM} m off the point)` : 'go to', () => cmd.goto(target.latDeg, target.lonDeg, altM));
    if (!g.ok) {
      const g1 = gone();
      return g1 ? this.lost(r, g1) : this.recall(r, ctx, saidText(g.reason));
    }
    nowGuided();
    await waitUntil(clock, () => gone() !== null || arrived(), { timeoutMs: REACH_MS, everyMs: LOOK_MS });
    const g2 = gone();
    if (g2) return this.lost(r, g2);
    if (!arrived()) return this.recall(r, ctx, said('dispatch-not-there', { radius: r.request.radiusM, minutes: Math.round(REACH_MS / 60_000), metres: Number.isFinite(metresAway()) ? Math.round(metresAway()) : '?' }));
    r.state = 'on_scene';
    r.arrivedAtMs = clock.now();
    // Each command only to a drone still ours: a failsafe may fire while the previous one was answered.
    const g3 = gone();
    if (g3) return this.lost(r, g3);
    const roi = await audited(ctx, sysid, r.id, 'region of interest', () => cmd.roi(r.request.latDeg, r.request.lonDeg, 0));
    const g4 = gone();
    if (g4) return this.lost(r, g4);
    // On scene all the same (it is at the point), but not as asked: said on the record and as a warning.
    if (!roi.ok) this.note(r, said('dispatch-no-roi', {}, [saidText(roi.reason)]));
    if (r.request.radiusM > 0 && !standOff) {
      const orbit = await audited(ctx, sysid, r.id, `orbit r ${r.request.radiusM} m`, () => cmd.orbit(r.request.latDeg, r.request.lonDeg, r.request.radiusM, 3, altM));
      if (!orbit.ok && !gone()) this.note(r, said('dispatch-no-orbit', { radius: r.request.radiusM }, [saidText(orbit.reason)]));
    }
    await waitUntil(clock, () => gone() !== null, { timeoutMs: r.request.holdS * 1000, everyMs: LOOK_MS });
    const g5 = gone();
    if (g5) return this.lost(r, g5);
    r.leftAtMs = clock.now();
    await audited(ctx, sysid, r.id, 'clear region of interest', () => cmd.roiNone());
    const g6 = gone();
    if (g6) return this.lost(r, g6);
    if (r.source === 'patrol') {
      // The mission mode of this drone's firmware (quirks table): the mission carries on from its current item.
      const v = host.view(sysid);
      const auto = (v ? quirksFor(v.autopilot).missionMode : undefined) ?? 'AUTO';
      const a = await audited(ctx, sysid, r.id, `mode ${auto} (resume patrol)`, () => cmd.setMode(auto));
      if (!a.ok) {
        host.event(r.sortie, sysid, 'dispatch', said('dispatch-resume-refused', { id: r.id }, [saidText(a.reason)]));
        return this.fail(r, saidText(a.reason));
      }
      r.state = 'resumed';
      r.endedAtMs = clock.now();
      host.event(r.sortie, sysid, 'dispatch', said('dispatch-resumed', { id: r.id }));
      return;
    }
    r.state = 'returning';
    const h = await audited(ctx, sysid, r.id, 'RTL', () => cmd.rtl());
    if (!h.ok) return this.fail(r, saidText(h.reason));
    // Back in its dock: disarmed near its home. The pilot taking it over ends the dispatch as it is.
    const armedNow = () => host.view(sysid)?.armed !== false;
    const landed = await waitUntil(clock, () => !armedNow() || host.isTakenOver(sysid), { timeoutMs: LAND_MS, everyMs: LOOK_MS });
    if (host.isTakenOver(sysid)) return this.fail(r, said('taken-over'));
    const v = host.view(sysid);
    const fromDockM = v?.home && v.position ? Math.round(groundDistanceM(v.home, v.position)) : null;
    if (!landed) return this.fail(r, said('dispatch-not-landed', { minutes: Math.round(LAND_MS / 60_000), mode: v?.mode ?? '?', metres: fromDockM ?? '?' }));
    if (fromDockM !== null && fromDockM > DOCK_NEAR_M) return this.fail(r, said('dispatch-landed-away', { metres: fromDockM }), 'critical');
    r.state = 'done';
    r.endedAtMs = clock.now();
    host.event(null, sysid, 'dispatch', said('dispatch-docked', { id: r.id, drone: r.droneId ?? '' }));
  }
}
