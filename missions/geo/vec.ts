/** Plane vectors and the segment/polygon predicates the planners share (metres in the local frame). */
export interface P { x: number; y: number }

export const dist = (a: P, b: P): number => Math.hypot(a.x - b.x, a.y - b.y);
export const cross = (o: P, a: P, b: P): number => (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x);

export function pathLength(ps: P[]): number {
  let s = 0;
  for (let i = 1; i < ps.length; i++) s += dist(ps[i - 1]!, ps[i]!);
  return s;
}

/** Signed area (positive when counter-clockwise). */
export function signedArea(ring: P[]): number {
  let s = 0;
  for (let i = 0; i < ring.length; i++) {
    const a = ring[i]!;
    const b = ring[(i + 1) % ring.length]!;
    s += a.x * b.y - b.x * a.y;
  }
  return s / 2;
}

export const ccw = (ring: P[]): P[] => (signedArea(ring) < 0 ? [...ring].reverse() : ring);

export function pointInRing(p: P, ring: P[]): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const a = ring[i]!;
    const b = ring[j]!;
    if (a.y > p.y !== b.y > p.y && p.x < ((b.x - a.x) * (p.y - a.y)) / (b.y - a.y) + a.x) inside = !inside;
  }
  return inside;
}

export function pointSegDist(p: P, a: P, b: P): number {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const l2 = dx * dx + dy * dy;
  const t = l2 === 0 ? 0 : Math.max(0, Math.min(1, ((p.x - a.x) * dx + (p.y - a.y) * dy) / l2));
  return Math.hypot(p.x - (a.x + t * dx), p.y - (a.y + t * dy));
}

/** Parameter t on a→b where it properly crosses c→d, else undefined. */
export function segCross(a: P, b: P, c: P, d: P): number | undefined {
  const r = { x: b.x - a.x, y: b.y - a.y };
  const s = { x: d.x - c.x, y: d.y - c.y };
  const den = r.x * s.y - r.y * s.x;
  if (Math.abs(den) < 1e-12) return undefined;
  const t = ((c.x - a.x) * s.y - (c.y - a.y) * s.x) / den;
  const u = ((c.x - a.x) * r.y - (c.y - a.y) * r.x) / den;
  return t >= 0 && t <= 1 && u >= 0 && u <= 1 ? t : undefined;
}

export function segSegDist(a: P, b: P, c: P, d: P): number {
  if (segCross(a, b, c, d) !== undefined) return 0;
  return Math.min(pointSegDist(a, c, d), pointSegDist(b, c, d), pointSegDist(c, a, b), pointSegDist(d, a, b));
}

/** Distance from a segment to a polygon ring as an area: 0 when the segment touches or enters it. */
export function segRingDist(a: P, b: P, ring: P[]): number {
  if (pointInRing(a, ring) || pointInRing(b, ring)) return 0;
  let m = Infinity;
  for (let i = 0; i < ring.length; i++) {
    m = Math.min(m, segSegDist(a, b, ring[i]!, ring[(i + 1) % ring.length]!));
    if (m === 0) return 0;
  }
  return m;
}

/** Length of the part of a→b inside the ring. */
export function lengthInside(a: P, b: P, ring: P[]): number {
  const ts = [0, 1];
  for (let i = 0; i < ring.length; i++) {
    const t = segCross(a, b, ring[i]!, ring[(i + 1) % ring.length]!);
    if (t !== undefined) ts.push(t);
  }
  ts.sort((u, v) => u - v);
  const L = dist(a, b);
  let s = 0;
  for (let i = 1; i < ts.length; i++) {
    const t = (ts[i - 1]! + ts[i]!) / 2;
    if (pointInRing({ x: a.x + (b.x - a.x) * t, y: a.y + (b.y - a.y) * t }, ring)) s += (ts[i]! - ts[i - 1]!) * L;
  }
  return s;
}

export const rotate = (p: P, ang: number): P => {
  const c = Math.cos(ang);
  const s = Math.sin(ang);
  return { x: p.x * c - p.y * s, y: p.x * s + p.y * c };
};
