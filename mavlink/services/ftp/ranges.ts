/** A set of byte ranges [start, end), kept sorted and merged: what a download has received so far. */
export class RangeSet {
  private readonly r: number[] = []; // flat [s0, e0, s1, e1, …]

  get count(): number {
    return this.r.length / 2;
  }

  /** Add [start, end); returns the number of bytes that were new. */
  add(start: number, end: number): number {
    if (end <= start) return 0;
    const r = this.r;
    const n = r.length;
    // Fast path: appending at or after the last range.
    if (n === 0 || start > r[n - 1]!) {
      r.push(start, end);
      return end - start;
    }
    if (start >= r[n - 2]! && start <= r[n - 1]!) {
      const before = r[n - 1]!;
      if (end > before) r[n - 1] = end;
      return Math.max(0, end - before);
    }
    // General case: find the first range whose end ≥ start.
    let lo = 0;
    let hi = n / 2;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (r[mid * 2 + 1]! < start) lo = mid + 1;
      else hi = mid;
    }
    const i = lo;
    let s = start;
    let e = end;
    let covered = 0;
    let j = i;
    while (j < n / 2 && r[j * 2]! <= e) {
      const rs = r[j * 2]!;
      const re = r[j * 2 + 1]!;
      covered += Math.max(0, Math.min(re, end) - Math.max(rs, start));
      s = Math.min(s, rs);
      e = Math.max(e, re);
      j++;
    }
    r.splice(i * 2, (j - i) * 2, s, e);
    return end - start - covered;
  }

  /** Whether [start, end) is wholly present. */
  has(start: number, end: number): boolean {
    for (let i = 0; i < this.r.length; i += 2) if (this.r[i]! <= start && this.r[i + 1]! >= end) return true;
    return false;
  }

  /** End of the range that starts at or before `from` and covers it (from itself if none). */
  contiguousFrom(from: number): number {
    for (let i = 0; i < this.r.length; i += 2) if (this.r[i]! <= from && this.r[i + 1]! >= from) return this.r[i + 1]!;
    return from;
  }

  /** Highest end. */
  get high(): number {
    return this.r.length === 0 ? 0 : this.r[this.r.length - 1]!;
  }

  /** The first hole in [from, to), or undefined. */
  firstGap(from: number, to: number): [number, number] | undefined {
    let pos = from;
    for (let i = 0; i < this.r.length && pos < to; i += 2) {
      const s = this.r[i]!;
      const e = this.r[i + 1]!;
      if (e <= pos) continue;
      if (s > pos) return [pos, Math.min(s, to)];
      pos = e;
    }
    return pos < to ? [pos, to] : undefined;
  }

  /** Number of holes in [from, to). */
  gapCount(from: number, to: number): number {
    let n = 0;
    let pos = from;
    for (;;) {
      const g = this.firstGap(pos, to);
      if (!g) return n;
      n++;
      pos = g[1];
    }
  }
}
