/**
 * What the runner keeps of each drone in the air between looks (policy.ts `DroneWatch`: mission progress, the
 * battery's recent drain, distance home, when a hold was sent), and where the progress comes from: MISSION_CURRENT
 * or MISSION_ITEM_REACHED, whichever the drone sends (vehicle/launch.ts `MissionProgress`).
 */
import type { Station } from '../compose.js';
import { MissionProgress } from '../vehicle/launch.js';
import { newWatch, type DroneWatch } from './policy.js';

export class DroneWatches {
  private readonly watches = new Map<number, DroneWatch>();
  private readonly unwatch = new Map<number, () => void>();

  constructor(private readonly station: Station) {}

  /** The drone's watch, made (and its mission progress followed) on first use. */
  get(sysid: number): DroneWatch {
    let w = this.watches.get(sysid);
    if (!w) this.watches.set(sysid, (w = newWatch()));
    if (!this.unwatch.has(sysid)) {
      const m = this.station.vehicle(sysid)?.missions;
      if (m) {
        const progress = new MissionProgress(m, (_r, p) => {
          this.get(sysid).current = p.current;
        });
        this.unwatch.set(sysid, () => progress.dispose());
      }
    }
    return w;
  }

  /** The watch after a look (policy.ts `watchSortie` returns the next one). */
  set(sysid: number, w: DroneWatch): void {
    this.watches.set(sysid, w);
  }

  /** Stop following every drone's progress. */
  close(): void {
    for (const off of this.unwatch.values()) off();
    this.unwatch.clear();
  }
}
