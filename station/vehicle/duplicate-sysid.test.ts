/**
 * Duplicate-sysid evidence, table-driven over heartbeat sequence scripts: redundant links (same seq on
 * both, with or without loss) never flag; independent counters flag; identity and place flag at once.
 */
import { describe, expect, it } from 'vitest';
import { emptyDuplicateState, onPathHeartbeat, onPathPosition, type DuplicateState } from './duplicate-sysid.js';

type Beat = [path: string, seq: number, atMs: number];
const hb = (s: DuplicateState, [path, seq, atMs]: Beat, type = 2) => onPathHeartbeat(s, path, { seq, autopilot: 3, vehicleType: type }, atMs);

function redundant(seconds: number, lostOnB: (i: number) => boolean): Beat[] {
  const out: Beat[] = [];
  for (let i = 0; i < seconds; i++) {
    const seq = (i * 37) & 0xff;
    out.push(['A', seq, i * 1000]);
    if (!lostOnB(i)) out.push(['B', seq, i * 1000 + 40]);
  }
  return out;
}

describe('duplicate sysid', () => {
  const cases: { name: string; beats: Beat[]; flagged: boolean }[] = [
    { name: 'one vehicle on two links', beats: redundant(60, () => false), flagged: false },
    { name: 'one vehicle, 30 % loss on one link', beats: redundant(60, (i) => i % 10 < 3), flagged: false },
    { name: 'one vehicle on one link', beats: redundant(60, () => true), flagged: false },
    {
      name: 'two vehicles with independent counters',
      beats: Array.from({ length: 30 }, (_, i): Beat[] => [['A', (i * 37) & 0xff, i * 1000], ['B', (i * 11 + 100) & 0xff, i * 1000 + 500]]).flat(),
      flagged: true,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const s = c.beats.reduce((st, b) => hb(st, b), emptyDuplicateState());
      expect(s.flagged !== null).toBe(c.flagged);
    });
  }

  it('flags a different vehicle type at once', () => {
    let s = hb(emptyDuplicateState(), ['A', 1, 0]);
    s = hb(s, ['B', 1, 10], 13);
    expect(s.flagged).toMatch(/different autopilot\/type/);
  });

  it('flags positions far apart, not near ones, not 0/0', () => {
    let s = hb(hb(emptyDuplicateState(), ['A', 1, 0]), ['B', 1, 10]);
    s = onPathPosition(s, 'A', 24.48, 118.09, 100);
    s = onPathPosition(s, 'B', 0, 0, 110);
    s = onPathPosition(s, 'B', 24.4801, 118.09, 120);
    expect(s.flagged).toBeNull();
    s = onPathPosition(s, 'B', 24.49, 118.09, 130);
    expect(s.flagged).toMatch(/m apart/);
  });
});
