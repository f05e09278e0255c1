/**
 * Shortest obstacle-avoiding paths: a visibility graph over the airspace's corner nodes, searched with
 * Dijkstra (binary heap). Node–node visibility is computed once; each query adds its two end points.
 * Results are memoised per end-point pair.
 */
import type { Airspace } from './airspace.js';
import { dist, type P } from './vec.js';

export class Router {
  private readonly nodes: P[];
  private readonly adj: { to: number; w: number }[][];
  private readonly cache = new Map<string, P[] | null>();

  constructor(readonly airspace: Airspace) {
    this.nodes = airspace.nodes();
    const n = this.nodes.length;
    this.adj = Array.from({ length: n }, () => []);
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        const a = this.nodes[i]!;
        const b = this.nodes[j]!;
        if (airspace.segmentClear(a, b)) {
          const w = dist(a, b);
          this.adj[i]!.push({ to: j, w });
          this.adj[j]!.push({ to: i, w });
        }
      }
    }
  }

  /** Path from a to b (both included) that keeps clear of every obstacle, or undefined when none exists. */
  path(a: P, b: P): P[] | undefined {
    const key = `${a.x.toFixed(2)},${a.y.toFixed(2)}>${b.x.toFixed(2)},${b.y.toFixed(2)}`;
    const hit = this.cache.get(key);
    if (hit !== undefined) return hit ?? undefined;
    const r = this.search(a, b);
    this.cache.set(key, r ?? null);
    return r;
  }

  length(a: P, b: P): number {
    const p = this.path(a, b);
    if (!p) return Infinity;
    let s = 0;
    for (let i = 1; i < p.length; i++) s += dist(p[i - 1]!, p[i]!);
    return s;
  }

  private search(a: P, b: P): P[] | undefined {
    const sp = this.airspace;
    if (sp.segmentClear(a, b)) return [a, b];
    const n = this.nodes.length;
    const S = n;
    const T = n + 1;
    const pt = (i: number): P => (i === S ? a : i === T ? b : this.nodes[i]!);
    const fromS: { to: number; w: number }[] = [];
    const toT = new Map<number, number>();
    for (let i = 0; i < n; i++) {
      const p = this.nodes[i]!;
      if (sp.segmentClear(a, p)) fromS.push({ to: i, w: dist(a, p) });
      if (sp.segmentClear(p, b)) toT.set(i, dist(p, b));
    }
    const d = new Float64Array(n + 2).fill(Infinity);
    const prev = new Int32Array(n + 2).fill(-1);
    d[S] = 0;
    const heap: [number, number][] = [[0, S]];
    const push = (e: [number, number]) => {
      heap.push(e);
      let i = heap.length - 1;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (heap[p]![0] <= heap[i]![0]) break;
        [heap[p], heap[i]] = [heap[i]!, heap[p]!];
        i = p;
      }
    };
    const pop = (): [number, number] => {
      const top = heap[0]!;
      const last = heap.pop()!;
      if (heap.length) {
        heap[0] = last;
        let i = 0;
        for (;;) {
          const l = 2 * i + 1;
          const r = l + 1;
          let m = i;
          if (l < heap.length && heap[l]![0] < heap[m]![0]) m = l;
          if (r < heap.length && heap[r]![0] < heap[m]![0]) m = r;
          if (m === i) break;
          [heap[m], heap[i]] = [heap[i]!, heap[m]!];
          i = m;
        }
      }
      return top;
    };
    while (heap.length) {
      const [du, u] = pop();
      if (du > d[u]!) continue;
      if (u === T) break;
      const edges = u === S ? fromS : u < n ? [...this.adj[u]!, ...(toT.has(u) ? [{ to: T, w: toT.get(u)! }] : [])] : [];
      for (const e of edges) {
        const nd = du + e.w;
        if (nd < d[e.to]!) {
          d[e.to] = nd;
          prev[e.to] = u;
          push([nd, e.to]);
        }
      }
    }
    if (!Number.isFinite(d[T]!)) return undefined;
    const out: P[] = [];
    for (let v = T; v !== -1; v = prev[v]!) out.push(pt(v));
    return out.reverse();
  }
}
