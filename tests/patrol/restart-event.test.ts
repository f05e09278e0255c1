/**
 * A crash is not the end: the station restarted mid-day records the restart. After a crash (the store closed
 * first, so the dying station writes nothing more — as kill -9 or a power cut leave it) the new run finds the
 * previous one never stopped: a 'restart' event and a warning alert with how long it was down, which the daily
 * report lists among its faults. After a clean stop: a 'restart' event and a notice. The runner carries on with
 * the sorties it read back (the drone in the air is watched again, not launched again).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { buildReport } from '../../station/patrol/report.js';
import { sampleSimDay, type SampleDay } from './testkit.js';

let made: SampleDay | undefined;
afterAll(async () => made?.close());

describe('restart of the station', () => {
  it('records a crash restart as an event and a warning in the report, a clean one as an event and a notice', async () => {
    made = await sampleSimDay();
    const d = made.day;
    const p1 = d.day.sorties.find((s) => s.s.id === 'P001')!;
    await d.runUntil(p1.onMs + 60_000);
    expect(d.runner.list().find((s) => s.id === 'P001')!.state).toBe('on_patrol');
    const crashAt = d.clock.now();
    const crashed = await d.restart({ crash: true });
    expect(crashed.ok).toBe(true);
    const afterCrash = d.store.events().filter((e) => e.kind === 'restart');
    expect(afterCrash).toHaveLength(1);
    expect(afterCrash[0]!.text).toMatch(/^station restarted after an unclean stop \(crash, kill or power cut\): last alive \d\d:\d\d:\d\dZ, down about \d+ s$/);
    // The alive mark is at most 30 s old at the crash.
    expect(Number(/down about (\d+) s/.exec(afterCrash[0]!.text)![1])).toBeLessThanOrEqual(30);
    expect(d.store.alerts().filter((a) => a.atMs >= crashAt).map((a) => [a.level, a.text])).toContainEqual(['warning', afterCrash[0]!.text]);
    // The drone in the air is watched again, not launched again.
    expect(d.runner.list().find((s) => s.id === 'P001')!.state).toBe('on_patrol');
    await d.runUntil(d.clock.now() + 2 * 60_000);
    const clean = await d.restart();
    expect(clean.ok).toBe(true);
    const restarts = d.store.events().filter((e) => e.kind === 'restart');
    expect(restarts).toHaveLength(2);
    expect(restarts[1]!.text).toMatch(/^station restarted: stopped \d\d:\d\d:\d\dZ, down 0 s$/);
    const report = buildReport(d.day, d.runner.list(), d.store.alerts(), d.runner.dispatches(), d.clock.now());
    const inReport = report.faults.filter((f) => /^station restarted/.test(f.text));
    expect(inReport.map((f) => f.level)).toEqual(['warning', 'notice']);
    // P001 got MISSION_START once, before the restarts, and never again.
    expect(d.gateway.audit.rows().filter((r) => r.phase === 'result' && r.sortie === 'P001' && r.action === 'MISSION_START' && r.verdict === 'accepted')).toHaveLength(1);
  }, 180_000);
});
