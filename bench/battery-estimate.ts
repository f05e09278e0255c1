/**
 * The battery's time left against the simulator's truth (issue 15): the estimate (station/vehicle/
 * battery-estimate.ts) and the formula before it, each second of simulated patrol flights flown to the
 * battery reserve (tests/system/battery-flight.ts). Prints the absolute error (median, p95; minutes and % of
 * the truth) over the airborne seconds from the second minute to the reserve, and the steadiness: the most
 * the figure moved in one minute of steady cruise beyond the minute that passed. Ratios old ÷ new.
 *
 *   npx tsx bench/battery-estimate.ts
 *
 * Scenarios: a 55 min drone on patrol squares (600 m sides, 90 s hovers), judged on its second flight; the
 * same drone, its model from those flights, on a school-gate flight (1200 m legs, 10 min hovers: a mix it
 * has not flown); a 20 min drone on patrol squares.
 */
import { figures, flyBatteryFlights, oldTimeLeftS, type FlightResult, type Figures } from '../tests/system/battery-flight.js';

const f1 = (x: number): string => (Number.isFinite(x) ? x.toFixed(x < 10 ? 2 : 1) : '—');

function line(name: string, g: Figures): string {
  return `    ${name.padEnd(4)} error median ${f1(g.medianMin)} min (${f1(g.medianPct)} %), p95 ${f1(g.p95Min)} min (${f1(g.p95Pct)} %); steady cruise: moves ≤ ${f1(g.steadiestCruiseMaxMinPerMin)} min per min; ${g.samples} s judged, ${g.missing} s without a figure`;
}

function report(title: string, f: FlightResult): void {
  const now = figures(f, (s) => s.estS);
  const old = figures(f, (s) => s.oldS);
  console.log(`${title}: reserve reached ${f1(f.reserveAtS / 60)} min after take-off`);
  console.log(line('new', now));
  console.log(line('old', old));
  console.log(`    old ÷ new: median error ${f1(old.medianMin / now.medianMin)}×, p95 error ${f1(old.p95Min / now.p95Min)}×, steadiness ${f1(old.steadiestCruiseMaxMinPerMin / now.steadiestCruiseMaxMinPerMin)}×`);
}

const t0 = performance.now();
const a = flyBatteryFlights({ enduranceMin: 55, flights: 2 });
report('55 min drone, patrol squares, first flight (learning as it flies)', a.flights[0]!);
report('55 min drone, patrol squares, second flight', a.flights[1]!);
const b = flyBatteryFlights({ enduranceMin: 55, flights: 1, model: a.model, sideM: 1200, hoverS: 600 });
report('55 min drone, school-gate flight (10 min hovers) after the patrol flights', b.flights[0]!);
const c = flyBatteryFlights({ enduranceMin: 20, flights: 2 });
report('20 min drone, patrol squares, second flight', c.flights[1]!);
const d = flyBatteryFlights({ enduranceMin: 55, flights: 2, landAtPct: 92 });
const l = d.flights[1]!;
console.log(`55 min drone landed at ${l.landedPct} % after a patrol flight: shows ${l.landedEst.kind} ${f1((l.landedEst.seconds ?? NaN) / 60)} min (a full pack flew ${f1(d.flights[0]!.reserveAtS / 60)} min to the reserve)`);
// Disarmed, the simulator draws 0 A and the old formula showed nothing; armed on the ground (4 A, as SITL and a
// real copter idle) it divided the charge left by that current.
const idle = l.landedBattery ? oldTimeLeftS({ ...l.landedBattery, currentA: 4 }) : null;
console.log(`    the old formula at that %, armed on the ground (4 A): ${f1((idle ?? NaN) / 60)} min`);
console.log(`learned: ${JSON.stringify({ whPerPct: a.model.whPerPct.map((x) => (x === null ? null : +x.toFixed(3))), flightW: +a.model.flightW!.toFixed(1), hoverW: +a.model.hoverW!.toFixed(1), cruiseW: +a.model.cruiseW!.toFixed(1) })}`);
console.log(`(${((performance.now() - t0) / 1000).toFixed(1)} s)`);
