/**
 * Drones standing together on the ground (a dock holds several; the simulated fleet puts them on one spot) are
 * one marker with their count and names instead of arrows drawn on top of each other, where only the top one
 * could be seen or clicked. Pure: which drones stand together. A drone that arms leaves its stack and is drawn
 * on its own again.
 */
import type { VehicleView } from '../../common/api/contract.js';

export interface DockStack {
  /** The members' system ids, sorted: stable while the same drones stand together. */
  key: string;
  latDeg: number;
  lonDeg: number;
  /** Sorted by id. */
  members: VehicleView[];
}

const R = 6_371_000;
function metres(a: VehicleView, b: VehicleView): number {
  const dLat = ((b.latDeg! - a.latDeg!) * Math.PI) / 180;
  const dLon = (((b.lonDeg! - a.lonDeg!) * Math.PI) / 180) * Math.cos((((a.latDeg! + b.latDeg!) / 2) * Math.PI) / 180);
  return R * Math.hypot(dLat, dLon);
}

const placed = (v: VehicleView) => v.latDeg !== null && v.lonDeg !== null && Number.isFinite(v.latDeg) && Number.isFinite(v.lonDeg) && !(v.latDeg === 0 && v.lonDeg === 0);

/** Disarmed drones within `radiusM` of another (chained: A near B near C is one stack); stacks of two or more. */
export function dockStacks(vehicles: readonly VehicleView[], radiusM = 25): DockStack[] {
  const ground = vehicles.filter((v) => !v.armed && placed(v));
  const group = ground.map((_, i) => i);
  const root = (i: number): number => (group[i] === i ? i : (group[i] = root(group[i]!)));
  for (let i = 0; i < ground.length; i++) {
    for (let j = i + 1; j < ground.length; j++) if (metres(ground[i]!, ground[j]!) <= radiusM) group[root(j)] = root(i);
  }
  const by = new Map<number, VehicleView[]>();
  ground.forEach((v, i) => {
    const r = root(i);
    by.set(r, [...(by.get(r) ?? []), v]);
  });
  const out: DockStack[] = [];
  for (const members of by.values()) {
    if (members.length < 2) continue;
    members.sort((a, b) => a.id.localeCompare(b.id) || a.sysid - b.sysid);
    out.push({
      key: members.map((m) => m.sysid).sort((a, b) => a - b).join(','),
      latDeg: members.reduce((t, m) => t + m.latDeg!, 0) / members.length,
      lonDeg: members.reduce((t, m) => t + m.lonDeg!, 0) / members.length,
      members,
    });
  }
  return out.sort((a, b) => a.key.localeCompare(b.key));
}

/** The names a stack's label shows: up to `max`, then "+N". */
export function stackLabel(members: readonly VehicleView[], max = 3): string {
  const names = members.slice(0, max).map((m) => m.id);
  return members.length > max ? `${names.join(' · ')} +${members.length - max}` : names.join(' · ');
}
