import { describe, expect, it } from 'vitest';
import { Airspace } from './airspace.js';
import { Router } from './visibility.js';
import { lengthInside, pathLength } from './vec.js';

const square = (x: number, y: number, s: number) => [{ x, y }, { x: x + s, y }, { x: x + s, y: y + s }, { x, y: y + s }];

describe('airspace and visibility routing', () => {
  it('routes around a grown no-fly zone and never crosses it', () => {
    const sp = new Airspace([{ id: 'z', ring: square(-100, -100, 200), marginM: 30 }], square(-1000, -1000, 2000), 50);
    const r = new Router(sp);
    const a = { x: -500, y: 0 };
    const b = { x: 500, y: 0 };
    expect(sp.segmentClear(a, b)).toBe(false);
    const p = r.path(a, b)!;
    expect(p.length).toBeGreaterThan(2);
    for (let i = 1; i < p.length; i++) expect(sp.segmentClear(p[i - 1]!, p[i]!)).toBe(true);
    // the detour is short: around the 200 m square plus 30 m margin
    expect(pathLength(p)).toBeLessThan(1000 + 120);
    expect(lengthInside(a, b, square(-100, -100, 200))).toBeCloseTo(200, 6);
  });

  it('keeps inside a concave boundary (plus its margin)', () => {
    const L = [{ x: 0, y: 0 }, { x: 1000, y: 0 }, { x: 1000, y: 400 }, { x: 400, y: 400 }, { x: 400, y: 1000 }, { x: 0, y: 1000 }];
    const sp = new Airspace([], L, 20);
    const r = new Router(sp);
    const p = r.path({ x: 900, y: 200 }, { x: 200, y: 900 })!;
    expect(p.length).toBe(3); // bends at the reflex corner
    for (let i = 1; i < p.length; i++) expect(sp.segmentClear(p[i - 1]!, p[i]!)).toBe(true);
  });

  it('says when there is no way through', () => {
    const wall = [{ x: -10, y: -2000 }, { x: 10, y: -2000 }, { x: 10, y: 2000 }, { x: -10, y: 2000 }];
    const sp = new Airspace([{ id: 'w', ring: wall, marginM: 30 }], square(-1000, -1000, 2000), 0);
    expect(new Router(sp).path({ x: -500, y: 0 }, { x: 500, y: 0 })).toBeUndefined();
  });
});
