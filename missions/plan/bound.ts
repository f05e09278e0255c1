/**
 * The fleet lower bound. Every required presence (each patrol slot, its handover minute included, and each
 * school window) must be served by some sortie, and that sortie keeps its drone busy from launch (at least
 * the climb before arriving) until it can fly again (at least the descent after leaving plus the recharge).
 * So at every instant at least as many drones are busy as there are such minimal busy intervals covering it;
 * the largest such count over the day is a lower bound on the fleet. Transit times are left out (taken as
 * 0), which keeps the bound valid for any dock.
 */
export interface Requirement { fromS: number; toS: number; altM: number }

export function fleetLowerBound(reqs: Requirement[], climbMps: number, descentMps: number, rechargeS: (flightS: number) => number): number {
  const ev: [number, number][] = [];
  for (const r of reqs) {
    const lead = r.altM / climbMps;
    const tail = r.altM / descentMps;
    const flight = lead + (r.toS - r.fromS) + tail;
    ev.push([r.fromS - lead, 1], [r.toS + tail + rechargeS(flight), -1]);
  }
  ev.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let cur = 0;
  let best = 0;
  for (const [, d] of ev) {
    cur += d;
    best = Math.max(best, cur);
  }
  return best;
}
