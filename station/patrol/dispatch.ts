/**
 * "Go and look here": a request (point, radius, priority, time to watch) sends the nearest suitable drone —
 * one on a patrol sortie (never one on a school post: a school window is not left to serve something less
 * important) or a ready drone in a dock — flies it there, orbits (or hovers, radius 0) with the camera on the
 * point for the requested time, then resumes the patrol (AUTO carries on from its current item) or returns
 * to its dock. Requests wait, highest priority first, until a drone is free. Every command is audited.
 *
 *   QUEUED ─ drone picked ─► EN_ROUTE ─ within radius ─► ON_SCENE ─ time up ─► RESUMED (patrol) | RETURNING ─► DONE
 *      │ no drone for maxWaitMs: UNSERVED          any step refused, or the sortie taken home: FAILED
 */
import { quirksFor } from '../../mavlink/quirks.js';
import { audited, type ActionContext } from './actions.js';
import type { PatrolHost } from './host.js';
import { said, saidText } from './said.js';
import { groundDistanceM } from '../../common/geo.js';
import { sleep, waitUntil } from '../../common/wait.js';
import type { PatrolStore } from './store.js';

/** What the dispatcher needs of the patrol it serves (the runner's one host, host.ts; tests may provide their own). */
export type DispatchHost = Pick<PatrolHost, 'sorties' | 'view' | 'isTakenOver' | 'reservePct' | 'candidates' | 'event' | 'alert'>;

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
  reason: string | null;
  /**
   * When the drone was given the request, and when it was done with it (its patrol resumed, back in its dock,
   * or the dispatch failed). A patrol drone is off its route in between: the report does not count that time
   * as patrol. Absent in records saved before these fields existed.
   */
  assignedAtMs?: number | null;
  endedAtMs?: number | null;
}


export class Dispatcher {
  private readonly list: DispatchRecord[] = [];
  private n = 0;
  private saved = '';
  constructor(private readonly o: { ctx: ActionContext; host: DispatchHost; store: PatrolStore; key: string; maxWaitMs?: number }) {
    const back = o.store.kv(`dispatches/${o.key}`);
    if (back) {
      // A restarted station cannot resume a flight it was directing: those end as failed (the drone is seen
      // again by its sortie, or is left to the pilot).
      for (const r of JSON.parse(back) as DispatchRecord[]) {
        if (r.state === 'en_route' || r.state === 'on_scene' || r.state === 'returning') Object.assign(r, { state: 'failed', reason: 'station restarted during the dispatch' });
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
    this.list.push({ id, request: req, requestedAtMs: this.o.ctx.clock.now(), state: 'queued', sysid: null, droneId: null, source: null, sortie: null, arrivedAtMs: null, leftAtMs: null, reason: null, assignedAtMs: null, endedAtMs: null });
    this.o.host.event(null, null, 'dispatch', said('dispatch-queued', { id, lat: req.latDeg.toFixed(5), lon: req.lonDeg.toFixed(5), radius: req.radiusM, hold: req.holdS, priority: req.priority }));
    return id;
  }

  tick(nowMs: number): void {
    const queued = this.list.filter((r) => r.state === 'queued').sort((a, b) => b.request.priority - a.request.priority || a.requestedAtMs - b.requestedAtMs);
    for (const r of queued) {
      if (nowMs - r.requestedAtMs > (this.o.maxWaitMs ?? 600_000)) {
        r.state = 'unserved';
        r.reason = 'no suitable drone';
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
      picks.push({ sysid: s.sysid, droneId: s.droneId, source: 'patrol', sortie: s.id, distM: groundDistanceM(v.position, point) });
    }
    const needPct = Math.min(60, 10 + Math.ceil(r.request.holdS / 30));
    for (const c of host.candidates({ kind: 'dispatch', needPct, landMs: nowMs + r.request.holdS * 1000 + 900_000 }, nowMs, null)) {
      const h = host.view(c.sysid)?.home;
      if (h) picks.push({ sysid: c.sysid, droneId: c.droneId, source: 'dock', sortie: null, distM: groundDistanceM(h, point) });
    }
    const best = picks.sort((a, b) => a.distM - b.distM)[0];
    if (!best) return;
    Object.assign(r, { sysid: best.sysid, droneId: best.droneId, source: best.source, sortie: best.sortie, state: 'en_route' as const, assignedAtMs: nowMs });
    host.event(best.sortie, best.sysid, 'dispatch', said('dispatch-assigned', { id: r.id, drone: best.droneId, source: best.source, metres: Math.round(best.distM) }));
    void this.fly(r).catch((e: unknown) => this.fail(r, `threw: ${(e as Error).message}`));
  }

  private fail(r: DispatchRecord, reason: string): void {
    r.state = 'failed';
    r.reason = reason;
    r.leftAtMs ??= this.o.ctx.clock.now();
    r.endedAtMs ??= this.o.ctx.clock.now();
    this.o.host.alert(r.sortie, r.sysid, 'warning', said('dispatch-failed', { id: r.id, drone: r.droneId ?? '' }, [saidText(reason)]));
  }

  private async fly(r: DispatchRecord): Promise<void> {
    const { clock } = this.o.ctx;
    const ctx: ActionContext = { ...this.o.ctx, actor: r.request.from ?? `dispatch ${r.id}` };
    const sysid = r.sysid!;
    const host = this.o.host;
    const cmd = ctx.station.vehicle(sysid)?.commands;
    if (!cmd) return this.fail(r, 'no vehicle');
    const altM = r.request.altM ?? 60;
    const stillOurs = () => !host.isTakenOver(sysid) && (r.source === 'dock' || host.sorties().find((s) => s.id === r.sortie)?.state === 'on_patrol');
    if (r.source === 'dock') {
      let t = await audited(ctx, sysid, r.id, `takeoff ${altM} m`, () => cmd.takeoff(altM));
      for (let k = 0; !t.ok && k < 10 && /Need Position|no answer|not confirmed/i.test(t.reason); k++) {
        await sleep(clock, 3000);
        t = await audited(ctx, sysid, r.id, `takeoff ${altM} m`, () => cmd.takeoff(altM));
      }
      if (!t.ok) return this.fail(r, t.reason);
      await waitUntil(clock, () => (host.view(sysid)?.position?.altRelM ?? 0) >= altM - 5, { timeoutMs: 60_000, everyMs: 1000 });
    }
    const g = await audited(ctx, sysid, r.id, 'go to', () => cmd.goto(r.request.latDeg, r.request.lonDeg, altM));
    if (!g.ok) return this.fail(r, g.reason);
    const point = { latDeg: r.request.latDeg, lonDeg: r.request.lonDeg };
    const arrived = () => {
      const p = host.view(sysid)?.position;
      return !!p && groundDistanceM(p, point) <= r.request.radiusM + 30;
    };
    await waitUntil(clock, () => arrived() || !stillOurs(), { timeoutMs: 600_000, everyMs: 1000 });
    if (!arrived() && !stillOurs()) return this.fail(r, 'the drone was taken for something else');
    r.state = 'on_scene';
    r.arrivedAtMs = clock.now();
    await audited(ctx, sysid, r.id, 'region of interest', () => cmd.roi(r.request.latDeg, r.request.lonDeg, 0));
    if (r.request.radiusM > 0) await audited(ctx, sysid, r.id, `orbit r ${r.request.radiusM} m`, () => cmd.orbit(r.request.latDeg, r.request.lonDeg, r.request.radiusM, 3, altM));
    if (await waitUntil(clock, () => !stillOurs(), { timeoutMs: r.request.holdS * 1000, everyMs: 5000 })) return this.fail(r, 'the drone was taken for something else');
    r.leftAtMs = clock.now();
    await audited(ctx, sysid, r.id, 'clear region of interest', () => cmd.roiNone());
    if (r.source === 'patrol') {
      // The mission mode of this drone's firmware (quirks table): the mission carries on from its current item.
      const v = host.view(sysid);
      const auto = (v ? quirksFor(v.autopilot).missionMode : undefined) ?? 'AUTO';
      const a = await audited(ctx, sysid, r.id, `mode ${auto} (resume patrol)`, () => cmd.setMode(auto));
      r.state = a.ok ? 'resumed' : 'failed';
      r.endedAtMs = clock.now();
      if (!a.ok) r.reason = a.reason;
      host.event(r.sortie, sysid, 'dispatch', a.ok ? said('dispatch-resumed', { id: r.id }) : said('dispatch-resume-refused', { id: r.id }, [saidText(a.reason)]));
      return;
    }
    r.state = 'returning';
    const h = await audited(ctx, sysid, r.id, 'RTL', () => cmd.rtl());
    if (!h.ok) return this.fail(r, h.reason);
    await waitUntil(clock, () => !host.view(sysid)?.armed, { timeoutMs: 1_200_000, everyMs: 1000 });
    r.state = 'done';
    r.endedAtMs = clock.now();
    host.event(null, sysid, 'dispatch', said('dispatch-docked', { id: r.id, drone: r.droneId ?? '' }));
  }
}
