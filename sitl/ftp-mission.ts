/**
 * `@MISSION/mission.dat`, `fence.dat` and `rally.dat` as ArduPilot serves them over MAVFTP (captured:
 * mission.dat of a 7-item mission, 276 bytes). Little-endian:
 *   header: uint16 magic 0x763D, uint16 mission_type, uint16 options 0, uint16 start 0, uint16 num_items
 *   item:   the 38-byte MISSION_ITEM_INT payload in wire order, untruncated: float param1..4, int32 x, y,
 *           float z, uint16 seq, uint16 command, uint8 target_system 0, target_component 0, frame,
 *           current 0, autocontinue, mission_type
 * Items are the stored list as read back (home at 0 for the mission), the same as MISSION_ITEM_INT gives.
 * The mission store (mission-server.ts) is reached through the small `MissionSource` hook.
 */
import type { WireItem } from '../mavlink/services/mission/types.js';
import type { SimFiles } from './ftp-files.js';
import { readBack } from './mission-store.js';

export const MISSION_DAT_MAGIC = 0x763d;
const TYPES = [['mission.dat', 'mission', 0], ['fence.dat', 'fence', 1], ['rally.dat', 'rally', 2]] as const;

export interface MissionSource {
  items(type: 'mission' | 'fence' | 'rally'): readonly WireItem[];
}

export function encodeMissionDat(missionType: number, items: readonly WireItem[]): Uint8Array {
  const out = new Uint8Array(10 + 38 * items.length);
  const dv = new DataView(out.buffer);
  dv.setUint16(0, MISSION_DAT_MAGIC, true);
  dv.setUint16(2, missionType, true);
  dv.setUint16(4, 0, true);
  dv.setUint16(6, 0, true);
  dv.setUint16(8, items.length, true);
  items.forEach((it, i) => {
    const o = 10 + 38 * i;
    it.params.forEach((p, k) => dv.setFloat32(o + 4 * k, p, true));
    dv.setInt32(o + 16, it.x, true);
    dv.setInt32(o + 20, it.y, true);
    dv.setFloat32(o + 24, it.z, true);
    dv.setUint16(o + 28, i, true);
    dv.setUint16(o + 30, it.command, true);
    out[o + 34] = it.frame;
    out[o + 36] = it.autocontinue;
    out[o + 37] = missionType;
  });
  return out;
}

/** Serve the three files from the mission store. */
export function serveMissionFiles(files: SimFiles, missions: MissionSource): void {
  for (const [file, type, code] of TYPES) {
    files.provide(`@MISSION/${file}`, () => encodeMissionDat(code, missions.items(type).map((it) => readBack(it))));
  }
}
