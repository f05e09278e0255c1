import { common, minimal } from 'mavlink-mappings';
import { afterEach, describe, expect, it } from 'vitest';
import { make } from '../mavlink/codec/messages.js';
import { CAMERA_COMPID, streamTypeOfUri } from './camera.js';
import { parseSimArgs } from './cli.js';
import { SimFleet } from './fleet.js';
import { GcsHarness, TEST_HOME } from './testkit.js';

const C = common.MavCmd;
const R = common.MavResult;
let h: GcsHarness | undefined;
afterEach(() => h?.stop());

/** COMMAND_LONG to one component; returns the ACKs and camera messages the GCS got back, in order. */
function request(hh: GcsHarness, compid: number, msgid: number, param2 = 0, command: number = C.REQUEST_MESSAGE): { from: number; msgid: number; message: unknown }[] {
  const got: { from: number; msgid: number; message: unknown }[] = [];
  const off = hh.gcs.onMessage((r) => {
    if ([77, 259, 269].includes(r.frame.msgid)) got.push({ from: r.frame.compid, msgid: r.frame.msgid, message: r.message });
  });
  hh.gcs.send(make(common.CommandLong, { targetSystem: hh.drone.sysid, targetComponent: compid, command, confirmation: 0, _param1: msgid, _param2: param2 } as Partial<common.CommandLong>));
  hh.advance(500, 10);
  off();
  return got;
}

describe('SimCamera (a MAVLink camera component like mavlink-camera-manager)', () => {
  it('heartbeats at 1 Hz as component 100, MAV_TYPE_CAMERA, autopilot INVALID, also while the autopilot reboots', () => {
    h = new GcsHarness({ videoUri: 'udp://0.0.0.0:5600' });
    const hbs: { compid: number; hb: minimal.Heartbeat; atMs: number }[] = [];
    h.gcs.onMessage((r) => r.message instanceof minimal.Heartbeat && hbs.push({ compid: r.frame.compid, hb: r.message, atMs: r.atMs }));
    h.advance(10_000);
    const cam = hbs.filter((x) => x.compid === CAMERA_COMPID);
    expect(cam.length).toBeGreaterThanOrEqual(9);
    expect(cam.length).toBeLessThanOrEqual(11);
    expect(cam[0]!.hb).toMatchObject({ type: minimal.MavType.CAMERA, autopilot: minimal.MavAutopilot.INVALID, systemStatus: minimal.MavState.STANDBY });
    expect(hbs.filter((x) => x.compid === 1).length).toBeGreaterThanOrEqual(9);
    // Reboot the autopilot: it goes silent for 3 s, the camera does not.
    expect(h.command(C.PREFLIGHT_REBOOT_SHUTDOWN, [1])).toBe(R.ACCEPTED);
    const t0 = h.clock.now() + 100;
    h.advance(2500);
    expect(hbs.filter((x) => x.atMs > t0 && x.compid === 1)).toHaveLength(0);
    expect(hbs.filter((x) => x.atMs > t0 && x.compid === CAMERA_COMPID).length).toBeGreaterThanOrEqual(2);
  });

  it('REQUEST_MESSAGE: ACK then CAMERA_INFORMATION / VIDEO_STREAM_INFORMATION; unknown stream or message DENIED; other commands UNSUPPORTED', () => {
    h = new GcsHarness({ videoUri: 'udp://0.0.0.0:5600' });
    h.advance(1500);
    const info = request(h, CAMERA_COMPID, 259);
    expect(info.map((x) => [x.from, x.msgid])).toEqual([[100, 77], [100, 259]]);
    expect(info[0]!.message).toMatchObject({ command: C.REQUEST_MESSAGE, result: R.ACCEPTED, targetSystem: 255, targetComponent: 190 });
    expect((info[1]!.message as common.CameraInformation).flags & common.CameraCapFlags.HAS_VIDEO_STREAM).toBeTruthy();
    const vsi = request(h, CAMERA_COMPID, 269, 0);
    expect(vsi.map((x) => [x.from, x.msgid])).toEqual([[100, 77], [100, 269]]);
    expect(vsi[1]!.message).toMatchObject({
      streamId: 1,
      count: 1,
      type: common.VideoStreamType.RTPUDP,
      encoding: common.VideoStreamEncoding.H264,
      flags: common.VideoStreamStatusFlags.RUNNING,
      uri: 'udp://0.0.0.0:5600',
    });
    expect(request(h, CAMERA_COMPID, 269, 1).map((x) => x.msgid)).toEqual([77, 269]);
    expect(request(h, CAMERA_COMPID, 269, 2).map((x) => (x.message as common.CommandAck).result)).toEqual([R.DENIED]);
    expect(request(h, CAMERA_COMPID, 33).map((x) => (x.message as common.CommandAck).result)).toEqual([R.DENIED]);
    expect(request(h, CAMERA_COMPID, 0, 0, C.VIDEO_START_CAPTURE).map((x) => (x.message as common.CommandAck).result)).toEqual([R.UNSUPPORTED]);
    // Broadcast (component 0) and the autopilot's id are not the camera's: only the autopilot answers those.
    expect(request(h, 0, 269).filter((x) => x.from === CAMERA_COMPID)).toHaveLength(0);
    expect(request(h, 1, 269).map((x) => [x.from, x.msgid])).toEqual([[1, 77]]);
  });

  it('without videoUri there is no camera; the autopilot ACCEPTs camera messages and sends nothing (ArduCopter 4.6+ without CAMn_TYPE)', () => {
    h = new GcsHarness();
    h.advance(3000);
    expect(h.rx.filter((r) => r.msgid === 0).every((r) => (r.message as minimal.Heartbeat).type === minimal.MavType.QUADROTOR)).toBe(true);
    for (const id of [259, 269]) {
      const got = request(h, 1, id);
      expect(got.map((x) => [x.from, x.msgid, (x.message as common.CommandAck).result])).toEqual([[1, 77, R.ACCEPTED]]);
    }
    expect(request(h, CAMERA_COMPID, 269)).toHaveLength(0);
  });

  it('derives type and encoding from the URI as mavlink-camera-manager does; an empty URI is type 0 with nothing in it', () => {
    const T = common.VideoStreamType;
    const E = common.VideoStreamEncoding;
    expect(streamTypeOfUri('rtsp://192.168.144.25:8554/main')).toEqual({ type: T.RTSP, encoding: E.H264 });
    expect(streamTypeOfUri('udp://192.168.2.1:5600')).toEqual({ type: T.RTPUDP, encoding: E.H264 });
    expect(streamTypeOfUri('5600')).toEqual({ type: T.RTPUDP, encoding: E.H264 });
    expect(streamTypeOfUri('udp265://0.0.0.0:5600')).toEqual({ type: T.RTPUDP, encoding: E.H265 });
    expect(streamTypeOfUri('tcp://10.0.0.2:5000')).toEqual({ type: T.TCP_MPEG, encoding: E.H264 });
    expect(streamTypeOfUri('mpegts://0.0.0.0:5600')).toEqual({ type: T.MPEG_TS, encoding: E.H264 });
    expect(streamTypeOfUri('')).toEqual({ type: T.RTSP, encoding: E.UNKNOWN });
  });

  it('SimFleet and `kongxun sim --video-uri` give drones their camera', async () => {
    const one = SimFleet.create({ drones: 2, home: { lat: TEST_HOME.lat, lon: TEST_HOME.lon, altAmslM: 10 }, tcp: false, videoUri: '5600' });
    expect(one.ok).toBe(true);
    if (!one.ok) return;
    expect(one.value.members.map((m) => m.drone.camera?.options.uri)).toEqual(['5600', '5600']);
    await one.value.stop();
    const each = SimFleet.create({ drones: 3, home: { lat: TEST_HOME.lat, lon: TEST_HOME.lon, altAmslM: 10 }, tcp: false, videoUri: ['udp://0.0.0.0:5600', 'rtsp://10.0.0.5/main'] });
    expect(each.ok && each.value.members.map((m) => m.drone.camera?.options.uri)).toEqual(['udp://0.0.0.0:5600', 'rtsp://10.0.0.5/main', undefined]);
    if (each.ok) await each.value.stop();
    expect(parseSimArgs(['--drones', '2', '--video-uri', 'udp://0.0.0.0:5600', '--video-uri', 'rtsp://h/x'])).toEqual({ ok: true, args: { drones: 2, videoUris: ['udp://0.0.0.0:5600', 'rtsp://h/x'] } });
    expect(parseSimArgs(['--video-uri'])).toMatchObject({ ok: false });
  });
});
