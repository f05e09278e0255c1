/**
 * The centre and three stations through a real Mosquitto (TLS, password file, ACL): the sample station with
 * its patrol runner flying the simulator on the fake clock (tests/patrol/testkit.ts), and two more stations
 * whose fleets are plain data (FakeHost). The centre sees all three fleets; "go and look here" sent to the
 * sample station is carried out by its dispatcher — a drone takes off from its dock, looks and comes back —
 * and every answer returns to the centre in order; the audit names the centre as the author.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SystemClock, type Clock } from '../../common/clock.js';
import { Centre } from '../../station/centre/centre.js';
import { CentreLink } from '../../station/centre/link.js';
import { stationHost } from '../../station/centre/station-host.js';
import { FakeHost } from '../../station/centre/testkit/fake-host.js';
import { startMosquitto, type Broker } from '../../station/centre/testkit/mosquitto.js';
import type { SimDay } from '../../station/patrol/sim-day.js';
import { sampleSimDay } from '../patrol/testkit.js';

let broker: Broker;
let centre: Centre;
let day: SimDay;
let dir: string;
const links: CentreLink[] = [];
const fakes: FakeHost[] = [];

async function until(what: string, cond: () => boolean, maxMs = 30_000): Promise<void> {
  for (const t0 = performance.now(); !cond(); ) {
    if (performance.now() - t0 > maxMs) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

beforeAll(async () => {
  broker = await startMosquitto({ users: ['centre', 'sample', 'gen2', 'gen3'], tls: true });
  const c = Centre.start({ clock: new SystemClock(), url: broker.url, id: 'centre', username: 'centre', password: broker.password('centre'), ca: broker.ca!, reconnectMs: 200 });
  if (!c.ok) throw new Error(c.reason);
  centre = c.value;
  const made = await sampleSimDay();
  day = made.day;
  dir = made.dir;
  const host = stationHost({ clock: day.clock, station: day.station, fleet: day.day.fleet, patrol: { runner: day.runner, store: day.store, day: day.day } });
  const mk = (station: string, h: FakeHost | typeof host, clock: Clock = day.clock) => {
    const l = CentreLink.start({ clock, url: broker.url, station, username: station, password: broker.password(station), ca: broker.ca!, dir: `${day.dataDir}/centre-${station}`, host: h, reconnectMs: 200 });
    if (!l.ok) throw new Error(l.reason);
    links.push(l.value);
  };
  mk('sample', host);
  // Two generated stations east and north of the sample one.
  for (const [k, id] of [[1, 'gen2'], [2, 'gen3']] as const) {
    const h = new FakeHost();
    h.name = `generated ${id}`;
    fakes.push(h);
    h.fleetRows = Array.from({ length: 4 }, (_, i) => [`${id.toUpperCase()}-0${i + 1}`, 24.6 + 0.05 * k, 118.2 + 0.1 * k + 0.01 * i, 0, 0, 'STABILIZE', 100, null, 'up'] as const).map((r) => [...r]) as FakeHost['fleetRows'];
    mk(id, h, new SystemClock());
  }
  // The simulated drones get their position (warm-up) with the clock running.
  await day.runUntil(day.clock.now() + 120_000);
}, 120_000);

afterAll(async () => {
  for (const l of links) await l.close();
  await day?.close();
  await centre?.close();
  await broker?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the centre and three stations', () => {
  it('sees all three fleets', async () => {
    await until('three stations online with their fleets', () => ['sample', 'gen2', 'gen3'].every((s) => centre.station(s)?.online && (centre.station(s)?.fleet.length ?? 0) > 0));
    expect(centre.station('sample')!.fleet.map((r) => r[0]).sort()).toEqual(day.day.fleet.drones.map((d) => d.id).sort());
    expect(centre.station('sample')!.name).toBe(day.day.fleet.station);
    expect(centre.station('sample')!.sortiesToday).toBe(day.runner.list().length);
    expect(centre.station('gen2')!.fleet).toHaveLength(4);
  });

  it('"go and look here" flies the sample station\'s drone; the outcome comes back; the audit names the centre', async () => {
    const home = day.station.snapshot().vehicles.find((v) => v.home)!.home!;
    const target = { latDeg: home.latDeg + 0.004, lonDeg: home.lonDeg + 0.004 };
    const id = centre.dispatch('sample', { ...target, radiusM: 0, priority: 8, holdS: 60, text: '群众报警：可疑车辆' }, 'duty officer 王');
    if (!id.ok) throw new Error(id.reason);
    await until('the runner has the request', () => day.runner.dispatches().some((d) => d.id === id.value));
    // Fly: the dispatcher ticks on the fake clock; the link publishes as it goes.
    const answers = () => centre.request(id.value)!.answers.map((a) => a.state);
    for (let k = 0; k < 40 && !answers().includes('returned') && !answers().includes('failed'); k++) {
      await day.runUntil(day.clock.now() + 60_000);
      await new Promise((r) => setTimeout(r, 50));
    }
    await until('returned at the centre', () => answers().includes('returned') || answers().includes('failed'));
    const rec = day.runner.dispatches().find((d) => d.id === id.value)!;
    expect(rec.state).toBe('done');
    expect(answers()).toEqual(['queued', 'accepted', 'arrived', 'looked', 'returned']);
    const accepted = centre.request(id.value)!.answers[1]!;
    expect(accepted.drone).toBe(rec.droneId);
    expect(accepted.etaS).toBeGreaterThan(0);
    const audit = day.gateway.audit.rows().filter((r) => r.sortie === id.value);
    expect(audit.length).toBeGreaterThan(0);
    expect(new Set(audit.map((r) => `${r.who} for ${r.from}`))).toEqual(new Set(['patrol-runner for centre:centre']));
    // The other stations were not asked.
    expect(fakes.map((f) => f.requests.length)).toEqual([0, 0]);
    // The dispatch's events reached the centre through the outbox, in order.
    await until('dispatch events at the centre', () => centre.station('sample')!.events.some((e) => e.text.includes(`${id.value}: `) && e.text.includes('back in its dock')));
    expect(centre.station('sample')!.gaps).toBe(0);
  }, 180_000);

  it('a report request is answered with the day\'s report', async () => {
    const r = centre.requestReport('sample', null, 'duty officer 王');
    if (!r.ok) throw new Error(r.reason);
    await until('report', () => centre.station('sample')!.reports.some((x) => x.request === r.value));
    const rep = centre.station('sample')!.reports.find((x) => x.request === r.value)!;
    expect(rep.date).toBe(day.day.schedule.date);
    expect(rep.report).toMatchObject({ station: day.day.fleet.station, sorties_planned: day.day.sorties.length });
    expect((rep.report.dispatches as unknown[]).length).toBe(1);
  });
});
