/**
 * Drones set aside from the patrol, kept in the store's kv so that they outlive a station restart: flagged for
 * maintenance (not launched until cleared), taken over by the pilot (left alone until released). A damaged row
 * reads as no flags.
 */
import type { PatrolStore } from './store.js';

export type FlagKind = 'maintenance' | 'taken-over';

export class DroneFlags {
  private readonly sets: Record<FlagKind, Set<number>>;
  constructor(private readonly store: Pick<PatrolStore, 'kv' | 'setKv'>) {
    this.sets = { maintenance: new Set(this.load('maintenance')), 'taken-over': new Set(this.load('taken-over')) };
  }

  has(kind: FlagKind, sysid: number): boolean {
    return this.sets[kind].has(sysid);
  }

  /** Set or clear a flag; false when it was already so. Both rows are written (as they always were). */
  set(kind: FlagKind, sysid: number, on: boolean): boolean {
    const set = this.sets[kind];
    if (set.has(sysid) === on) return false;
    if (on) set.add(sysid);
    else set.delete(sysid);
    this.store.setKv('maintenance', JSON.stringify([...this.sets.maintenance]));
    this.store.setKv('taken-over', JSON.stringify([...this.sets['taken-over']]));
    return true;
  }

  private load(key: FlagKind): number[] {
    try {
      const v: unknown = JSON.parse(this.store.kv(key) ?? '[]');
      return Array.isArray(v) ? v.filter((x): x is number => Number.isInteger(x)) : [];
    } catch {
      return [];
    }
  }
}
