/** The station's checks of a list before upload (mission-transfer.ts prepareUpload): ArduPilot's rules and sane bounds. */
import { describe, expect, it } from 'vitest';
import type { WireItem } from '../../mavlink/services/mission/types.js';
import { MAX_LIST_ITEMS, prepareUpload, progressAfter } from './mission-transfer.js';

const wp = (z: number, params: [number, number, number, number] = [0, 0, 0, 0], command = 16): WireItem => ({
  seq: 0, command, frame: 3, params, x: 244798000, y: 1180894000, z, autocontinue: 1, current: 0,
});
const home = { ...wp(10), frame: 0 };

describe('prepareUpload', () => {
  it('a NaN with a safe default is replaced, with a warning naming item and field', () => {
    const p = prepareUpload('mission', [home, wp(60, [0, 0, 0, NaN], 22), wp(60, [300, 0, 0, NaN], 19)]);
    expect(p.errors).toEqual([]);
    expect(p.items[2]!.params).toEqual([300, 0, 0, 0]);
    expect(p.items[1]!.params[3]).toBeNaN(); // TAKEOFF param4 NaN is allowed and sent as it is
    expect(p.warnings).toEqual(["item 2 (NAV_LOITER_TIME) param4 = NaN: MAV_MISSION_INVALID_PARAM4, sent as 0 (the field's default)"]);
  });

  it('refuses what has no safe default, naming item, field and ArduPilot’s code', () => {
    const p = prepareUpload('mission', [home, wp(60), wp(60, [NaN, 0, 0, 0], 19)]);
    expect(p.errors).toEqual(['item 2 (NAV_LOITER_TIME) param1 = NaN: MAV_MISSION_INVALID_PARAM1']);
  });

  it('altitudes 1e308 and −5000 m are refused, naming the item', () => {
    const p = prepareUpload('mission', [home, wp(1e308), wp(-5000), wp(60)]);
    expect(p.errors).toEqual([
      'item 1 (NAV_WAYPOINT) z = 1e+308: MAV_MISSION_INVALID_PARAM7',
      'item 2 (NAV_WAYPOINT) z = -5000: altitude outside -1000…10000 m (above home)',
    ]);
  });

  it('a list MISSION_COUNT cannot carry is refused (70 000 items went out as 4465)', () => {
    const items = Array.from({ length: 70_000 }, () => wp(60));
    const p = prepareUpload('mission', items);
    expect(p.errors).toEqual([`mission: 70000 items, more than MISSION_COUNT can carry (${MAX_LIST_ITEMS})`]);
    expect(prepareUpload('mission', items.slice(0, MAX_LIST_ITEMS)).errors).toEqual([]);
  });
});

describe('progressAfter', () => {
  it('MISSION_CURRENT says the item; MISSION_ITEM_REACHED n means the one after', () => {
    expect(progressAfter({ type: 'current', seq: 4, total: 9, state: 3, missionId: 1 })).toBe(4);
    expect(progressAfter({ type: 'reached', seq: 4 })).toBe(5);
  });
});
