/**
 * Area coverage by boustrophedon decomposition.
 *
 * For a sweep angle θ the area (outer ring minus holes, minus grown no-fly zones) is cut by lanes parallel to
 * θ, spaced ≤ swath so that the strips touch: the first and last lanes sit swath/2 inside the extremes. Each
 * lane's slice splits into intervals; intervals that chain one-to-one between neighbouring lanes form a
 * boustrophedon cell (the cells of the decomposition open and close at the events where the slice count
 * changes). Within a cell the lanes are flown back and forth; lane ends are inset by swath/2 because the
 * camera footprint is modelled as a swath × swath square centred under the drone, heading-aligned (a nadir
 * camera): a point is seen when it lies within swath/2 across-track and swath/2 along-track of the path. Lane
 * ends reach out to the widest point of the area within the lane's band, so slanted edges stay covered.
 * Cells are ordered (exact DP over cells × 4 entry variants up to 9 cells, greedy beyond) with transits on the
 * visibility graph, and the angle with the shortest total path wins (every 3° plus each edge direction).
 */
import type { Airspace } from '../geo/airspace.js';
import { grownSlice, type Iv, merge, ringSlice, subtract } from '../geo/intervals.js';
import type { Router } from '../geo/visibility.js';
import { dist, type P, pathLength, rotate } from '../geo/vec.js';

export interface CoverageInput {
  outer: P[];
  holes: P[][];
  swathM: number;
  /** Grown obstacles (no-fly zones) that lanes must stay clear of; area holes are handled here. */
  airspace: Airspace;
  router: Router;
  start?: P;
  end?: P;
  /** Angles to try (radians); default every 3° plus each outer edge's direction. */
  angles?: number[];
}

export interface CoveragePath { angleRad: number; path: P[]; lengthM: number; cells: number }

interface Lane { a: P; b: P }
interface Cell { lanes: Lane[] }

const BAND_SAMPLES = 6;

export function planCoverage(inp: CoverageInput): CoveragePath {
  const angles = inp.angles ?? defaultAngles(inp.outer);
  let best: CoveragePath | undefined;
  for (const ang of angles) {
    const cells = cellsAtAngle(inp, ang).filter((c) => c.lanes.length);
    // prune: the lanes alone already cost more than the best complete path
    if (best && cells.reduce((s, c) => s + c.lanes.reduce((t, l) => t + dist(l.a, l.b), 0), 0) >= best.lengthM) continue;
    const c = coverAtAngle(inp, ang, cells);
    if (c && (!best || c.lengthM < best.lengthM)) best = c;
  }
  if (!best) throw new Error('coverage: no sweep angle gives a flyable path');
  return best;
}

export function defaultAngles(outer: P[]): number[] {
  const out: number[] = [];
  for (let d = 0; d < 180; d += 3) out.push((d * Math.PI) / 180);
  for (let i = 0; i < outer.length; i++) {
    const a = outer[i]!;
    const b = outer[(i + 1) % outer.length]!;
    let t = Math.atan2(b.y - a.y, b.x - a.x);
    if (t < 0) t += Math.PI;
    if (t >= Math.PI) t -= Math.PI;
    out.push(t);
  }
  return out;
}

/** Lanes of the decomposition at one angle, grouped into cells (in the unrotated frame). */
export function cellsAtAngle(inp: CoverageInput, ang: number): Cell[] {
  const s = inp.swathM;
  const rot = (p: P) => rotate(p, -ang);
  const back = (p: P) => rotate(p, ang);
  const outer = inp.outer.map(rot);
  const holes = inp.holes.map((h) => h.map(rot));
  const obst = inp.airspace.obstacles.map((o) => ({ ring: o.ring.map(rot), r: o.marginM }));
  const ys = outer.map((p) => p.y);
  const y0 = Math.min(...ys);
  const y1 = Math.max(...ys);
  const H = y1 - y0;
  const n = H <= s ? 1 : Math.ceil((H - s) / s - 1e-9) + 1;
  const d = n === 1 ? 0 : (H - s) / (n - 1);
  const laneY = (i: number) => (n === 1 ? (y0 + y1) / 2 : y0 + s / 2 + i * d);
  const blocked = (y: number): Iv[] => merge([...holes.flatMap((h) => ringSlice(h, y)), ...obst.flatMap((o) => grownSlice(o.ring, o.r, y))]);
  const cover = (y: number): Iv[] => subtract(ringSlice(outer, y), blocked(y));
  const flight = (y: number): Iv[] => subtract([[-1e12, 1e12]], blocked(y));

  const rows: { y: number; ivs: Iv[] }[] = [];
  for (let i = 0; i < n; i++) {
    const y = laneY(i);
    const half = n === 1 ? H / 2 : Math.max(d, s) / 2;
    const bandYs: number[] = [];
    for (let k = 0; k <= BAND_SAMPLES; k++) bandYs.push(y - half + (2 * half * k) / BAND_SAMPLES);
    for (const p of outer) if (Math.abs(p.y - y) < half) bandYs.push(p.y, p.y - 1e-6, p.y + 1e-6);
    const band = bandYs.flatMap((yy) => cover(yy));
    const fl = flight(y);
    const ivs: Iv[] = [];
    for (const c of cover(y)) {
      let e1 = c[0];
      let e2 = c[1];
      for (const j of band) if (j[1] >= c[0] - s && j[0] <= c[1] + s) {
        e1 = Math.min(e1, j[0]);
        e2 = Math.max(e2, j[1]);
      }
      const f = fl.find((q) => q[0] <= c[0] + 1e-6 && q[1] >= c[1] - 1e-6) ?? c;
      let a = Math.max(e1 + s / 2, f[0] + 1);
      let b = Math.min(e2 - s / 2, f[1] - 1);
      if (a > b) a = b = Math.max(f[0] + 1, Math.min(f[1] - 1, (c[0] + c[1]) / 2));
      ivs.push([a, b]);
    }
    rows.push({ y, ivs: merge(ivs) });
  }
  // repair: where a lane is cut (by a hole's tip, say) but the band beside the cut is open, the regular lanes
  // leave a sliver unseen; probe every swath/8 and at every vertex, and add a short lane where anything is missed
  const lanesNear = (y: number): Iv[] => merge(rows.filter((r) => Math.abs(r.y - y) <= s / 2 + 1e-6).flatMap((r) => r.ivs.map(([a, b]): Iv => [a - s / 2, b + s / 2])));
  const probes: number[] = [];
  for (let y = y0 + 1e-3; y < y1; y += s / 8) probes.push(y);
  for (const ring of [outer, ...holes, ...obst.map((o) => o.ring)]) for (const p of ring) if (p.y > y0 && p.y < y1) probes.push(p.y - 1e-3, p.y + 1e-3);
  probes.sort((a, b) => a - b);
  for (const y of probes) {
    const miss = subtract(cover(y), lanesNear(y)).filter(([a, b]) => b - a > 0.5);
    if (!miss.length) continue;
    const fl = flight(y);
    const ivs = miss.map(([p0, p1]): Iv => {
      const f = fl.find((q) => q[0] <= p0 + 1e-6 && q[1] >= p1 - 1e-6) ?? [p0, p1];
      let a = Math.max(p0 + s / 2, f[0] + 1);
      let b = Math.min(p1 - s / 2, f[1] - 1);
      if (a > b) a = b = Math.max(f[0] + 1, Math.min(f[1] - 1, (p0 + p1) / 2));
      return [a, b];
    });
    rows.push({ y, ivs: merge(ivs) });
    rows.sort((a, b) => a.y - b.y);
  }
  // chain intervals one-to-one between neighbouring lanes into cells
  const cells: Cell[] = [];
  let open: { iv: Iv; cell: Cell }[] = [];
  for (const row of rows) {
    const next: { iv: Iv; cell: Cell }[] = [];
    for (const iv of row.ivs) {
      const preds = open.filter((o) => o.iv[0] <= iv[1] && o.iv[1] >= iv[0]);
      const pred = preds.length === 1 ? preds[0]! : undefined;
      const succOfPred = pred ? row.ivs.filter((q) => pred.iv[0] <= q[1] && pred.iv[1] >= q[0]).length : 0;
      let cell: Cell;
      if (pred && succOfPred === 1) cell = pred.cell;
      else {
        cell = { lanes: [] };
        cells.push(cell);
      }
      cell.lanes.push({ a: back({ x: iv[0], y: row.y }), b: back({ x: iv[1], y: row.y }) });
      next.push({ iv, cell });
    }
    open = next;
  }
  return cells;
}

interface Variant { path: P[]; cost: number; entry: P; exit: P }

function cellVariants(cell: Cell, inp: CoverageInput): Variant[] {
  const out: Variant[] = [];
  for (const reverse of [false, true]) {
    for (const flip of [false, true]) {
      const lanes = reverse ? [...cell.lanes].reverse() : cell.lanes;
      const path: P[] = [];
      lanes.forEach((l, k) => {
        const lr = (k % 2 === 1) !== flip;
        const [u, v] = lr ? [l.b, l.a] : [l.a, l.b];
        const last = path[path.length - 1];
        if (last) path.push(...link(last, u, inp).slice(1));
        else path.push(u);
        if (dist(u, v) > 1e-6) path.push(v);
      });
      out.push({ path, cost: pathLength(path), entry: path[0]!, exit: path[path.length - 1]! });
    }
  }
  return out;
}

function link(a: P, b: P, inp: CoverageInput): P[] {
  if (inp.airspace.segmentClear(a, b)) return [a, b];
  return inp.router.path(a, b) ?? [a, b];
}

function coverAtAngle(inp: CoverageInput, ang: number, cells: Cell[]): CoveragePath | undefined {
  if (!cells.length) return undefined;
  const vars = cells.map((c) => cellVariants(c, inp));
  // cell order on straight-line transits (cheap); the chosen order is then flown on real, obstacle-free links
  const tr = (a: P, b: P) => dist(a, b);
  const order = orderCells(vars, tr, inp.start, inp.end);
  const path: P[] = [];
  if (inp.start) path.push(inp.start);
  for (const [ci, vi] of order) {
    const v = vars[ci]![vi]!;
    const last = path[path.length - 1];
    if (last) path.push(...link(last, v.entry, inp).slice(1), ...v.path.slice(1));
    else path.push(...v.path);
  }
  if (inp.end) path.push(...link(path[path.length - 1]!, inp.end, inp).slice(1));
  const clean = path.filter((p, i) => i === 0 || dist(p, path[i - 1]!) > 1e-6);
  return { angleRad: ang, path: clean, lengthM: pathLength(clean), cells: cells.length };
}

/** Order of (cell, variant): exact DP over subsets for ≤ 9 cells, else greedy nearest entry. */
function orderCells(vars: Variant[][], tr: (a: P, b: P) => number, start?: P, end?: P): [number, number][] {
  const n = vars.length;
  if (n === 1) {
    let bi = 0;
    let bc = Infinity;
    vars[0]!.forEach((v, i) => {
      const c = v.cost + (start ? tr(start, v.entry) : 0) + (end ? tr(v.exit, end) : 0);
      if (c < bc) [bc, bi] = [c, i];
    });
    return [[0, bi]];
  }
  if (n <= 9) {
    const V = 4;
    const NV = n * V;
    const tm = new Float64Array(NV * NV);
    for (let a = 0; a < NV; a++) for (let b = 0; b < NV; b++) tm[a * NV + b] = tr(vars[Math.floor(a / V)]![a % V]!.exit, vars[Math.floor(b / V)]![b % V]!.entry);
    const t = (ci: number, vi: number, cj: number, vj: number) => tm[(ci * V + vi) * NV + cj * V + vj]!;
    const full = (1 << n) - 1;
    const dp = new Float64Array((1 << n) * n * V).fill(Infinity);
    const par = new Int32Array((1 << n) * n * V).fill(-1);
    const idx = (m: number, c: number, v: number) => (m * n + c) * V + v;
    for (let c = 0; c < n; c++) for (let v = 0; v < V; v++) dp[idx(1 << c, c, v)] = vars[c]![v]!.cost + (start ? tr(start, vars[c]![v]!.entry) : 0);
    for (let m = 1; m <= full; m++) {
      for (let c = 0; c < n; c++) {
        if (!(m & (1 << c))) continue;
        for (let v = 0; v < V; v++) {
          const cur = dp[idx(m, c, v)]!;
          if (!Number.isFinite(cur)) continue;
          for (let c2 = 0; c2 < n; c2++) {
            if (m & (1 << c2)) continue;
            for (let v2 = 0; v2 < V; v2++) {
              const nv = cur + t(c, v, c2, v2) + vars[c2]![v2]!.cost;
              const k = idx(m | (1 << c2), c2, v2);
              if (nv < dp[k]!) {
                dp[k] = nv;
                par[k] = (c * V + v);
              }
            }
          }
        }
      }
    }
    let best = Infinity;
    let bc = 0;
    let bv = 0;
    for (let c = 0; c < n; c++) for (let v = 0; v < V; v++) {
      const val = dp[idx(full, c, v)]! + (end ? tr(vars[c]![v]!.exit, end) : 0);
      if (val < best) [best, bc, bv] = [val, c, v];
    }
    const order: [number, number][] = [];
    let m = full;
    let c = bc;
    let v = bv;
    for (;;) {
      order.push([c, v]);
      const p = par[idx(m, c, v)]!;
      if (p < 0) break;
      m &= ~(1 << c);
      c = Math.floor(p / V);
      v = p % V;
    }
    return order.reverse();
  }
  const left = new Set(vars.map((_, i) => i));
  const order: [number, number][] = [];
  let at = start ?? vars[0]![0]!.entry;
  while (left.size) {
    let best: [number, number, number] = [-1, 0, Infinity];
    for (const c of left) vars[c]!.forEach((v, vi) => {
      const d = dist(at, v.entry);
      if (d < best[2]) best = [c, vi, d];
    });
    order.push([best[0], best[1]]);
    left.delete(best[0]);
    at = vars[best[0]]![best[1]]!.exit;
  }
  return order;
}
