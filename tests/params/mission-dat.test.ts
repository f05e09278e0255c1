/**
 * @MISSION/mission.dat from the simulator equals the captured ArduCopter file byte for byte when it holds
 * the captured mission (decoded from tests/fixtures/params/mission.dat), read over MAVFTP with our client.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { WireItem } from '../../mavlink/services/mission/types.js';
import { FilesRig } from './helpers.js';

const fx = new Uint8Array(readFileSync(new URL('../fixtures/params/mission.dat', import.meta.url)));

function decode(b: Uint8Array): WireItem[] {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const n = dv.getUint16(8, true);
  return Array.from({ length: n }, (_, i) => {
    const o = 10 + 38 * i;
    return {
      seq: dv.getUint16(o + 28, true),
      command: dv.getUint16(o + 30, true),
      frame: b[o + 34]!,
      params: [0, 1, 2, 3].map((k) => dv.getFloat32(o + 4 * k, true)) as WireItem['params'],
      x: dv.getInt32(o + 16, true),
      y: dv.getInt32(o + 20, true),
      z: dv.getFloat32(o + 24, true),
      autocontinue: b[o + 36]!,
      current: b[o + 35]!,
    };
  });
}

describe('@MISSION/mission.dat', () => {
  it('is the captured file for the captured mission', async () => {
    expect(new DataView(fx.buffer, fx.byteOffset).getUint16(0, true)).toBe(0x763d);
    // The capture's home (ArduPilot overwrites item 0 with it): 244797999, 1180894000, and 1010 cm × 0.01f
    // = 10.0999994 m AMSL (the float ArduPilot computes, one ulp below float32(10.1)).
    const rig = await FilesRig.create({ link: { bytesPerSecond: 5760, latencyMs: 20 }, home: { lat: 24.4797999, lon: 118.0894, altAmslM: Math.fround(1010 * Math.fround(0.01)) } });
    try {
      rig.drone.missions.load('mission', decode(fx));
      const r = await rig.run(rig.files.link.ftp.read({ path: '@MISSION/mission.dat' }));
      expect(r.ok, r.ok ? '' : r.reason).toBe(true);
      expect(r.sizeAtOpen).toBe(1 << 20);
      expect(Buffer.from(r.data).equals(Buffer.from(fx))).toBe(true);
      const fence = await rig.run(rig.files.link.ftp.read({ path: '@MISSION/fence.dat' }));
      expect(fence.ok && Array.from(fence.data)).toEqual([0x3d, 0x76, 1, 0, 0, 0, 0, 0, 0, 0]);
    } finally {
      await rig.close();
    }
  });
});
