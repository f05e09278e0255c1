/**
 * "Go and look here" from a console: the request checked (every field from a client is hostile until checked)
 * and the dispatcher's records as the console sees them, with an ETA for the drone on its way.
 */
import { err, ok, type Result } from '../../common/result.js';
import { groundDistanceM } from '../../common/geo.js';
import type { DispatchView, LookRequestView } from '../../common/api/contract.js';
import type { Principal } from '../gateway/principal.js';
import { principalName, principalRole } from '../gateway/principal.js';
import { may } from '../gateway/rights.js';
import { describeIssues, type FlightRules } from '../../missions/plan/flight-check.js';
import type { DispatchRecord, LookRequest } from './dispatch.js';

/** Who may send a drone to look: the gateway's rights table (a dispatcher, a pilot, the centre; not a viewer). */
export function mayDispatch(who: Principal): boolean {
  return may(principalRole(who), 'dispatch');
}

/**
 * Where a drone may be sent to look: the point (hover) or the whole circle (orbit) inside the jurisdiction and
 * clear of every no-fly zone by the planner's margin — the gateway's rules for a go-to and an orbit. No
 * override: a dispatcher has none, and the centre is a dispatcher. Null when it may go.
 */
export function lookRefusal(rules: FlightRules | undefined, req: Pick<LookRequestView, 'latDeg' | 'lonDeg' | 'radiusM'>): string | null {
  if (!rules) return null;
  const issues = req.radiusM > 0 ? rules.orbit(req.latDeg, req.lonDeg, req.radiusM, undefined, 'look-here orbit') : rules.point(req.latDeg, req.lonDeg, undefined, 'look-here point');
  return issues.length > 0 ? describeIssues(issues) : null;
}

/** The runner's request from a console's checked one: the asker is written to the audit as the actor. */
export function lookRequest(req: LookRequestView, who: Principal): LookRequest {
  return { ...req, from: principalName(who) };
}

export const LOOK_LIMITS = { radiusM: [0, 500], holdS: [10, 1800], priority: [1, 3] } as const;

/** The request's fields, checked: finite, in range; the error names the field and the range. */
export function checkLook(x: unknown): Result<LookRequestView> {
  const o = (x ?? {}) as Record<string, unknown>;
  const num = (k: string) => (typeof o[k] === 'number' && Number.isFinite(o[k]) ? (o[k] as number) : NaN);
  const lat = num('latDeg');
  const lon = num('lonDeg');
  if (!(Math.abs(lat) <= 90) || !(Math.abs(lon) <= 180)) return err('bad-argument', 'latDeg/lonDeg must be a position in degrees (|lat| ≤ 90, |lon| ≤ 180)');
  const inRange = (k: keyof typeof LOOK_LIMITS) => {
    const v = num(k);
    const [a, b] = LOOK_LIMITS[k];
    return v >= a && v <= b ? v : undefined;
  };
  const radiusM = inRange('radiusM');
  const holdS = inRange('holdS');
  const priority = inRange('priority');
  if (radiusM === undefined) return err('bad-argument', `radiusM must be ${LOOK_LIMITS.radiusM.join('–')} m`);
  if (holdS === undefined) return err('bad-argument', `holdS must be ${LOOK_LIMITS.holdS.join('–')} s`);
  if (priority === undefined || !Number.isInteger(priority)) return err('bad-argument', `priority must be an integer ${LOOK_LIMITS.priority.join('–')}`);
  return ok({ latDeg: lat, lonDeg: lon, radiusM, holdS, priority });
}


/**
 * The console's view of a dispatch. `where(sysid)` gives the drone's position, whether it flies, and its cruise
 * speed: the ETA is the distance over the cruise speed, plus a minute to arm and climb for a drone on the ground.
 */
export function dispatchView(r: DispatchRecord, where: (sysid: number) => { latDeg: number; lonDeg: number; airborne: boolean; cruiseMps: number } | undefined): DispatchView {
  let etaS: number | null = null;
  if (r.state === 'en_route' && r.sysid !== null) {
    const p = where(r.sysid);
    if (p && p.cruiseMps > 0) etaS = Math.round(groundDistanceM(p, r.request) / p.cruiseMps + (p.airborne ? 0 : 60));
  }
  return {
    id: r.id, state: r.state, request: { latDeg: r.request.latDeg, lonDeg: r.request.lonDeg, radiusM: r.request.radiusM, priority: r.request.priority, holdS: r.request.holdS },
    from: r.request.from ?? null, drone: r.droneId, source: r.source, requestedAtMs: r.requestedAtMs, assignedAtMs: r.assignedAtMs ?? null,
    arrivedAtMs: r.arrivedAtMs, leftAtMs: r.leftAtMs, endedAtMs: r.endedAtMs ?? null, etaS, reason: r.reason, cause: r.cause ?? null,
    notes: r.notes ?? [],
  };
}
