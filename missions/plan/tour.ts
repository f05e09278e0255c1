/**
 * Tours over a distance matrix: the exact Held–Karp optimum (closed tour from node 0, n ≤ ~18), a local-search
 * heuristic (nearest-neighbour and cheapest-insertion starts improved by 2-opt and Or-opt to a local optimum),
 * and orienteering: a path from s to t that collects the most value within a length budget (greedy insertion
 * by value per added metre, 2-opt between insertions, then drop-and-refill swaps).
 */
export type Matrix = number[][];

const at = (d: Matrix, i: number, j: number): number => d[i]![j]!;

/** Exact shortest closed tour through all nodes starting at 0; returns [order, length]. */
export function heldKarp(d: Matrix): [number[], number] {
  const n = d.length;
  if (n <= 1) return [[0], 0];
  const m = n - 1;
  const F = 1 << m;
  const dp = new Float64Array(F * m).fill(Infinity);
  const par = new Int8Array(F * m).fill(-1);
  for (let j = 0; j < m; j++) dp[(1 << j) * m + j] = at(d, 0, j + 1);
  for (let S = 1; S < F; S++) {
    for (let j = 0; j < m; j++) {
      const cur = dp[S * m + j]!;
      if (!(S & (1 << j)) || cur === Infinity) continue;
      for (let k = 0; k < m; k++) {
        if (S & (1 << k)) continue;
        const S2 = S | (1 << k);
        const v = cur + at(d, j + 1, k + 1);
        if (v < dp[S2 * m + k]!) {
          dp[S2 * m + k] = v;
          par[S2 * m + k] = j;
        }
      }
    }
  }
  let best = Infinity;
  let bj = 0;
  for (let j = 0; j < m; j++) {
    const v = dp[(F - 1) * m + j]! + at(d, j + 1, 0);
    if (v < best) [best, bj] = [v, j];
  }
  const order: number[] = [];
  let S = F - 1;
  let j = bj;
  while (j >= 0) {
    order.push(j + 1);
    const p = par[S * m + j]!;
    S &= ~(1 << j);
    j = p;
  }
  return [[0, ...order.reverse()], best];
}

export function tourLength(d: Matrix, order: number[], closed: boolean): number {
  let s = 0;
  for (let i = 1; i < order.length; i++) s += at(d, order[i - 1]!, order[i]!);
  if (closed && order.length > 1) s += at(d, order[order.length - 1]!, order[0]!);
  return s;
}

/**
 * Improve a path whose first and last entries stay fixed (for a closed tour pass [0, …, 0]): 2-opt and
 * Or-opt (move a chain of 1–3 nodes elsewhere, either way round) until no move helps.
 */
export function improvePath(d: Matrix, path: number[]): number[] {
  const p = [...path];
  const n = p.length;
  let improved = true;
  for (let pass = 0; improved && pass < 10_000; pass++) {
    improved = false;
    for (let i = 0; i < n - 3; i++) {
      for (let k = i + 2; k < n - 1; k++) {
        const a = p[i]!, b = p[i + 1]!, c = p[k]!, e = p[k + 1]!;
        const delta = at(d, a, c) + at(d, b, e) - at(d, a, b) - at(d, c, e);
        if (delta < -1e-9) {
          p.splice(i + 1, k - i, ...p.slice(i + 1, k + 1).reverse());
          improved = true;
        }
      }
    }
    for (let len = 1; len <= 3 && !improved; len++) {
      for (let i = 1; i + len < n && !improved; i++) {
        const seg = p.slice(i, i + len);
        const prev = p[i - 1]!, next = p[i + len]!;
        const gain = at(d, prev, seg[0]!) + at(d, seg[len - 1]!, next) - at(d, prev, next);
        const rest = [...p.slice(0, i), ...p.slice(i + len)];
        for (let j = 0; j + 1 < rest.length && !improved; j++) {
          if (j === i - 1) continue;
          const u = rest[j]!, v = rest[j + 1]!;
          for (const rev of [false, true]) {
            const s = rev ? [...seg].reverse() : seg;
            const cost = at(d, u, s[0]!) + at(d, s[s.length - 1]!, v) - at(d, u, v);
            if (cost < gain - 1e-9) {
              p.splice(0, n, ...rest.slice(0, j + 1), ...s, ...rest.slice(j + 1));
              improved = true;
              break;
            }
          }
        }
      }
    }
  }
  return p;
}

/** Closed tour from node 0 by local search from several starts; returns [order without the return, length]. */
export function heuristicTour(d: Matrix): [number[], number] {
  const n = d.length;
  if (n <= 2) return [[...Array(n).keys()], tourLength(d, [...Array(n).keys()], true)];
  const starts: number[][] = [];
  for (let first = 1; first < n; first++) {
    const left = new Set([...Array(n).keys()].filter((i) => i !== 0 && i !== first));
    const t = [0, first];
    while (left.size) {
      let bi = -1;
      let bd = Infinity;
      for (const i of left) if (at(d, t[t.length - 1]!, i) < bd) [bd, bi] = [at(d, t[t.length - 1]!, i), i];
      t.push(bi);
      left.delete(bi);
    }
    starts.push(t);
  }
  starts.push(cheapestInsertion(d));
  let best: number[] = [];
  let bl = Infinity;
  for (const s of starts) {
    const t = improvePath(d, [...s, 0]).slice(0, -1);
    const l = tourLength(d, t, true);
    if (l < bl - 1e-9) [best, bl] = [t, l];
  }
  return [best, bl];
}

function cheapestInsertion(d: Matrix): number[] {
  const n = d.length;
  const t = [0, 0];
  const left = new Set([...Array(n).keys()].slice(1));
  while (left.size) {
    let best: [number, number, number] = [-1, -1, Infinity];
    for (const v of left) for (let i = 0; i + 1 < t.length; i++) {
      const c = at(d, t[i]!, v) + at(d, v, t[i + 1]!) - at(d, t[i]!, t[i + 1]!);
      if (c < best[2]) best = [v, i, c];
    }
    t.splice(best[1] + 1, 0, best[0]);
    left.delete(best[0]);
  }
  return t.slice(0, -1);
}

/**
 * Orienteering: nodes 0 = start, 1 = end, 2… candidates with value[i]; returns the visit order (without start
 * and end) of a path s → … → t of length ≤ budget that collects as much value as the heuristic finds.
 */
export function orienteer(d: Matrix, value: number[], budget: number): number[] {
  const n = d.length;
  const evalPath = (p: number[]) => tourLength(d, p, false);
  const fill = (path: number[]): number[] => {
    let p = [...path];
    for (;;) {
      const inside = new Set(p);
      let best: [number, number, number] = [-1, -1, -Infinity];
      const len = evalPath(p);
      for (let v = 2; v < n; v++) {
        if (inside.has(v) || value[v]! <= 0) continue;
        for (let i = 0; i + 1 < p.length; i++) {
          const add = at(d, p[i]!, v) + at(d, v, p[i + 1]!) - at(d, p[i]!, p[i + 1]!);
          if (len + add > budget) continue;
          const score = value[v]! / Math.max(add, 1);
          if (score > best[2]) best = [v, i, score];
        }
      }
      if (best[0] < 0) return p;
      p.splice(best[1] + 1, 0, best[0]);
      p = improvePath(d, p);
    }
  };
  const worth = (p: number[]) => p.reduce((s, v) => s + (v >= 2 ? value[v]! : 0), 0);
  let cur = fill([0, 1]);
  for (let round = 0; round < 3; round++) {
    let better = false;
    for (let i = 1; i + 1 < cur.length; i++) {
      const trial = fill(cur.filter((_, k) => k !== i));
      if (worth(trial) > worth(cur) + 1e-9 || (worth(trial) === worth(cur) && evalPath(trial) < evalPath(cur) - 1e-9)) {
        cur = trial;
        better = true;
      }
    }
    if (!better) break;
  }
  return cur.slice(1, -1);
}
