import { describe, expect, it } from 'vitest';
import type { VehicleView } from '../../common/api/contract.js';
import { dockStacks, stackLabel } from './dock-stack.js';

const v = (id: string, sysid: number, latDeg: number | null, lonDeg: number | null, armed = false) => ({ id, sysid, latDeg, lonDeg, armed }) as VehicleView;
// 1e-4° of latitude ≈ 11 m.
const DOCK = [24.59, 118.265] as const;

describe('dock stacks', () => {
  it('groups disarmed drones standing together; an armed one, a lone one, an unplaced one stay apart', () => {
    const s = dockStacks([
      v('JH-03', 3, DOCK[0], DOCK[1]),
      v('JH-01', 1, DOCK[0] + 0.00005, DOCK[1]),
      v('JH-02', 2, DOCK[0], DOCK[1] + 0.0001), // ≈ 10 m east
      v('JH-04', 4, DOCK[0], DOCK[1], true), // armed on the pad: drawn on its own
      v('JH-05', 5, DOCK[0] + 0.01, DOCK[1]), // another place, alone
      v('JH-06', 6, null, null),
      v('JH-07', 7, 0, 0),
    ]);
    expect(s.map((x) => x.members.map((m) => m.id))).toEqual([['JH-01', 'JH-02', 'JH-03']]);
    expect(s[0]!.key).toBe('1,2,3');
    expect(s[0]!.latDeg).toBeCloseTo(DOCK[0] + 0.00005 / 3, 8);
  });

  it('chains neighbours and keeps two docks apart', () => {
    const s = dockStacks([
      v('A', 1, DOCK[0], DOCK[1]), v('B', 2, DOCK[0] + 0.0002, DOCK[1]), v('C', 3, DOCK[0] + 0.0004, DOCK[1]), // 22 m steps
      v('D', 4, DOCK[0] + 0.02, DOCK[1]), v('E', 5, DOCK[0] + 0.02, DOCK[1]),
    ]);
    expect(s.map((x) => x.key)).toEqual(['1,2,3', '4,5']);
    expect(dockStacks([v('A', 1, DOCK[0], DOCK[1]), v('B', 2, DOCK[0] + 0.0003, DOCK[1])])).toEqual([]);
  });

  it('labels up to three names, then the rest counted', () => {
    const ms = ['JH-01', 'JH-02', 'JH-03', 'JH-04', 'JH-05'].map((id, i) => v(id, i + 1, 1, 1));
    expect(stackLabel(ms.slice(0, 2))).toBe('JH-01 · JH-02');
    expect(stackLabel(ms)).toBe('JH-01 · JH-02 · JH-03 +2');
  });
});
