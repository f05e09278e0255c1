/** Interval arithmetic of the report, and the store round trip (SQLite). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DayInput } from '../../station/patrol/day.js';
import type { DispatchRecord } from '../../station/patrol/dispatch.js';
import { buildReport, reportHtml, subtract, union } from '../../station/patrol/report.js';
import { english, said, saidText } from '../../station/patrol/said.js';
import { newSortie } from '../../station/patrol/sortie.js';
import { openPatrolStore } from '../../station/patrol/store.js';

describe('report intervals', () => {
  it('merges and subtracts', () => {
    expect(union([[5, 8], [0, 3], [2, 4], [8, 9]])).toEqual([[0, 4], [5, 9]]);
    expect(subtract([[0, 10]], [[2, 3], [5, 12]])).toEqual([[0, 2], [3, 5]]);
    expect(subtract([[0, 10]], [])).toEqual([[0, 10]]);
  });
});

describe('patrol coverage in the report', () => {
  // One patrol sortie planned 08:00–08:20 (local) and flown on station all of it; 08:05–08:09 its drone served
  // a "go and look here" request (assigned → patrol resumed). Those minutes are not patrol.
  const t = (h: number, m: number) => Date.UTC(2026, 10, 23, h - 8, m);
  const day = {
    schedule: { station: 'jinhai', date: '2026-11-23', timezone: 'Asia/Shanghai' },
    fleet: { drones: [{ id: 'JH-01', sysid: 11 }] },
    sorties: [{ s: { id: 'P001', kind: 'patrol', targets: [] }, onMs: t(8, 0), offMs: t(8, 20) }],
  } as unknown as DayInput;
  const flown = { ...newSortie({ id: 'P001', kind: 'patrol', post: 'patrol', droneId: 'JH-01', sysid: 11, plan: 'p', launchMs: t(7, 55), onMs: t(8, 0), offMs: t(8, 20), landMs: t(8, 25), needPct: 40 }), state: 'done' as const, launchedAtMs: t(7, 55), onStationAtMs: t(8, 0), offStationAtMs: t(8, 20), landedAtMs: t(8, 25) };
  const dispatch: DispatchRecord = { id: 'D1', request: { latDeg: 24.5, lonDeg: 118.1, radiusM: 0, priority: 5, holdS: 120 }, requestedAtMs: t(8, 5), state: 'resumed', sysid: 11, droneId: 'JH-01', source: 'patrol', sortie: 'P001', arrivedAtMs: t(8, 6), leftAtMs: t(8, 8), reason: null, assignedAtMs: t(8, 5), endedAtMs: t(8, 9) };

  it('does not count the minutes a patrol drone spent on a dispatch, and names the dispatch as the cause', () => {
    const r = buildReport(day, [flown], [], [dispatch], t(9, 0));
    expect(r.patrol_minutes_required).toBe(20);
    expect(r.patrol_minutes_covered).toBe(16);
    expect(r.gaps).toEqual([{ kind: 'patrol', target: 'patrol', from: '2026-11-23T08:05:00+08:00', to: '2026-11-23T08:09:00+08:00', minutes: 4, cause: 'P001 (JH-01) diverted to D1' }]);
  });

  it('counts it all without the dispatch, and a dispatch record saved before the fields existed changes nothing', () => {
    expect(buildReport(day, [flown], [], [], t(9, 0)).patrol_minutes_covered).toBe(20);
    const old = { ...dispatch } as Partial<DispatchRecord>;
    delete old.assignedAtMs;
    delete old.endedAtMs;
    expect(buildReport(day, [flown], [], [old as DispatchRecord], t(9, 0)).patrol_minutes_covered).toBe(20);
  });
});

describe('dispatches in the report', () => {
  const day = { schedule: { station: 'jinhai', date: '2026-11-23', timezone: 'Asia/Shanghai' }, fleet: { drones: [{ id: 'JH-01', sysid: 11 }] }, sorties: [] } as unknown as DayInput;
  const base: DispatchRecord = { id: 'D1', request: { latDeg: 24.5, lonDeg: 118.1, radiusM: 50, priority: 3, holdS: 60 }, requestedAtMs: 0, state: 'done', sysid: 11, droneId: 'JH-01', source: 'dock', sortie: null, arrivedAtMs: 1, leftAtMs: 2, reason: null };
  it('says why a dispatch failed and what did not happen on scene, in the JSON and on the page', () => {
    const noted: DispatchRecord = { ...base, notes: [said('dispatch-no-roi', {}, [saidText('region of interest refused: UNSUPPORTED')])] };
    const failed: DispatchRecord = { ...base, id: 'D2', state: 'failed', cause: said('dispatch-link-lost'), reason: english(said('dispatch-link-lost')) };
    const r = buildReport(day, [], [], [noted, failed, base], 0);
    expect(r.dispatches.map((d) => [d.id, d.reason, d.notes])).toEqual([
      ['D1', null, ['camera not turned to the point: region of interest refused: UNSUPPORTED']],
      ['D2', 'link to the drone lost: the station can no longer direct it; its own failsafe flies it', []],
      ['D1', null, []],
    ]);
    const html = reportHtml(r);
    expect(html).toContain('<th>why</th>');
    expect(html).toContain('<td>camera not turned to the point: region of interest refused: UNSUPPORTED</td>');
    expect(html).toContain('<td>link to the drone lost: the station can no longer direct it; its own failsafe flies it</td>');
  });
});

describe('patrol store', () => {
  it('keeps sorties, events and alerts across reopening', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kongxun-store-'));
    try {
      const a = openPatrolStore(dir);
      if (!a.ok) throw new Error(a.reason);
      const s = newSortie({ id: 'P001', kind: 'patrol', post: 'patrol', droneId: 'JH-01', sysid: 11, plan: 'p', launchMs: 1, onMs: 2, offMs: 3, landMs: 4, needPct: 40 });
      a.value.saveSortie('d', s);
      a.value.saveSortie('d', { ...s, state: 'on_patrol' });
      a.value.alert({ atMs: 6, sortie: 'P001', sysid: 11, level: 'warning', text: 'x', state: '{}' });
      a.value.event({ atMs: 7, sortie: null, sysid: null, kind: 'start', text: 'y' });
      a.value.close();
      const b = openPatrolStore(dir);
      if (!b.ok) throw new Error(b.reason);
      expect(b.value.sorties('d').map((x) => [x.id, x.state])).toEqual([['P001', 'on_patrol']]);
      expect(b.value.alerts()).toHaveLength(1);
      expect(b.value.events()).toHaveLength(1);
      b.value.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
