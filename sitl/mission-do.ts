/**
 * The DO and CONDITION items of AUTO that act at once (mission-auto.ts runs the NAV items): speed, region of
 * interest, gimbal, yaw, and the camera commands, which the simulator counts instead of taking pictures.
 */
import { MAV_CMD } from '../common/mav-cmd.js';
import type { WireItem } from '../mavlink/services/mission/types.js';
import { enuFromLatLon, fromE7, wrap360, type Home } from './geo.js';
import type { CopterPhysics } from './physics.js';

/** What the camera commands of a mission did (tests read them). */
export interface CameraCounters {
  photos: number;
  photoCommands: number;
  videoStarts: number;
  videoStops: number;
  triggerDistance: number;
  digicam: number;
}

/** What a DO item may change on the drone. */
export interface DoHost {
  readonly physics: CopterPhysics;
  readonly home: Home;
  readonly gimbal: { pitchDeg: number; yawDeg: number };
  readonly nav: { speedMps: number | undefined; roi: { eM: number; nM: number } | undefined };
}

const NAMES: Readonly<Record<number, string>> = {
  16: 'WP', 17: 'LoitUnlim', 18: 'LoitTurns', 19: 'LoitTime', 20: 'RTL', 21: 'Land', 22: 'Takeoff', 112: 'CondDelay',
  114: 'CondDist', 115: 'CondYaw', 177: 'Jump', 178: 'ChangeSpeed', 195: 'SetROI', 197: 'ROINone', 201: 'SetROI',
  203: 'Digicam', 205: 'MountControl', 206: 'SetCamTrigDst', 1000: 'GimbalPitchYaw', 2000: 'ImageStartCapture',
  2001: 'ImageStopCapture', 2500: 'VideoStartCapture', 2501: 'VideoStopCapture',
};

/** The name ArduCopter prints for a mission command ("Mission: 3 WP"). */
export const commandName = (command: number): string => NAMES[command] ?? `Cmd${command}`;

/** Run one DO/CONDITION item. Returns the heading to hold when the item sets one (CONDITION_YAW). */
export function runDoItem(it: WireItem, h: DoHost, camera: CameraCounters): number | undefined {
  const p = it.params;
  switch (it.command) {
    case MAV_CMD.DO_CHANGE_SPEED:
      if (p[1] > 0) h.nav.speedMps = p[1];
      break;
    case MAV_CMD.DO_SET_ROI_LOCATION:
    case MAV_CMD.DO_SET_ROI: {
      if (it.x === 0 && it.y === 0) h.nav.roi = undefined;
      else h.nav.roi = enuFromLatLon(h.home, fromE7(it.x), fromE7(it.y));
      break;
    }
    case MAV_CMD.DO_SET_ROI_NONE:
      h.nav.roi = undefined;
      break;
    case MAV_CMD.DO_MOUNT_CONTROL:
      h.gimbal.pitchDeg = Math.max(-90, Math.min(30, p[0]));
      h.gimbal.yawDeg = p[2];
      break;
    case MAV_CMD.DO_GIMBAL_MANAGER_PITCHYAW:
      if (Number.isFinite(p[0])) h.gimbal.pitchDeg = Math.max(-90, Math.min(30, p[0]));
      if (Number.isFinite(p[1])) h.gimbal.yawDeg = p[1];
      break;
    case MAV_CMD.CONDITION_YAW: {
      const s = h.physics.state;
      const dir = p[2] < 0 ? -1 : 1;
      return p[3] !== 0 ? wrap360(s.yawDeg + dir * p[0]) : wrap360(p[0]);
    }
    case MAV_CMD.IMAGE_START_CAPTURE:
      camera.photoCommands++;
      camera.photos += p[2] > 0 ? p[2] : 1;
      break;
    case MAV_CMD.VIDEO_START_CAPTURE:
      camera.videoStarts++;
      break;
    case MAV_CMD.VIDEO_STOP_CAPTURE:
      camera.videoStops++;
      break;
    case MAV_CMD.DO_DIGICAM_CONTROL:
      camera.digicam++;
      camera.photos++;
      break;
    case MAV_CMD.DO_SET_CAM_TRIGG_DIST:
      camera.triggerDistance = p[0];
      break;
    default:
      break;
  }
  return undefined;
}
