/**
 * A MAVLink camera on the drone's companion computer, as mavlink-camera-manager (Blue Robotics) runs one:
 * its own component of the drone's system, MAV_COMP_ID_CAMERA (100), speaking camera protocol v2.
 *
 *   every 1 s        HEARTBEAT type MAV_TYPE_CAMERA (30), autopilot MAV_AUTOPILOT_INVALID (8), STANDBY
 *   COMMAND_LONG/INT to (sysid, 100), MAV_CMD_REQUEST_MESSAGE:
 *     259 CAMERA_INFORMATION          → ACK ACCEPTED, then CAMERA_INFORMATION (flags HAS_VIDEO_STREAM)
 *     269 VIDEO_STREAM_INFORMATION    → param2 0 (all) or our stream id 1: ACK ACCEPTED, then the stream;
 *                                       another stream id: ACK DENIED
 *     any other message id            → ACK DENIED
 *   any other command to us           → ACK UNSUPPORTED
 *   commands to another component, or to component 0 (broadcast), are not ours (the camera manager
 *   answers only when target system and component are exactly its own).
 *
 * The stream is described by `uri` (SimDroneOptions.videoUri): its type and encoding follow the URI as
 * mavlink-camera-manager derives them (rtsp:// → RTSP; udp:// or a bare port → RTP/UDP H.264; udp265:// →
 * RTP/UDP H.265; tcp:// → MPEG on TCP; mpegts:// → MPEG-TS), overridable for tests of odd cameras. An empty
 * URI gives what an ArduPilot camera backend sends when no script filled its stream information: type 0,
 * empty URI. The camera keeps running while the autopilot reboots (it is another computer). Time from the
 * drone's Clock. Sources and choices: ASSUMPTIONS.md, "Camera".
 */
import { common, minimal } from 'mavlink-mappings';
import type { Clock, TimerId } from '../common/clock.js';
import type { Received } from '../mavlink/connection.js';
import { make, type MavLinkData } from '../mavlink/codec/messages.js';
import type { SimLink } from './link.js';

/** MAV_COMP_ID_CAMERA: the first camera component id. */
export const CAMERA_COMPID = 100;
/** The one stream this camera offers (stream ids start at 1). */
export const CAMERA_STREAM_ID = 1;

const C = common.MavCmd;
const R = common.MavResult;
const MSG_CAMERA_INFORMATION = 259;
const MSG_VIDEO_STREAM_INFORMATION = 269;

export interface SimCameraOptions {
  /** The stream's URI as announced in VIDEO_STREAM_INFORMATION.uri ("udp://0.0.0.0:5600", "rtsp://…", "5600"). */
  uri: string;
  /** Override the VIDEO_STREAM_TYPE derived from the URI. */
  type?: number;
  /** Override the VIDEO_STREAM_ENCODING derived from the URI. */
  encoding?: number;
  /** VIDEO_STREAM_STATUS_FLAGS (default RUNNING). */
  flags?: number;
  name?: string;
}

/** What the camera needs of the drone that carries it. */
export interface CameraHost {
  readonly sysid: number;
  readonly clock: Clock;
  readonly links: readonly SimLink[];
  /** Send as another component of the drone's system (through the link fault rules). */
  sendAsComponent(link: SimLink, msg: MavLinkData, compid: number, peer?: string): void;
}

/** VIDEO_STREAM_TYPE and VIDEO_STREAM_ENCODING of a URI, as mavlink-camera-manager derives them. */
export function streamTypeOfUri(uri: string): { type: number; encoding: number } {
  const T = common.VideoStreamType;
  const E = common.VideoStreamEncoding;
  const u = uri.trim().toLowerCase();
  if (u === '') return { type: T.RTSP, encoding: E.UNKNOWN };
  if (u.startsWith('rtsp://')) return { type: T.RTSP, encoding: E.H264 };
  if (u.startsWith('udp265://')) return { type: T.RTPUDP, encoding: E.H265 };
  if (u.startsWith('udp://') || u.startsWith('rtp://') || /^\d+$/.test(u)) return { type: T.RTPUDP, encoding: E.H264 };
  if (u.startsWith('tcp://')) return { type: T.TCP_MPEG, encoding: E.H264 };
  if (u.startsWith('mpegts://')) return { type: T.MPEG_TS, encoding: E.H264 };
  return { type: T.RTSP, encoding: E.UNKNOWN };
}

function bytes32(s: string): number[] {
  const out = new Array<number>(32).fill(0);
  for (let i = 0; i < Math.min(31, s.length); i++) out[i] = s.charCodeAt(i) & 0x7f;
  return out;
}

export class SimCamera {
  readonly compid = CAMERA_COMPID;
  private readonly startMs: number;
  private readonly timer: TimerId;
  private stopped = false;

  constructor(
    private readonly host: CameraHost,
    readonly options: SimCameraOptions,
  ) {
    this.startMs = host.clock.now();
    this.timer = host.clock.setInterval(() => this.heartbeat(), 1000);
  }

  stop(): void {
    this.stopped = true;
    this.host.clock.clearInterval(this.timer);
  }

  private heartbeat(): void {
    if (this.stopped) return;
    const hb = make(minimal.Heartbeat, {
      type: minimal.MavType.CAMERA,
      autopilot: minimal.MavAutopilot.INVALID,
      baseMode: 0 as minimal.MavModeFlag,
      customMode: 0,
      systemStatus: minimal.MavState.STANDBY,
      mavlinkVersion: 3,
    });
    for (const l of this.host.links) this.host.sendAsComponent(l, hb, this.compid);
  }

  /** A message heard on one of the drone's links; commands addressed to the camera are answered. */
  receive(link: SimLink, rx: Received): void {
    if (this.stopped) return;
    const id = rx.frame.msgid;
    if (id !== 76 && id !== 75) return;
    const c = rx.message as (common.CommandLong | common.CommandInt) | undefined;
    if (!c || c.targetSystem !== this.host.sysid || c.targetComponent !== this.compid) return;
    const reply = (result: number, then?: MavLinkData): void => {
      const ack = make(common.CommandAck, { command: c.command, result, progress: 0, resultParam2: 0, targetSystem: rx.frame.sysid, targetComponent: rx.frame.compid });
      this.host.sendAsComponent(link, ack, this.compid, rx.peer);
      if (then) this.host.sendAsComponent(link, then, this.compid, rx.peer);
    };
    if (c.command !== C.REQUEST_MESSAGE) return reply(R.UNSUPPORTED);
    const msgid = Math.round(c._param1);
    if (msgid === MSG_CAMERA_INFORMATION) return reply(R.ACCEPTED, this.cameraInformation());
    if (msgid === MSG_VIDEO_STREAM_INFORMATION) {
      const stream = Math.round(c._param2);
      if (stream !== 0 && stream !== CAMERA_STREAM_ID) return reply(R.DENIED);
      return reply(R.ACCEPTED, this.videoStreamInformation());
    }
    return reply(R.DENIED);
  }

  cameraInformation(): common.CameraInformation {
    return make(common.CameraInformation, {
      timeBootMs: Math.max(0, Math.round(this.host.clock.now() - this.startMs)),
      vendorName: bytes32('Kongxun'),
      modelName: bytes32('SimCam'),
      firmwareVersion: 0,
      focalLength: NaN,
      sensorSizeH: NaN,
      sensorSizeV: NaN,
      resolutionH: 1280,
      resolutionV: 720,
      lensId: 0,
      flags: common.CameraCapFlags.HAS_VIDEO_STREAM,
      camDefinitionVersion: 0,
      camDefinitionUri: '',
      gimbalDeviceId: 0,
      cameraDeviceId: 0,
    });
  }

  videoStreamInformation(): common.VideoStreamInformation {
    const derived = streamTypeOfUri(this.options.uri);
    return make(common.VideoStreamInformation, {
      streamId: CAMERA_STREAM_ID,
      count: 1,
      type: (this.options.type ?? derived.type) as common.VideoStreamType,
      flags: (this.options.flags ?? common.VideoStreamStatusFlags.RUNNING) as common.VideoStreamStatusFlags,
      framerate: 30,
      resolutionH: 1280,
      resolutionV: 720,
      bitrate: 2_000_000,
      rotation: 0,
      hfov: 80,
      name: this.options.name ?? 'Sim camera',
      uri: this.options.uri,
      encoding: (this.options.encoding ?? derived.encoding) as common.VideoStreamEncoding,
      cameraDeviceId: 0,
    });
  }
}
