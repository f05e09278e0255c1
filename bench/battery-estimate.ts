/**
 * The battery's time left against the simulator's truth (issue 15): the estimate (station/vehicle/
 * battery-estimate.ts) and the formula before it, each second of simulated patrol flights flown to the
 * battery reserve (tests/system/battery-flight.ts). Prints the absolute error (median, p95; minutes and % of
 * the truth) over the airborne seconds from the second minute to the reserve, and the steadiness: the most
 * the figure moved in one minute of steady cruise beyond the minute that passed. Ratios old ÷ new.
 *
 *   npx tsx bench/battery-estimate.ts
 *
 * First flights of a drone the station has never seen, from each prior (battery-prior.ts): none (learning as it
 * flies), a fixed default (ArduCopter's default BATT_CAPACITY), the drone's own parameters; ratios against them.
 *
 * Scenarios: a 55 min drone on patrol squares (600 m sides, 90 s hovers), judged on its second flight; the
 * same drone, its model from those flights, on a school-gate flight (1200 m legs, 10 min hovers: a mix it
 * has not flown); a 20 min drone on patrol squares.
 */
import { Battery } from '../sitl/battery.js';
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

/** A first flight (nothing learned) from each prior: the error over the flight and over its first two minutes. */
function firstFlights(): void {
  const runs = [
    { name: 'no prior (learns as it flies, as before this change)', r: flyBatteryFlights({ enduranceMin: 55, flights: 1 }) },
    { name: 'fixed default: ArduCopter\'s BATT_CAPACITY default 3300 mAh', r: flyBatteryFlights({ enduranceMin: 55, flights: 1, prior: { BATT_CAPACITY: 3300 } }) },
    { name: 'the drone\'s own BATT_CAPACITY and MOT_BAT_VOLT_MAX', r: flyBatteryFlights({ enduranceMin: 55, flights: 1, prior: 'drone' }) },
  ];
  console.log('55 min drone, patrol squares, FIRST flight, from take-off:');
  const rows = runs.map(({ name, r }) => {
    const f = r.flights[0]!;
    const all = figures(f, (s) => s.estS, 0);
    const early = figures({ ...f, seconds: f.seconds.filter((s) => s.tS <= 120) }, (s) => s.estS, 0);
    const prior = r.prior ? `${r.prior.capacityMah} mAh, ${r.prior.cells} cells from ${r.prior.cellsFrom}` : 'none';
    console.log(`    ${name} [${prior}]`);
    console.log(`      whole flight: error median ${f1(all.medianMin)} min, p95 ${f1(all.p95Min)} min; ${all.missing} s without a figure`);
    console.log(`      first 2 min:  error median ${f1(early.medianMin)} min, p95 ${f1(early.p95Min)} min; ${early.missing} s without a figure`);
    return { all, early };
  });
  const [none, fixed, own] = rows as [(typeof rows)[0], (typeof rows)[0], (typeof rows)[0]];
  console.log(`    no prior ÷ own params: median error ${f1(none.all.medianMin / own.all.medianMin)}×, p95 ${f1(none.all.p95Min / own.all.p95Min)}×`);
  console.log(`    fixed default ÷ own params, first 2 min: median error ${f1(fixed.early.medianMin / own.early.medianMin)}×, p95 ${f1(fixed.early.p95Min / own.early.p95Min)}×`);
  // An aged pack: it holds 10 % less than BATT_CAPACITY says (the autopilot's % counts against the parameter).
  const aged = Math.round(new Battery({ enduranceMin: 55, cruiseMps: 10 }).capacityMah * 1.1);
  const agedNone = figures(flyBatteryFlights({ enduranceMin: 55, flights: 1, params: { BATT_CAPACITY: aged } }).flights[0]!, (s) => s.estS, 0);
  const agedOwn = figures(flyBatteryFlights({ enduranceMin: 55, flights: 1, params: { BATT_CAPACITY: aged }, prior: 'drone' }).flights[0]!, (s) => s.estS, 0);
  console.log(`  the same drone, its pack aged (BATT_CAPACITY ${aged} mAh, 10 % over what it holds), first flight from take-off:`);
  console.log(`    no prior: error median ${f1(agedNone.medianMin)} min, p95 ${f1(agedNone.p95Min)} min, ${agedNone.missing} s without a figure; own params: median ${f1(agedOwn.medianMin)} min, p95 ${f1(agedOwn.p95Min)} min, ${agedOwn.missing} s without`);
  console.log(`    no prior ÷ own params: median error ${f1(agedNone.medianMin / agedOwn.medianMin)}×, p95 ${f1(agedNone.p95Min / agedOwn.p95Min)}×`);
}

const t0 = performance.now();
firstFlights();
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
