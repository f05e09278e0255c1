/**
 * Dispatch of messages a simulated drone receives on a link: the GCS heartbeat (feeds the GCS failsafe
 * only from MAV_GCS_SYSID), stream requests, commands (COMMAND_LONG/INT → COMMAND_ACK), SET_MODE (acked
 * with command = 11, the message id, as ArduPilot does), parameters, guided position/velocity targets and
 * TIMESYNC. Messages addressed to another system are ignored.
 */
import { common, minimal } from 'mavlink-mappings';
import type { Clock } from '../common/clock.js';
import type { Received } from '../mavlink/connection.js';
import { make, type MavLinkData } from '../mavlink/codec/messages.js';
import type { CommandHandler, CommandIn } from './commands.js';
import type { Failsafes } from './failsafes.js';
import type { FileServices } from './ftp-services.js';
import { enuFromLatLon, fromE7, type Home } from './geo.js';
import type { SimLink } from './link.js';
import type { MissionServer } from './mission-server.js';
import { Mode, type FlightController } from './modes.js';
import type { ParamServer } from './param-server.js';
import type { ParamStore } from './params.js';

/** What the dispatcher needs of the drone (SimDrone is one); declared here so this file does not import drone.ts. */
export interface IncomingHost {
  readonly clock: Clock;
  readonly sysid: number;
  readonly compid: number;
  readonly home: Home;
  readonly mode: number;
  readonly flying: boolean;
  readonly params: Pick<ParamStore, 'get'>;
  readonly nav: Pick<FlightController, 'velocity'>;
  readonly failsafes: Pick<Failsafes, 'gcsHeartbeat'>;
  readonly fileServices: Pick<FileServices, 'handle'>;
  readonly missions: Pick<MissionServer, 'handle'>;
  setupSigning(m: common.SetupSigning): void;
  sendOn(link: SimLink, msg: MavLinkData, peer?: string): void;
  setMode(mode: number): number;
  forcedResult(command: number): number | undefined;
  gotoEnu(eM: number, nM: number, upM: number, speedMps?: number): number;
}

const R = common.MavResult;

/** Bits of SET_POSITION_TARGET type_mask. */
const IGNORE_POS = 0b111;
const IGNORE_VEL = 0b111000;

function forUs(drone: IncomingHost, targetSystem: number, targetComponent?: number): boolean {
  if (targetSystem !== 0 && targetSystem !== drone.sysid) return false;
  return targetComponent === undefined || targetComponent === 0 || targetComponent === drone.compid;
}

export function handleIncoming(drone: IncomingHost, link: SimLink, rx: Received, commands: CommandHandler, params: ParamServer): void {
  const m = rx.message;
  if (!m) return;
  const peer = rx.peer;
  switch (rx.frame.msgid) {
    case 256: {
      const s = m as common.SetupSigning;
      if (forUs(drone, s.targetSystem, s.targetComponent)) drone.setupSigning(s);
      return;
    }
    case 0:
      if (rx.frame.sysid === drone.params.get('MAV_GCS_SYSID')) drone.failsafes.gcsHeartbeat();
      return;
    case 66: {
      const r = m as common.RequestDataStream;
      if (forUs(drone, r.targetSystem, r.targetComponent)) link.requestDataStream(r.reqStreamId, r.reqMessageRate, r.startStop !== 0);
      return;
    }
    case 76:
    case 75: {
      const c = m as common.CommandLong & Partial<common.CommandInt>;
      if (!forUs(drone, c.targetSystem, c.targetComponent)) return;
      const isInt = rx.frame.msgid === 75;
      const ci = m as common.CommandInt;
      const cmd: CommandIn = {
        command: c.command,
        params: [c._param1, c._param2, c._param3, c._param4, isInt ? ci._param5 : c._param5, isInt ? ci._param6 : c._param6, c._param7],
        confirmation: isInt ? 0 : (c.confirmation ?? 0),
        fromSysid: rx.frame.sysid,
        fromCompid: rx.frame.compid,
        ...(isInt ? { int: { frame: ci.frame, x: ci._param5, y: ci._param6 } } : {}),
      };
      const out = commands.handle(cmd, link, peer);
      drone.sendOn(
        link,
        make(common.CommandAck, { command: cmd.command, result: out.result, progress: 0, resultParam2: 0, targetSystem: rx.frame.sysid, targetComponent: rx.frame.compid }),
        peer,
      );
      out.after?.();
      return;
    }
    case 11: {
      const s = m as common.SetMode;
      if (s.targetSystem !== drone.sysid) return;
      const forced = drone.forcedResult(11);
      const result = forced ?? ((s.baseMode & minimal.MavModeFlag.CUSTOM_MODE_ENABLED) !== 0 ? drone.setMode(s.customMode) : R.DENIED);
      drone.sendOn(link, make(common.CommandAck, { command: 11 as common.MavCmd, result, targetSystem: rx.frame.sysid, targetComponent: rx.frame.compid }), peer);
      return;
    }
    case 21: {
      const r = m as common.ParamRequestList;
      if (forUs(drone, r.targetSystem, r.targetComponent)) params.requestList(link, peer);
      return;
    }
    case 20: {
      const r = m as common.ParamRequestRead;
      if (forUs(drone, r.targetSystem, r.targetComponent)) params.requestRead(link, peer, r);
      return;
    }
    case 23: {
      const r = m as common.ParamSet;
      if (forUs(drone, r.targetSystem, r.targetComponent)) params.set(r);
      return;
    }
    case 86: {
      const t = m as common.SetPositionTargetGlobalInt;
      if (!forUs(drone, t.targetSystem, t.targetComponent) || drone.mode !== Mode.GUIDED || !drone.flying) return;
      positionTarget(drone, t);
      return;
    }
    case 111: {
      const t = m as common.TimeSync;
      if (t.tc1 === 0n) {
        const ns = BigInt(Math.round(drone.clock.now() * 1e6));
        drone.sendOn(link, make(common.TimeSync, { tc1: ns, ts1: t.ts1, targetSystem: rx.frame.sysid, targetComponent: rx.frame.compid }), peer);
      }
      return;
    }
    case 110:
    case 117:
    case 119:
    case 121:
    case 122:
      // MAVFTP and the LOG_* protocol (ftp-services.ts).
      drone.fileServices.handle(link, rx);
      return;
    default:
      // Mission protocol (MISSION_COUNT, _ITEM(_INT), _REQUEST(_INT), _REQUEST_LIST, _CLEAR_ALL, _SET_CURRENT, _ACK).
      drone.missions.handle(link, rx);
      return;
  }
}

function positionTarget(drone: IncomingHost, t: common.SetPositionTargetGlobalInt): void {
  const F = common.MavFrame;
  if ((t.typeMask & IGNORE_POS) === 0) {
    const { eM, nM } = enuFromLatLon(drone.home, fromE7(t.latInt), fromE7(t.lonInt));
    const amsl = t.coordinateFrame === F.GLOBAL_INT || t.coordinateFrame === F.GLOBAL;
    const upM = amsl ? t.alt - drone.home.altAmslM : t.alt;
    drone.gotoEnu(eM, nM, upM);
  } else if ((t.typeMask & IGNORE_VEL) === 0) {
    // NED velocity → ENU.
    drone.nav.velocity(t.vy, t.vx, -t.vz);
  }
}
