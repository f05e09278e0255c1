/**
 * Golden replay: the real ArduCopter session (tests/fixtures/copter-mission-flight.tlog, see the captures
 * README) through the reducer, checking what the README says happened: the mode sequence including the
 * boot revert (GUIDED → STABILIZE), the refusal texts, home, the 35 m top altitude, disarmed at the end,
 * no sequence loss on a TCP link, and the 4 Hz streams measured on the recorded clock.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { decodePayload } from '../../mavlink/codec/messages.js';
import { readTlogFile } from '../storage/tlog.js';
import { initialVehicleState, reduceVehicle, vehicleSnapshot, type VehicleState } from './vehicle-state.js';

const FIXTURE = join(fileURLToPath(new URL('.', import.meta.url)), '../../tests/fixtures/copter-mission-flight.tlog');

describe('vehicle-state replay of a real ArduCopter flight', () => {
  it('ends in the state the capture README describes', () => {
    let s: VehicleState = initialVehicleState(1, 1);
    const modes: string[] = [];
    let maxAltRelM = 0;
    let lastMs = 0;
    for (const { timeUs, frame } of readTlogFile(FIXTURE)) {
      if (frame.sysid !== 1) continue;
      lastMs = timeUs / 1000;
      s = reduceVehicle(s, { type: 'frame', link: 'tcp', sysid: frame.sysid, compid: frame.compid, seq: frame.seq, msgid: frame.msgid, message: decodePayload(frame.msgid, frame.payload), atMs: lastMs });
      if (modes.at(-1) !== s.mode && s.lastHeartbeatMs !== null) modes.push(s.mode);
      maxAltRelM = Math.max(maxAltRelM, s.position?.altRelM ?? 0);
    }
    expect(modes).toEqual(['STABILIZE', 'GUIDED', 'STABILIZE', 'GUIDED', 'AUTO']);
    expect(s.armed).toBe(false);
    expect(s.home?.latDeg).toBeCloseTo(24.4797999, 7);
    expect(s.home?.lonDeg).toBeCloseTo(118.0894, 7);
    expect(maxAltRelM).toBeGreaterThan(34.5);
    expect(maxAltRelM).toBeLessThan(35.5);
    expect(s.statustext.entries).toHaveLength(53);
    expect(s.statustext.arming.at(-1)?.text).toBe('Arm: Need Position Estimate');
    expect(s.ekf?.posHorizAbs).toBe(true);
    expect(s.gps?.fixType).toBeGreaterThanOrEqual(3);
    const snap = vehicleSnapshot(s, lastMs);
    expect(snap.links).toEqual([expect.objectContaining({ link: 'tcp', lost: 0, received: 23710 })]);
    expect(snap.ratesHz.ATTITUDE).toBe(4);
    expect(snap.ratesHz.HEARTBEAT).toBe(1);
  });
});
