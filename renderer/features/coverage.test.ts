import { describe, expect, it } from 'vitest';
import type { ActualMessage, PlanMessage, SortieRecordView } from '../../common/api/contract.js';
import { coverage, flownTracks } from './coverage.js';

const geo = {
  type: 'FeatureCollection',
  features: [{ type: 'Feature', properties: { kind: 'boundary' }, geometry: { type: 'Polygon', coordinates: [[[118.25, 24.58], [118.27, 24.58], [118.27, 24.6], [118.25, 24.6], [118.25, 24.58]]] } }],
};
const at = (hhmm: string) => `2026-11-24T${hhmm}:00+08:00`;
const plan: PlanMessage = {
  type: 'plan',
  schedule: {
    station: 'x', date: '2026-11-24', timezone: 'Asia/Shanghai', fleet_lower_bound: 1, gaps: [],
    sorties: [{ id: 'P1', kind: 'patrol', drone: 'A', dock: 'd', launch: at('08:00'), on_station: at('08:00'), off_station: at('08:20'), land: at('08:21'), plan: '', targets: [] }],
  },
  routes: [{ id: 'P1', coords: [[118.252, 24.59], [118.268, 24.59]] }],
};

const T = (hhmm: string) => Date.parse(at(hhmm));
/** P1 as the runner recorded it: on station 08:00, off at 08:20 (or still there when `off` is null). */
const record = (on: string | null, off: string | null): SortieRecordView => ({
  id: 'P1', kind: 'patrol', drone: 'A', sysid: 1, state: off ? 'done' : 'on_patrol', outcome: off ? 'flown' : 'flying', reason: null, replaces: null,
  planned: { launchMs: T('08:00'), onMs: T('08:00'), offMs: T('08:20'), landMs: T('08:21') },
  launchedAtMs: on ? T(on) - 60_000 : null, onStationAtMs: on ? T(on) : null, offStationAtMs: off ? T(off) : null, landedAtMs: off ? T(off) + 60_000 : null,
});
const flew: ActualMessage = { type: 'actual', runner: true, sorties: [record('08:00', '08:20')], flights: [] };
const flying: ActualMessage = { type: 'actual', runner: true, sorties: [record('08:00', null)], flights: [] };

describe('coverage freshness', () => {
  it('times a flown route along its length and cuts it at now', () => {
    const [t] = flownTracks(plan, flying, T('08:10'));
    expect(t!.points).toHaveLength(2);
    expect(t!.points[1]!.at[0]).toBeCloseTo(118.26, 6);
    expect(flownTracks(plan, flying, T('07:59'))).toEqual([]);
  });
  it('covers nothing that was only planned: no runner, or a sortie that never reached its post', () => {
    expect(flownTracks(plan, null, T('08:30'))).toEqual([]);
    expect(flownTracks(plan, { type: 'actual', runner: false, sorties: [], flights: [] }, T('08:30'))).toEqual([]);
    expect(flownTracks(plan, { type: 'actual', runner: true, sorties: [record(null, null)], flights: [] }, T('08:30'))).toEqual([]);
    expect(coverage(geo, plan, null, [], T('08:30'))!.counts.fresh).toBe(0);
  });
  it('marks the cells under the flown part fresh and leaves the rest never seen', () => {
    const half = coverage(geo, plan, flying, [], T('08:10'))!;
    const full = coverage(geo, plan, flew, [], T('08:30'))!;
    expect(half.counts.fresh).toBeGreaterThan(0);
    expect(full.counts.fresh).toBeGreaterThan(half.counts.fresh * 1.6);
    expect(full.counts.never).toBeGreaterThan(full.counts.fresh);
    const later = coverage(geo, plan, flew, [], T('08:30') + 30 * 3.6e6)!;
    expect(later.counts.orange).toBe(full.counts.fresh);
  });
});
