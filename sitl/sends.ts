/**
 * Every message the simulated ArduCopter sends, when, and on whose word. ASSUMPTIONS.md ("What the simulator
 * sends") words the same table for people; sends.test.ts holds the simulator to it: flown without asking for
 * anything, it sends nothing marked `unasked: null`, so a station that forgets to ask fails here as it would on
 * a real drone.
 *
 * `unasked`: what brings it without a request (null: nothing; only a stream request or REQUEST_MESSAGE);
 * `maxUnasked`: at most this many unasked copies in one boot-to-landing flight (undefined: one per event);
 * `asked`: how a GCS asks for it; `source`: where ArduPilot does it (file and function) or the capture.
 */
import { common } from 'mavlink-mappings';
import { MSG, STREAM_GROUPS } from './link.js';

export interface SentMessage {
  id: number;
  name: string;
  unasked: string | null;
  maxUnasked?: number;
  asked: string | null;
  source: string;
}

const G = common.MavDataStream;
const groupName = (g: number): string => (common.MavDataStream as unknown as Record<number, string>)[g] ?? String(g);

/** The REQUEST_DATA_STREAM group a scheduled message belongs to, worded for the table. */
function streamed(id: number): string {
  for (const [g, ids] of STREAM_GROUPS) if (ids.includes(id)) return `stream: SET_MESSAGE_INTERVAL, or REQUEST_DATA_STREAM ${groupName(g)}/ALL; REQUEST_MESSAGE`;
  return 'stream: SET_MESSAGE_INTERVAL only (in no group); REQUEST_MESSAGE';
}

const COPTER_STREAMS = 'ArduCopter/GCS_MAVLink_Copter.cpp STREAM_*_msgs; libraries/GCS_MAVLink/GCS_Common.cpp set_message_interval, handle_request_data_stream';

export const SENT_MESSAGES: readonly SentMessage[] = [
  { id: MSG.HEARTBEAT, name: 'HEARTBEAT', unasked: '1 Hz from power-on on every link; again at once after a mode change, arm and disarm', asked: 'SET_MESSAGE_INTERVAL may re-time it', source: 'GCS_Common.cpp (MSG_HEARTBEAT always scheduled); capture §1' },
  { id: MSG.SYS_STATUS, name: 'SYS_STATUS', unasked: 'once, when the GCS first speaks on a link', maxUnasked: 1, asked: streamed(MSG.SYS_STATUS), source: `${COPTER_STREAMS}; capture §3/§5 (once after the GCS's first packet)` },
  { id: MSG.GPS_RAW_INT, name: 'GPS_RAW_INT', unasked: null, asked: streamed(MSG.GPS_RAW_INT), source: COPTER_STREAMS },
  { id: MSG.MISSION_CURRENT, name: 'MISSION_CURRENT', unasked: null, asked: `${streamed(MSG.MISSION_CURRENT)}; the answer to MISSION_SET_CURRENT (seq as asked, that link, when taken)`, source: `${COPTER_STREAMS} (MSG_CURRENT_WAYPOINT in EXTENDED_STATUS); GCS_Common.cpp handle_mission_set_current; issue 13's tlog (no MISSION_CURRENT unasked)` },
  { id: MSG.ATTITUDE, name: 'ATTITUDE', unasked: null, asked: streamed(MSG.ATTITUDE), source: COPTER_STREAMS },
  { id: MSG.GLOBAL_POSITION_INT, name: 'GLOBAL_POSITION_INT', unasked: null, asked: streamed(MSG.GLOBAL_POSITION_INT), source: COPTER_STREAMS },
  { id: MSG.GPS_GLOBAL_ORIGIN, name: 'GPS_GLOBAL_ORIGIN', unasked: 'when the EKF origin is set, and once when the GCS first speaks on a link (if set)', maxUnasked: 2, asked: 'SET_MESSAGE_INTERVAL; REQUEST_MESSAGE', source: 'AP_AHRS origin set → GCS send; capture "Firmware facts"' },
  { id: MSG.VFR_HUD, name: 'VFR_HUD', unasked: null, asked: streamed(MSG.VFR_HUD), source: COPTER_STREAMS },
  { id: MSG.BATTERY_STATUS, name: 'BATTERY_STATUS', unasked: null, asked: streamed(MSG.BATTERY_STATUS), source: COPTER_STREAMS },
  { id: MSG.EKF_STATUS_REPORT, name: 'EKF_STATUS_REPORT', unasked: null, asked: streamed(MSG.EKF_STATUS_REPORT), source: COPTER_STREAMS },
  { id: MSG.EXTENDED_SYS_STATE, name: 'EXTENDED_SYS_STATE', unasked: null, asked: streamed(MSG.EXTENDED_SYS_STATE), source: 'capture §1 (not in the ALL streams)' },
  { id: MSG.MOUNT_STATUS, name: 'MOUNT_STATUS', unasked: null, asked: streamed(MSG.MOUNT_STATUS), source: 'capture §1 (no mount configured: not in the ALL streams)' },
  { id: MSG.HOME_POSITION, name: 'HOME_POSITION', unasked: 'when home is set, at arming, and once when the GCS first speaks on a link (if set)', maxUnasked: 3, asked: 'SET_MESSAGE_INTERVAL; REQUEST_MESSAGE', source: 'capture (19.925 s, 41.947 s); AP_AHRS set_home → send_home_all' },
  { id: MSG.AUTOPILOT_VERSION, name: 'AUTOPILOT_VERSION', unasked: null, asked: 'REQUEST_MESSAGE', source: 'GCS_Common.cpp handle_command_request_message; capture §1 (0.917 → 0.940 s)' },
  { id: MSG.TIMESYNC, name: 'TIMESYNC', unasked: 'every 10 s on links the GCS has spoken on; the answer to a GCS TIMESYNC request', asked: 'TIMESYNC (tc1 = 0)', source: 'GCS_Common.cpp send_timesync / handle_timesync; capture "Firmware facts"' },
  { id: 253, name: 'STATUSTEXT', unasked: 'on events (boot texts, arming, modes, failsafes, mission items, uploads): to every link in the first 3 s of boot, later only to links the GCS has spoken on', asked: null, source: 'GCS_Common.cpp send_text / service_statustext; ARDUPILOT-NOTES.md "Streams"' },
  { id: 77, name: 'COMMAND_ACK', unasked: null, asked: 'the answer to COMMAND_LONG / COMMAND_INT / SET_MODE, to the sender', source: 'GCS_Common.cpp handle_command_long / _int' },
  { id: 22, name: 'PARAM_VALUE', unasked: 'index 65535 to active links when a parameter changes', asked: 'PARAM_REQUEST_LIST / _READ / PARAM_SET', source: 'GCS_Param.cpp send_parameter_value_all; capture (57 unsolicited)' },
  { id: 46, name: 'MISSION_ITEM_REACHED', unasked: 'on the event, to every link the GCS has spoken on', asked: null, source: 'AP_Mission → gcs().send_mission_item_reached_message' },
  { id: 47, name: 'MISSION_ACK', unasked: null, asked: 'the end (or error) of an upload, a clear, a cancelled transfer', source: 'MissionItemProtocol.cpp' },
  { id: 40, name: 'MISSION_REQUEST', unasked: null, asked: 'during an upload the GCS started (legacy id 40, never _INT)', source: 'MissionItemProtocol.cpp queued_request_send; ARDUPILOT-NOTES.md "Missions"' },
  { id: 44, name: 'MISSION_COUNT', unasked: null, asked: 'MISSION_REQUEST_LIST', source: 'MissionItemProtocol.cpp handle_mission_request_list' },
  { id: 73, name: 'MISSION_ITEM_INT', unasked: null, asked: 'MISSION_REQUEST_INT', source: 'MissionItemProtocol.cpp handle_mission_request_int' },
  { id: 39, name: 'MISSION_ITEM', unasked: null, asked: 'a legacy MISSION_REQUEST (with the warning text)', source: 'MissionItemProtocol.cpp handle_mission_request' },
  { id: 110, name: 'FILE_TRANSFER_PROTOCOL', unasked: null, asked: 'MAVFTP requests', source: 'GCS_FTP.cpp' },
  { id: 118, name: 'LOG_ENTRY', unasked: null, asked: 'LOG_REQUEST_LIST', source: 'AP_Logger_MAVLinkLogTransfer.cpp' },
  { id: 120, name: 'LOG_DATA', unasked: null, asked: 'LOG_REQUEST_DATA', source: 'AP_Logger_MAVLinkLogTransfer.cpp' },
  // The camera component (compid 100, only with a videoUri): mavlink-camera-manager.
  { id: 259, name: 'CAMERA_INFORMATION', unasked: null, asked: 'REQUEST_MESSAGE to the camera component', source: 'mavlink-camera-manager mavlink_camera.rs' },
  { id: 269, name: 'VIDEO_STREAM_INFORMATION', unasked: null, asked: 'REQUEST_MESSAGE to the camera component', source: 'mavlink-camera-manager mavlink_camera.rs' },
];

export const SENT_BY_ID: ReadonlyMap<number, SentMessage> = new Map(SENT_MESSAGES.map((m) => [m.id, m]));

/** Stream groups the simulator models, for the table's wording (ArduCopter's carry more messages). */
export const MODELLED_GROUPS: readonly number[] = [G.EXTENDED_STATUS, G.POSITION, G.EXTRA1, G.EXTRA2, G.EXTRA3];
