/**
 * Mission helpers for simulator tests: the captured 7-item mission (copter-mission-flight.tlog) as WireItems,
 * and a TransferContext for a GcsHarness's GCS connection.
 */
import { ARDUPILOT_COPTER } from '../mavlink/quirks.js';
import type { TransferContext } from '../mavlink/services/mission/transfer.js';
import type { TransferOptions, WireItem } from '../mavlink/services/mission/types.js';
import type { GcsHarness } from './testkit.js';

const wi = (seq: number, command: number, frame: number, params: [number, number, number, number], x: number, y: number, z: number): WireItem => ({
  seq, command, frame, params, x, y, z, autocontinue: 1, current: 0,
});

/** The mission of the capture (home 24.4798 N, 118.0894 E). */
export function capturedMission(): WireItem[] {
  return [
    wi(0, 16, 5, [0, 0, 0, 0], 244798000, 1180894000, 0),
    wi(1, 22, 6, [0, 0, 0, 0], 0, 0, 30),
    wi(2, 16, 6, [0, 0, 0, 0], 244811475, 1180894000, 30),
    wi(3, 178, 2, [1, 8, -1, 0], 0, 0, 0),
    wi(4, 19, 6, [5, 0, 0, 0], 244811475, 1180908806, 35),
    wi(5, 16, 6, [0, 0, 0, 0], 244798000, 1180908806, 30),
    wi(6, 20, 6, [0, 0, 0, 0], 0, 0, 0),
  ];
}

/** A mission of `n` items (home + takeoff + waypoints on a square around `home`, ending with RTL). */
export function squareMission(home: { lat: number; lon: number }, n: number): WireItem[] {
  const items: WireItem[] = [wi(0, 16, 0, [0, 0, 0, 0], Math.round(home.lat * 1e7), Math.round(home.lon * 1e7), 0), wi(1, 22, 3, [0, 0, 0, 0], 0, 0, 20)];
  for (let i = 2; i < n - 1; i++) {
    const a = (i * 2 * Math.PI) / 8;
    items.push(wi(i, 16, 3, [0, 0, 0, 0], Math.round((home.lat + 0.0005 * Math.cos(a)) * 1e7), Math.round((home.lon + 0.0005 * Math.sin(a)) * 1e7), 20 + (i % 5)));
  }
  items.push(wi(n - 1, 20, 3, [0, 0, 0, 0], 0, 0, 0));
  return items;
}

export function harnessContext(h: GcsHarness, options: TransferOptions = {}): TransferContext {
  return {
    clock: h.clock,
    link: h.gcs,
    peer: { targetSystem: h.drone.sysid, targetComponent: h.drone.compid, gcsSysid: 255, gcsCompid: 190 },
    quirks: ARDUPILOT_COPTER,
    options,
  };
}

/** Drive the fake clock until a promise settles (bounded). */
export async function settle<T>(h: GcsHarness, p: Promise<T>, maxMs = 600_000, stepMs = 20): Promise<T> {
  let done = false;
  let value!: T;
  void p.then((v) => {
    done = true;
    value = v;
  });
  for (let t = 0; t < maxMs && !done; t += stepMs) {
    h.clock.advance(stepMs);
    await Promise.resolve();
    await Promise.resolve();
  }
  await Promise.resolve();
  if (!done) throw new Error(`not settled within ${maxMs} ms of simulated time`);
  return value;
}
