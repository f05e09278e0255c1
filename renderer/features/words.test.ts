import { describe, expect, it } from 'vitest';
import { textLevel } from './words.js';

describe('textLevel: the colour of a drone\'s last words by MAV_SEVERITY', () => {
  it.each([
    [0, 'error'], [2, 'error'], [3, 'error'], // EMERGENCY, CRITICAL ("PreArm: …" from ArduPilot), ERROR
    [4, 'warning'],
    [5, 'info'], [6, 'info'], [7, 'info'], // NOTICE, INFO ("EKF3 IMU0 is using GPS", "Field Elevation Set"), DEBUG
    [null, 'warning'], [undefined, 'warning'], [Number.NaN, 'warning'], // an older station: as before
  ] as const)('%s → %s', (severity, level) => {
    expect(textLevel(severity)).toBe(level);
  });
});
