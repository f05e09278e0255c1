/** The stream table and the pure silence watch (streams.ts). */
import { describe, expect, it } from 'vitest';
import { common } from 'mavlink-mappings';
import { DEFAULT_STREAM_RATES_HZ, SILENT_FLOOR_MS, STREAM_TABLE, dataStreamRequests, silenceLimitMs, silentStreams } from './streams.js';

describe('stream table', () => {
  it('asks for MISSION_CURRENT, in EXTENDED_STATUS for older firmware', () => {
    const mc = STREAM_TABLE.find((s) => s.name === 'MISSION_CURRENT');
    expect(mc).toMatchObject({ id: 42, hz: 1, group: common.MavDataStream.EXTENDED_STATUS });
    const groups = dataStreamRequests({ sysid: 1, compid: 1 }, { MISSION_CURRENT: 1 }) as common.RequestDataStream[];
    expect(groups.map((g) => [g.reqStreamId, g.reqMessageRate])).toEqual([[common.MavDataStream.EXTENDED_STATUS, 1]]);
  });
});

describe('silentStreams', () => {
  const rates = { ...DEFAULT_STREAM_RATES_HZ };
  it('a few intervals, never under the floor', () => {
    expect(silenceLimitMs(10)).toBe(SILENT_FLOOR_MS);
    expect(silenceLimitMs(1)).toBe(5000);
    expect(silenceLimitMs(0.1)).toBe(50_000);
  });
  it('counts from the request until the first frame, then from the last frame', () => {
    const seen = new Map<number, number>([[33, 9_000]]);
    expect(silentStreams(['GLOBAL_POSITION_INT', 'MISSION_CURRENT'], rates, seen, 1_000, 6_100).map((s) => s.name)).toEqual(['MISSION_CURRENT']);
    expect(silentStreams(['GLOBAL_POSITION_INT', 'MISSION_CURRENT'], rates, seen, 1_000, 5_900)).toEqual([]);
    expect(silentStreams(['GLOBAL_POSITION_INT'], rates, seen, 1_000, 12_001)).toEqual([expect.objectContaining({ name: 'GLOBAL_POSITION_INT', silentMs: 3_001 })]);
    // Not asked for (rate 0): never missing.
    expect(silentStreams(['ATTITUDE'], { ...rates, ATTITUDE: 0 }, seen, 0, 1e9)).toEqual([]);
  });
});
