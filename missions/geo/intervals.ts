/**
 * One-dimensional slices of polygons along a horizontal line y: the x-intervals inside a ring, inside a
 * disc-grown ring (ring ∪ all points within r of it), and the interval algebra (merge, subtract) on them.
 */
import type { P } from './vec.js';

export type Iv = [number, number];

export function ringSlice(ring: P[], y: number): Iv[] {
  const xs: number[] = [];
  for (let i = 0; i < ring.length; i++) {
    const a = ring[i]!;
    const b = ring[(i + 1) % ring.length]!;
    if ((a.y <= y && b.y > y) || (b.y <= y && a.y > y)) xs.push(a.x + ((y - a.y) / (b.y - a.y)) * (b.x - a.x));
  }
  xs.sort((u, v) => u - v);
  const out: Iv[] = [];
  for (let i = 0; i + 1 < xs.length; i += 2) out.push([xs[i]!, xs[i + 1]!]);
  return out;
}

/** x-range of the capsule of radius r around segment p–q on the line y, if it meets it. */
function capsuleSlice(p: P, q: P, r: number, y: number): Iv | undefined {
  let lo = Infinity;
  let hi = -Infinity;
  for (const c of [p, q]) {
    const h = r * r - (y - c.y) ** 2;
    if (h >= 0) {
      const w = Math.sqrt(h);
      lo = Math.min(lo, c.x - w);
      hi = Math.max(hi, c.x + w);
    }
  }
  const dx = q.x - p.x;
  const dy = q.y - p.y;
  const len = Math.hypot(dx, dy);
  if (len > 0) {
    let a = -Infinity;
    let b = Infinity;
    if (dy !== 0) {
      const u = p.x + (dx * (y - p.y) - r * len) / dy;
      const v = p.x + (dx * (y - p.y) + r * len) / dy;
      a = Math.min(u, v);
      b = Math.max(u, v);
    } else if (Math.abs(y - p.y) > r) a = Infinity;
    if (dx !== 0) {
      const u = p.x - ((y - p.y) * dy) / dx;
      const v = p.x + (len * len - (y - p.y) * dy) / dx;
      a = Math.max(a, Math.min(u, v));
      b = Math.min(b, Math.max(u, v));
    } else {
      const t0 = Math.min(p.y, q.y);
      const t1 = Math.max(p.y, q.y);
      if (y < t0 || y > t1) a = Infinity;
    }
    if (a <= b) {
      lo = Math.min(lo, a);
      hi = Math.max(hi, b);
    }
  }
  return lo <= hi ? [lo, hi] : undefined;
}

export function grownSlice(ring: P[], r: number, y: number): Iv[] {
  const parts = ringSlice(ring, y);
  if (r > 0) {
    for (let i = 0; i < ring.length; i++) {
      const iv = capsuleSlice(ring[i]!, ring[(i + 1) % ring.length]!, r, y);
      if (iv) parts.push(iv);
    }
  }
  return merge(parts);
}

export function merge(ivs: Iv[]): Iv[] {
  const s = [...ivs].sort((a, b) => a[0] - b[0]);
  const out: Iv[] = [];
  for (const iv of s) {
    const last = out[out.length - 1];
    if (last && iv[0] <= last[1]) last[1] = Math.max(last[1], iv[1]);
    else out.push([iv[0], iv[1]]);
  }
  return out;
}

export function subtract(ivs: Iv[], cuts: Iv[]): Iv[] {
  let cur = ivs.map((i): Iv => [i[0], i[1]]);
  for (const c of merge(cuts)) {
    const next: Iv[] = [];
    for (const i of cur) {
      if (c[1] <= i[0] || c[0] >= i[1]) next.push(i);
      else {
        if (c[0] > i[0]) next.push([i[0], c[0]]);
        if (c[1] < i[1]) next.push([c[1], i[1]]);
      }
    }
    cur = next;
  }
  return cur;
}
