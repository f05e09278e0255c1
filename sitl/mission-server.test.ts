import { common } from 'mavlink-mappings';
import { afterEach, describe, expect, it } from 'vitest';
import { make } from '../mavlink/codec/messages.js';
import { download, uploadVerified, clear, setCurrent } from '../mavlink/services/mission/transfer.js';
import { capturedMission, harnessContext, settle } from './mission-testkit.js';
import { GcsHarness } from './testkit.js';

const HOME = { lat: 24.4798, lon: 118.0894, altAmslM: 10 };
let h: GcsHarness;
afterEach(() => h?.stop());

function harness(): GcsHarness {
  h = new GcsHarness({ home: HOME, warmupMs: 5000 });
  h.advance(3000);
  return h;
}

describe('simulated mission server (ArduPilot behaviour)', () => {
  it('upload as captured: legacy MISSION_REQUEST, ACK with opaque_id, "Flight plan received"; read-back normalised', async () => {
    harness();
    const r = await settle(h, uploadVerified(harnessContext(h), 'mission', capturedMission()).result);
    expect(r.ok, r.reason).toBe(true);
    expect(r.verifiedBy).toBe('readback');
    expect(h.of(40)).toHaveLength(7); // MISSION_REQUEST (id 40) for each item, never _INT
    expect(h.of(51)).toHaveLength(0);
    expect(h.texts()).toContain('Flight plan received');
    expect(r.opaqueId).toBe(h.drone.missions.id('mission'));
    const back = await settle(h, download(harnessContext(h), 'mission').result);
    expect(back.items[0]).toMatchObject({ frame: 0, x: 244798000, y: 1180894000, z: 10 });
    expect(back.items[1]!.frame).toBe(3);
    expect(back.items[3]).toMatchObject({ frame: 0, params: [1, 8, -1, 0] });
    expect(back.items[4]!.params[2]).toBe(1);
    expect(back.items[6]!.frame).toBe(0);
    // MISSION_CURRENT is a stream: nothing until it is asked for.
    h.advance(1100);
    expect(h.of(42)).toHaveLength(0);
    expect(h.command(common.MavCmd.SET_MESSAGE_INTERVAL, [42, 1e6])).toBe(0);
    h.advance(1100);
    const cur = h.last<common.MissionCurrent>(42);
    expect(cur).toMatchObject({ total: 6, missionId: r.opaqueId });
  });

  it('identity verification: MISSION_CURRENT.mission_id equals the ACK opaque_id', async () => {
    harness();
    h.command(common.MavCmd.SET_MESSAGE_INTERVAL, [42, 1e6]);
    const r = await settle(h, uploadVerified(harnessContext(h), 'mission', capturedMission(), { verify: 'identity' }).result);
    expect(r).toMatchObject({ ok: true, verifiedBy: 'identity' });
  });

  it('early error ACK: an unsupported command aborts the upload; the stored mission is unchanged', async () => {
    harness();
    await settle(h, uploadVerified(harnessContext(h), 'mission', capturedMission()).result);
    const before = h.drone.missions.id('mission');
    const bad = capturedMission();
    bad[3] = { ...bad[3]!, command: 31337 };
    const r = await settle(h, uploadVerified(harnessContext(h), 'mission', bad).result);
    expect(r.ok).toBe(false);
    expect(r.reason).toContain('UNSUPPORTED');
    expect(h.drone.missions.id('mission')).toBe(before);
  });

  it('refuses what ArduPilot refuses: LOITER_TIME with NaN param4 → INVALID_PARAM4, naming item and field; the stored mission unchanged', async () => {
    harness();
    const bad = capturedMission();
    const loiter = bad.findIndex((it) => it.command === 19);
    bad[loiter] = { ...bad[loiter]!, params: [bad[loiter]!.params[0], 0, 0, NaN] };
    const r = await settle(h, uploadVerified(harnessContext(h), 'mission', bad).result);
    expect(r.ok).toBe(false);
    expect(r.upload.ackResult).toBe(common.MavMissionResult.INVALID_PARAM4);
    expect(r.reason).toBe(`vehicle refused the mission at item ${loiter} (command 19), param4 = NaN: MAV_MISSION_INVALID_PARAM4`);
    expect(h.drone.missions.items('mission')).toHaveLength(1);
    const high = capturedMission();
    high[2] = { ...high[2]!, z: 1e308 };
    const r2 = await settle(h, uploadVerified(harnessContext(h), 'mission', high).result);
    expect(r2.reason).toContain('at item 2 (command 16), z (altitude) = 1e+308: MAV_MISSION_INVALID_PARAM7');
  });

  it('NO_SPACE for a list beyond storage; fence and rally are separate lists', async () => {
    harness();
    const rally = Array.from({ length: 11 }, (_, i) => ({ ...capturedMission()[2]!, seq: i, command: 5100 }));
    const r = await settle(h, uploadVerified(harnessContext(h), 'rally', rally).result);
    expect(r.reason).toContain('NO_SPACE');
    const ok = await settle(h, uploadVerified(harnessContext(h), 'rally', rally.slice(0, 3)).result);
    expect(ok.ok, ok.reason).toBe(true);
    const fence = [0, 1, 2, 3].map((i) => ({ ...capturedMission()[2]!, seq: i, command: 5001, frame: 0, params: [4, 0, 0, 0] as [number, number, number, number], x: 244798000 + (i % 2) * 1000, y: 1180894000 + (i >> 1) * 1000 }));
    const f = await settle(h, uploadVerified(harnessContext(h), 'fence', fence).result);
    expect(f.ok, f.reason).toBe(true);
    expect(h.drone.missions.items('rally')).toHaveLength(3);
    expect(h.drone.missions.items('fence')).toHaveLength(4);
    expect(h.drone.missions.items('mission')).toHaveLength(1); // home only
    const c = await settle(h, clear(harnessContext(h), 'fence').result);
    expect(c.outcome).toBe('ok');
    expect(h.drone.missions.items('fence')).toHaveLength(0);
  });

  it('read-back mismatch is detected (the vehicle corrupts an item)', async () => {
    harness();
    h.drone.missions.corrupt('mission', 4, (it) => ({ ...it, z: it.z + 0.05 }));
    const r = await settle(h, uploadVerified(harnessContext(h), 'mission', capturedMission()).result);
    expect(r.ok).toBe(false);
    expect(r.mismatches).toEqual([{ seq: 4, field: 'altitude', sent: 35, got: expect.closeTo(35.05, 3) }]);
    expect(r.reason).toContain('item 4 altitude');
  });

  it('a duplicate item draws INVALID_SEQUENCE and the transfer goes on; a legacy download request gets the warning', async () => {
    harness();
    const items = capturedMission();
    const ctx = harnessContext(h);
    // Answer every MISSION_REQUEST twice: the second copy is out of sequence.
    const off = h.gcs.onMessage((rx) => {
      if (rx.frame.msgid === 40) {
        const seq = (rx.message as common.MissionRequest).seq;
        if (seq > 0) h.gcs.send(make(common.MissionItemInt, { targetSystem: 1, targetComponent: 1, seq: seq - 1, command: 16, frame: 3, missionType: 0 } as Partial<common.MissionItemInt>));
      }
    });
    const r = await settle(h, uploadVerified(ctx, 'mission', items).result);
    off();
    expect(r.ok, r.reason).toBe(true);
    expect(h.drone.missions.stats.invalidSequence).toBeGreaterThan(0);
    h.gcs.send(make(common.MissionRequest, { targetSystem: 1, targetComponent: 1, seq: 1, missionType: 0 } as Partial<common.MissionRequest>));
    h.advance(100);
    expect(h.texts()).toContain('got MISSION_REQUEST; use MISSION_REQUEST_INT!');
    expect(h.of(39)).toHaveLength(1);
  });

  it('every MISSION_ACK lost: the upload is unconfirmed, the read-back decides (and succeeds), never assumed', async () => {
    h = new GcsHarness({ home: HOME, warmupMs: 5000, faults: [{ kind: 'drop', messages: [47] }] });
    h.advance(3000);
    const r = await settle(h, uploadVerified(harnessContext(h, { retries: 3 }), 'mission', capturedMission()).result);
    expect(r.upload.outcome).toBe('unconfirmed');
    expect(r).toMatchObject({ ok: true, verifiedBy: 'readback' });
    // …and with the stored mission corrupted as well, the same situation is a failure.
    h.drone.missions.corrupt('mission', 2, (it) => ({ ...it, command: 17 }));
    const bad = await settle(h, uploadVerified(harnessContext(h, { retries: 3 }), 'mission', capturedMission()).result);
    expect(bad.ok).toBe(false);
    expect(bad.reason).toContain('item 2 command');
  });

  it('set current: MISSION_SET_CURRENT answered with MISSION_CURRENT', async () => {
    harness();
    await settle(h, uploadVerified(harnessContext(h), 'mission', capturedMission()).result);
    const r = await settle(h, setCurrent(harnessContext(h), 4).result);
    expect(r.outcome).toBe('ok');
    // The answer went out once; no MISSION_CURRENT stream was asked for, so none follows.
    const n = h.of(42).length;
    expect(n).toBe(1);
    h.advance(3000);
    expect(h.of(42)).toHaveLength(n);
    // An item the mission does not hold: no answer at all.
    const bad = await settle(h, setCurrent(harnessContext(h, { retries: 1 }), 40).result);
    expect(bad.outcome).not.toBe('ok');
    expect(h.of(42)).toHaveLength(n);
  });

  it('re-requests after 1 s of silence and gives up after 8 s with OPERATION_CANCELLED', () => {
    harness();
    h.gcs.send(make(common.MissionCount, { targetSystem: 1, targetComponent: 1, count: 3, missionType: 0 } as Partial<common.MissionCount>));
    h.advance(9000);
    expect(h.of<common.MissionRequest>(40).length).toBeGreaterThanOrEqual(8);
    expect(h.of<common.MissionAck>(47).at(-1)?.type).toBe(common.MavMissionResult.OPERATION_CANCELLED);
  });
});
