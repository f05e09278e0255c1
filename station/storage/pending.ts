/**
 * Rows a store's disk refused (full, read-only, gone), kept in memory in order until it takes them again: one
 * place for what the patrol record (station/patrol/store.ts) and the command audit (station/gateway/audit.ts)
 * both do while the disk is full. Up to `limit` rows wait; a keyed row (a sortie's newest state) replaces its
 * older self; past the limit rows are counted as lost (how many, how many bytes, over how long). `flush` writes
 * every waiting row in one call of `writeAll` (the store's transaction: all or nothing) and reports the failure
 * or the recovery, with what was lost, to the station's StorageHealth. When to try again is each store's own.
 */
import type { StorageHealth, StoreName } from './health.js';

export interface PendingRowsOptions<T> {
  store: StoreName;
  /** The store's file, named in a failure's report. */
  file: string;
  health?: StorageHealth | undefined;
  /** Rows kept at most; more are counted as lost. */
  limit: number;
  /** Writes all the rows in one transaction, in order; throws when the disk refuses them. */
  writeAll(rows: readonly T[]): void;
}

export class PendingRows<T> {
  private rows: { key: string | null; row: T }[] = [];
  private lost = { records: 0, bytes: 0, firstMs: 0, lastMs: 0 };

  constructor(private readonly o: PendingRowsOptions<T>) {}

  get size(): number {
    return this.rows.length;
  }

  /** The disk refused a write (the row itself is then `add`ed by the store). */
  failed(e: unknown): void {
    this.o.health?.failed(this.o.store, this.o.file, e);
  }

  /**
   * A row waits behind the others; a keyed one replaces the waiting row of the same key. Past the limit it is
   * counted as lost: false.
   */
  add(row: T, how: { key?: string | null; bytes: number; atMs: number }): boolean {
    const key = how.key ?? null;
    if (key !== null) {
      const i = this.rows.findIndex((p) => p.key === key);
      if (i >= 0) this.rows.splice(i, 1);
    }
    if (this.rows.length >= this.o.limit) {
      if (this.lost.records === 0) this.lost.firstMs = how.atMs;
      this.lost.lastMs = how.atMs;
      this.lost.records++;
      this.lost.bytes += how.bytes;
      return false;
    }
    this.rows.push({ key, row });
    return true;
  }

  /** Writes every waiting row; true when none waits any more (the recovery reported), false when the disk refused again. */
  flush(): boolean {
    if (this.rows.length === 0) return true;
    try {
      this.o.writeAll(this.rows.map((p) => p.row));
    } catch (e) {
      this.failed(e);
      return false;
    }
    this.rows = [];
    const { records, bytes, firstMs, lastMs } = this.lost;
    this.o.health?.recovered(this.o.store, { records, bytes, seconds: records ? (lastMs - firstMs) / 1000 : 0 });
    this.lost = { records: 0, bytes: 0, firstMs: 0, lastMs: 0 };
    return true;
  }
}
