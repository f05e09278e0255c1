/** ArduPilot's mission item rules as a table (item-rules.ts): what it refuses, with which MISSION_ACK code. */
import { describe, expect, it } from 'vitest';
import { checkItemArduPilot, describeProblem } from './item-rules.js';
import type { WireItem } from './types.js';

const item = (command: number, params: [number, number, number, number] = [0, 0, 0, 0], o: Partial<WireItem> = {}): WireItem => ({
  seq: 3, command, frame: 3, params, x: 244798000, y: 1180894000, z: 60, autocontinue: 1, current: 0, ...o,
});
const code = (it: WireItem, type: 'mission' | 'fence' | 'rally' = 'mission') => checkItemArduPilot(type, it)?.codeName ?? 'ACCEPTED';

describe('ArduPilot mission item rules', () => {
  it.each([
    ['LOITER_TIME with NaN param4', item(19, [60, 0, 0, NaN]), 'MAV_MISSION_INVALID_PARAM4'],
    ['WAYPOINT with NaN param4 (yaw: allowed)', item(16, [0, 0, 0, NaN]), 'ACCEPTED'],
    ['LAND with NaN param4', item(21, [0, 0, 0, NaN]), 'ACCEPTED'],
    ['TAKEOFF with NaN param4', item(22, [0, 0, 0, NaN]), 'ACCEPTED'],
    ['VTOL_LAND with NaN param3', item(85, [0, 0, NaN, NaN]), 'ACCEPTED'],
    ['WAYPOINT with NaN param1', item(16, [NaN, 0, 0, 0]), 'MAV_MISSION_INVALID_PARAM1'],
    ['WAYPOINT with Infinity param4 (NaN only)', item(16, [0, 0, 0, Infinity]), 'MAV_MISSION_INVALID_PARAM4'],
    ['DO_CHANGE_SPEED with NaN param2', item(178, [1, NaN, -1, 0]), 'MAV_MISSION_INVALID_PARAM2'],
    ['command 0', item(0), 'MAV_MISSION_INVALID'],
    ['a command ArduPilot does not convert', item(31337), 'MAV_MISSION_UNSUPPORTED'],
    ['latitude beyond 90°', item(16, undefined, { x: 900_000_001 }), 'MAV_MISSION_INVALID_PARAM5_X'],
    ['longitude beyond 180°', item(16, undefined, { y: -1_800_000_001 }), 'MAV_MISSION_INVALID_PARAM6_Y'],
    ['altitude 1e308 (Infinity as float)', item(16, undefined, { z: 1e308 }), 'MAV_MISSION_INVALID_PARAM7'],
    ['altitude NaN', item(16, undefined, { z: NaN }), 'MAV_MISSION_INVALID_PARAM7'],
    ['altitude 83 km', item(16, undefined, { z: 83_000 }), 'MAV_MISSION_INVALID_PARAM7'],
    ['altitude −5000 m (ArduPilot takes it; the station refuses)', item(16, undefined, { z: -5000 }), 'ACCEPTED'],
    ['a located item in a local frame', item(16, undefined, { frame: 1 }), 'MAV_MISSION_UNSUPPORTED_FRAME'],
    ['a DO item: frame not checked', item(178, [1, 8, -1, 0], { frame: 1, x: 0, y: 0, z: 0 }), 'ACCEPTED'],
  ])('%s → %s', (_name, it, want) => {
    expect(code(it)).toBe(want);
  });

  it('fence and rally lists take their own commands only', () => {
    expect(code(item(5001, [4, 0, 0, 0]), 'fence')).toBe('ACCEPTED');
    expect(code(item(16), 'fence')).toBe('MAV_MISSION_UNSUPPORTED');
    expect(code(item(5100), 'rally')).toBe('ACCEPTED');
  });

  it('names item, command, field, value and code; a NaN with a safe default says so', () => {
    const p = checkItemArduPilot('mission', item(19, [60, 0, 0, NaN]))!;
    expect(describeProblem(p)).toBe('item 3 (NAV_LOITER_TIME) param4 = NaN: MAV_MISSION_INVALID_PARAM4');
    expect(p.coerceTo).toBe(0);
    expect(checkItemArduPilot('mission', item(19, [NaN, 0, 0, 0]))!.coerceTo).toBeUndefined();
  });
});
