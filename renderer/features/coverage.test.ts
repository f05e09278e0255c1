import { describe, expect, it } from 'vitest';
import type { PlanMessage } from '../../station/api/contract.js';
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

describe('coverage freshness', () => {
  it('times a route along its length and cuts it at now', () => {
    const [t] = flownTracks(plan, Date.parse(at('08:10')));
    expect(t!.points).toHaveLength(2);
    expect(t!.points[1]!.at[0]).toBeCloseTo(118.26, 6);
    expect(flownTracks(plan, Date.parse(at('07:59')))).toEqual([]);
  });
  it('marks the cells under the flown part fresh and leaves the rest never seen', () => {
    const half = coverage(geo, plan, [], Date.parse(at('08:10')))!;
    const full = coverage(geo, plan, [], Date.parse(at('08:30')))!;
    expect(half.counts.fresh).toBeGreaterThan(0);
    expect(full.counts.fresh).toBeGreaterThan(half.counts.fresh * 1.6);
    expect(full.counts.never).toBeGreaterThan(full.counts.fresh);
    const later = coverage(geo, plan, [], Date.parse(at('08:30')) + 30 * 3.6e6)!;
    expect(later.counts.orange).toBe(full.counts.fresh);
  });
});
