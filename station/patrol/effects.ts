/**
 * The sortie machine's effects (sortie.ts), carried out on the drones: the upload (a drone standing in for one
 * of another dock flies its route but lands at its own home), the launch, hold and resume through the mission's
 * current item, RTL, a lost slot handed to the reassigner, an alert. Every command passes the audited gateway;
 * its outcome goes back to the sortie as an event. The runner (runner.ts) decides when; this file does.
 */
import { err, ok, type Result } from '../../common/result.js';
import type { PlanLists } from '../files/plan-file.js';
import { audited, landingAt, launchMission, uploadPlan, type ActionContext } from './actions.js';
import type { DaySortie } from './day.js';
import type { PatrolHost } from './host.js';
import type { Said } from './said.js';
import type { Sortie, SortieEffect, SortieEvent } from './sortie.js';
import type { DroneWatches } from './watches.js';

/** What carrying out the effects needs of the runner. */
export interface EffectsHost extends Pick<PatrolHost, 'view' | 'alert'> {
  readonly ctx: ActionContext;
  readonly watches: DroneWatches;
  /** Each drone of the fleet and its dock. */
  readonly drones: readonly { sysid: number; dock: string }[];
  daySortie(s: Sortie): DaySortie | undefined;
  /** The slot of `s` goes to another drone (reassign.ts). */
  reassign(s: Sortie, reason: Said): void;
  /** Feed an event to the sortie's current version (it may have moved on while a command ran). */
  later(s: Sortie, e: SortieEvent): void;
}

export class SortieEffects {
  /** sysid → plan path verified on it since its last flight. */
  private readonly verified = new Map<number, string>();

  constructor(private readonly host: EffectsHost) {}

  /** The plan `path` is on the drone, verified, and it has not flown since. */
  verifiedOn(sysid: number, path: string): boolean {
    return this.verified.get(sysid) === path;
  }

  carryOut(s: Sortie, fx: SortieEffect): void {
    const { ctx, watches } = this.host;
    const cmd = () => ctx.station.vehicle(s.sysid)?.commands;
    switch (fx.type) {
      case 'alert':
        this.host.alert(s.id, s.sysid, fx.level, fx.said);
        return;
      case 'upload': {
        const d = this.host.daySortie(s);
        if (!d) return this.host.later(s, { type: 'upload-done', ok: false, reason: `no plan ${s.plan}` });
        const plan = this.planFor(s, d);
        if (!plan.ok) return this.host.later(s, { type: 'upload-done', ok: false, reason: plan.reason });
        void uploadPlan(ctx, s.sysid, s.id, plan.value).then((r) => {
          if (r.ok) this.verified.set(s.sysid, s.plan);
          this.host.later(s, r.ok ? { type: 'upload-done', ok: true } : { type: 'upload-done', ok: false, reason: r.reason });
        });
        return;
      }
      case 'launch':
        Object.assign(watches.get(s.sysid), { current: 0, battery: [], homeDistM: 0 });
        void launchMission(ctx, s.sysid, s.id).then((r) => {
          this.verified.delete(s.sysid);
          this.host.later(s, r.ok ? { type: 'launch-done', ok: true, nowMs: ctx.clock.now() } : { type: 'launch-done', ok: false, nowMs: ctx.clock.now(), reason: r.reason });
        });
        return;
      case 'hold':
        this.setCurrent(s, 'hold', `mission item ${this.host.daySortie(s)?.marks.holdSeq} (hold for relief)`);
        return;
      case 'resume':
        this.setCurrent(s, 'resume', `mission item ${this.host.daySortie(s)?.marks.resumeSeq} (relieved, home)`);
        return;
      case 'rtl':
        void audited(ctx, s.sysid, s.id, `RTL (${fx.reason})`, () => cmd()!.rtl());
        return;
      case 'reassign':
        this.host.reassign(s, fx.said);
        return;
    }
  }

  /**
   * Holding is done with the mission itself: back to the hover (a school post) or to the start of the route
   * (patrol), and, once relieved, on to the leg home. A pause would stop a drone in its landing leg.
   */
  setCurrent(s: Sortie, what: 'hold' | 'resume', label: string): void {
    const { ctx, watches } = this.host;
    const d = this.host.daySortie(s);
    const m = ctx.station.vehicle(s.sysid)?.missions;
    if (!d || !m) return;
    const seq = what === 'hold' ? d.marks.holdSeq : d.marks.resumeSeq;
    watches.get(s.sysid).holdSentMs = ctx.clock.now();
    void audited(ctx, s.sysid, s.id, `set current ${label}`, async () => {
      const r = await m.setCurrent(seq).result;
      // Confirmed by the drone: progress is there now (MISSION_CURRENT may be slow, or not come at all).
      if (r.outcome === 'ok') watches.get(s.sysid).current = seq;
      return r.outcome === 'ok' ? { ok: true } : { ok: false, reason: `set current ${seq}: ${r.outcome}${r.reason ? ` (${r.reason})` : ''}` };
    });
  }

  /**
   * The mission a sortie's drone flies. A drone standing in for one of another dock flies that sortie's route
   * but lands where it lives: the route's last item (NAV_LAND on the planned drone's dock, whose own drone may
   * still sit there) is moved to the stand-in's home. Without a known home it is not sent at all.
   */
  private planFor(s: Sortie, d: DaySortie): Result<PlanLists> {
    const own = this.host.drones.find((x) => x.sysid === s.sysid);
    if (!own || own.dock === d.drone.dock) return ok(d.plan);
    const home = this.host.view(s.sysid)?.home;
    if (!home) return err('no-home', `${s.droneId} stands in from dock ${own.dock}: its home is not known yet, so it cannot be sent to land there`);
    return ok(landingAt(d.plan, home));
  }
}
