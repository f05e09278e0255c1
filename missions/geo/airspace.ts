/**
 * Where a drone may fly in the local frame: inside the boundary (or within `boundaryMarginM` outside it) and
 * never within `marginM` of an obstacle (no-fly zones, holes of patrol areas). Obstacles are never offset
 * geometrically; the clearance tests measure exact segment–polygon distances, so a grown zone is the true
 * Minkowski sum of the polygon and a disc of the margin, concave or not. Visibility-graph nodes are placed
 * just outside that grown zone at each convex corner (three points on the corner's arc).
 */
import { ccw, cross, dist, type P, pointInRing, pointSegDist, segCross, segRingDist } from './vec.js';

export interface Obstacle { id: string; ring: P[]; marginM: number }
interface Box { x0: number; y0: number; x1: number; y1: number }

const NODE_SLACK = 1.03;

export class Airspace {
  readonly obstacles: Obstacle[];
  readonly boundary: P[] | undefined;
  private readonly boxes: Box[];

  constructor(obstacles: Obstacle[], boundary?: P[], readonly boundaryMarginM = 50) {
    this.obstacles = obstacles.filter((o) => o.ring.length >= 3).map((o) => ({ ...o, ring: ccw(o.ring) }));
    this.boundary = boundary && boundary.length >= 3 ? ccw(boundary) : undefined;
    this.boxes = this.obstacles.map((o) => {
      const xs = o.ring.map((p) => p.x);
      const ys = o.ring.map((p) => p.y);
      const m = o.marginM + 1;
      return { x0: Math.min(...xs) - m, y0: Math.min(...ys) - m, x1: Math.max(...xs) + m, y1: Math.max(...ys) + m };
    });
  }

  /** The obstacle whose grown zone contains p, if any. */
  blockerAt(p: P): Obstacle | undefined {
    return this.obstacles.find((o) => pointInRing(p, o.ring) || ringDist(p, o.ring) < o.marginM - 1e-6);
  }

  insideBoundary(p: P): boolean {
    const b = this.boundary;
    return !b || pointInRing(p, b) || ringDist(p, b) <= this.boundaryMarginM;
  }

  pointClear(p: P): boolean {
    return this.insideBoundary(p) && !this.blockerAt(p);
  }

  segmentClear(a: P, b: P): boolean {
    for (let i = 0; i < this.obstacles.length; i++) {
      const o = this.obstacles[i]!;
      const bx = this.boxes[i]!;
      if (Math.max(a.x, b.x) < bx.x0 || Math.min(a.x, b.x) > bx.x1 || Math.max(a.y, b.y) < bx.y0 || Math.min(a.y, b.y) > bx.y1) continue;
      const d = segRingDist(a, b, o.ring);
      if (d <= 0 || d < o.marginM - 1e-6) return false;
    }
    return this.segmentInBoundary(a, b);
  }

  private segmentInBoundary(a: P, b: P): boolean {
    const ring = this.boundary;
    if (!ring) return true;
    const ts = [0, 1];
    for (let i = 0; i < ring.length; i++) {
      const t = segCross(a, b, ring[i]!, ring[(i + 1) % ring.length]!);
      if (t !== undefined) ts.push(t);
    }
    ts.sort((u, v) => u - v);
    for (let i = 1; i < ts.length; i++) {
      const t0 = ts[i - 1]!;
      const t1 = ts[i]!;
      const at = (t: number): P => ({ x: a.x + (b.x - a.x) * t, y: a.y + (b.y - a.y) * t });
      if (pointInRing(at((t0 + t1) / 2), ring)) continue;
      // an outside piece: sample it against the margin band
      const n = Math.max(2, Math.ceil((dist(a, b) * (t1 - t0)) / 5));
      for (let k = 0; k <= n; k++) if (ringDist(at(t0 + ((t1 - t0) * k) / n), ring) > this.boundaryMarginM) return false;
    }
    return true;
  }

  /** Candidate corners for shortest paths: just outside each grown convex corner, and the boundary's reflex corners. */
  nodes(): P[] {
    const out: P[] = [];
    for (const o of this.obstacles) {
      const r = o.ring;
      for (let i = 0; i < r.length; i++) {
        const a = r[(i + r.length - 1) % r.length]!;
        const v = r[i]!;
        const c = r[(i + 1) % r.length]!;
        if (cross(a, v, c) <= 0) continue; // reflex corner of the obstacle: paths never bend there
        const n1 = outward(a, v);
        const n2 = outward(v, c);
        const phi = Math.acos(Math.max(-1, Math.min(1, n1.x * n2.x + n1.y * n2.y)));
        const R = Math.max(o.marginM, 0.5) * NODE_SLACK / Math.cos(phi / 4);
        const bis = norm({ x: n1.x + n2.x, y: n1.y + n2.y });
        for (const n of [n1, bis, n2]) out.push({ x: v.x + n.x * R, y: v.y + n.y * R });
      }
    }
    const b = this.boundary;
    if (b) {
      for (let i = 0; i < b.length; i++) {
        const a = b[(i + b.length - 1) % b.length]!;
        const v = b[i]!;
        const c = b[(i + 1) % b.length]!;
        if (cross(a, v, c) < 0) out.push(v);
      }
    }
    return out.filter((p) => this.pointClear(p));
  }
}

function norm(p: P): P {
  const l = Math.hypot(p.x, p.y) || 1;
  return { x: p.x / l, y: p.y / l };
}

/** Outward normal of edge a→b of a counter-clockwise ring. */
function outward(a: P, b: P): P {
  return norm({ x: b.y - a.y, y: -(b.x - a.x) });
}

export function ringDist(p: P, ring: P[]): number {
  let m = Infinity;
  for (let i = 0; i < ring.length; i++) m = Math.min(m, pointSegDist(p, ring[i]!, ring[(i + 1) % ring.length]!));
  return m;
}
