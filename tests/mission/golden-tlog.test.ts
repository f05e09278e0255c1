/**
 * Golden test against real ArduCopter 4.7 (copter-mission-flight.tlog): the captured mission upload and
 * download are replayed through our machines. The vehicle's frames are fed in as recorded; our machines must
 * send what the capture's GCS sent (same messages, same items), finish 'ok', and the read-back verification
 * must accept ArduPilot's normalised items with the ArduPilot quirks (and notice the differences without).
 */
import { common } from 'mavlink-mappings';
import { describe, expect, it } from 'vitest';
import { decodePayload, type MavLinkData } from '../../mavlink/codec/messages.js';
import { ARDUPILOT_COPTER, GENERIC } from '../../mavlink/quirks.js';
import { createClear, simpleMachine, type SimpleResult, type SimpleState } from '../../mavlink/services/mission/clear.js';
import { createDownload, downloadMachine, type DownloadResult, type DownloadState } from '../../mavlink/services/mission/download.js';
import { Bench, describe as name } from '../../mavlink/services/mission/machine-testkit.js';
import { wireItemOf, type WireItem } from '../../mavlink/services/mission/types.js';
import { createUpload, uploadMachine, type UploadResult, type UploadState } from '../../mavlink/services/mission/upload.js';
import { verifyItems } from '../../mavlink/services/mission/verify.js';
import { readTlogFile } from '../../station/storage/tlog.js';

const MISSION_IDS = new Set([39, 40, 41, 43, 44, 45, 47, 51, 73]);

interface Rec { t: number; fromGcs: boolean; msgid: number; m: MavLinkData }

function missionExchange(): Rec[] {
  const recs = readTlogFile(new URL('../fixtures/copter-mission-flight.tlog', import.meta.url).pathname);
  const t0 = recs[0]!.timeUs;
  const out: Rec[] = [];
  for (const r of recs) {
    if (!MISSION_IDS.has(r.frame.msgid)) continue;
    const m = decodePayload(r.frame.msgid, r.frame.payload);
    if (m) out.push({ t: (r.timeUs - t0) / 1e6, fromGcs: r.frame.sysid === 255, msgid: r.frame.msgid, m });
  }
  return out;
}

const PEER = { targetSystem: 1, targetComponent: 1, gcsSysid: 255, gcsCompid: 190 };

describe('the captured ArduCopter mission exchange, replayed', () => {
  const ex = missionExchange();
  // The GCS's MISSION_REQUEST_LIST divides the upload (clear + upload) from the download.
  const split = ex.findIndex((r) => r.fromGcs && r.msgid === 43);
  const uploadPart = ex.slice(0, split);
  const downloadPart = ex.slice(split);
  const ackIdx = uploadPart.findIndex((r, i) => i > 2 && r.msgid === 47 && !r.fromGcs && (r.m as common.MissionAck).type === 0);
  const sentItems: WireItem[] = uploadPart.filter((r) => r.fromGcs && r.msgid === 73).map((r) => wireItemOf(r.m)!);

  it('the capture holds the exchange the README describes', () => {
    expect(ackIdx).toBeGreaterThan(0);
    expect(uploadPart.filter((r) => !r.fromGcs && r.msgid === 40)).toHaveLength(7); // legacy MISSION_REQUEST
    expect(uploadPart.filter((r) => r.msgid === 51)).toHaveLength(0);
    expect(sentItems).toHaveLength(7);
  });

  it('upload: clear, then COUNT 7 and one MISSION_ITEM_INT per legacy MISSION_REQUEST, as the capture\'s GCS did; ok', () => {
    const vehicle = uploadPart.filter((r) => !r.fromGcs);
    // MISSION_CLEAR_ALL → MISSION_ACK
    const clear = new Bench<SimpleState, SimpleResult>(simpleMachine, createClear(PEER, 'mission')).start();
    clear.recv(vehicle[0]!.m);
    expect(clear.result.outcome).toBe('ok');
    const up = new Bench<UploadState, UploadResult>(uploadMachine, createUpload(PEER, 'mission', sentItems, ARDUPILOT_COPTER)).start();
    for (const r of vehicle.slice(1)) up.recv(r.m);
    expect(up.result).toMatchObject({ outcome: 'ok', resends: 0, itemsDone: 7 });
    const gcsSent = uploadPart.filter((r) => r.fromGcs).map((r) => name(r.m));
    expect(['CLEAR_ALL', ...up.log]).toEqual(gcsSent);
    // Item for item the same fields as the capture's GCS sent.
    const ours = up.sent.filter((m): m is common.MissionItemInt => m instanceof common.MissionItemInt).map((m) => wireItemOf(m));
    expect(ours).toEqual(sentItems);
  });

  it('download: REQUEST_LIST, COUNT 7, MISSION_REQUEST_INT per item, our ACK; read-back verifies with ArduPilot quirks', () => {
    const vehicle = downloadPart.filter((r) => !r.fromGcs);
    const down = new Bench<DownloadState, DownloadResult>(downloadMachine, createDownload(PEER, 'mission')).start();
    for (const r of vehicle) down.recv(r.m);
    expect(down.result.outcome).toBe('ok');
    expect(down.log).toEqual(downloadPart.filter((r) => r.fromGcs).map((r) => name(r.m)));
    const back = down.result.items;
    expect(back[0]).toMatchObject({ frame: 0, x: 244797999, z: expect.closeTo(10.1, 3) });
    const v = verifyItems('mission', sentItems, back, ARDUPILOT_COPTER);
    expect(v).toMatchObject({ ok: true, compared: 6 });
    // Compared byte for byte (generic rules) the read-back differs: frames 6→3 / 0, LOITER_TIME param3 0→1.
    const strict = verifyItems('mission', sentItems, back, GENERIC);
    expect(strict.ok).toBe(false);
    expect(strict.mismatches.map((m) => `${m.seq}:${m.field}`)).toEqual(expect.arrayContaining(['0:frame', '1:frame', '3:frame', '4:param3', '6:frame']));
  });
});
