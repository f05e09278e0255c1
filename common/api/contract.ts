/**
 * The station's API contract: plain data the renderer and remote viewers receive over WebSocket (or IPC in
 * the desktop app), and the requests they may send. Types only, in common/ so the station and the renderer
 * share one copy (the renderer imports nothing of station/). Units are in the names; altitudes say their frame.
 */
import type { Schedule, ScheduleSortie } from '../formats/schedule.js';
import type { CommandOutcome } from '../mav-cmd.js';

export interface VehicleView {
  /** Fleet id (e.g. "JH-01") when the fleet file names this sysid, else "sys<N>". */
  id: string;
  sysid: number;
  compid: number;
  autopilot: string;
  /** The firmware flies MAV_CMD_DO_ORBIT (PX4); ArduCopter has no orbit command (mavlink/quirks.ts). Absent from older stations. */
  orbitCommand?: boolean;
  vehicleType: string;
  connected: boolean;
  links: string[];
  mode: string;
  armed: boolean;
  systemStatus: string;
  latDeg: number | null;
  lonDeg: number | null;
  altRelM: number | null;
  altAmslM: number | null;
  headingDeg: number | null;
  rollDeg: number | null;
  pitchDeg: number | null;
  groundSpeedMps: number | null;
  climbMps: number | null;
  batteryPct: number | null;
  batteryV: number | null;
  /**
   * Seconds until the battery reserve: energy-based, learned per drone from its own flights (null while it is
   * still learning the pack). In the air at the flight's filtered power; on the ground the endurance a flight
   * would get at the drone's learned flight power (`batteryTimeLeftKind` says which: 'flight' 剩余, 'endurance' 可飞).
   */
  batteryTimeLeftS: number | null;
  /** Which `batteryTimeLeftS` is (absent from an older station). */
  batteryTimeLeftKind?: 'flight' | 'endurance' | null;
  /**
   * Where `batteryTimeLeftS`'s energy comes from (absent from an older station): 'learned' from the drone's own
   * flights; 'prior' from its parameters only (BATT_CAPACITY and the cell count: docs/battery.md); 'mixed' when
   * bands not learned yet use the prior. null without a figure.
   */
  batteryTimeLeftSource?: 'learned' | 'prior' | 'mixed' | null;
  /**
   * The drone's parameters the planner's route estimate reads (RTL_ALT, RTL_SPEED, WPNAV_SPEED_UP, LAND_SPEED …:
   * ArduPilot names and units), from the last full set the station read from it (its parameter cache, kept
   * current by sets through the station); absent when the station has read none. The console checks them.
   */
  copterParams?: Record<string, number>;
  gpsFixType: number | null;
  gpsSatellites: number | null;
  gpsHdop: number | null;
  linkLossPct: number | null;
  rttMs: number | null;
  homeLatDeg: number | null;
  homeLonDeg: number | null;
  unhealthySensors: string[];
  lastText: string | null;
  /** MAV_SEVERITY of `lastText` (0 EMERGENCY … 4 WARNING, 5 NOTICE, 6 INFO, 7 DEBUG); absent from older stations. */
  lastTextSeverity?: number | null;
  landed: string;
  /**
   * Under the scheduled patrol (`serve --patrol`): the sortie it flies now, and whether the pilot has taken it
   * over (a flight command or a mission upload from a console does — not the camera or gimbal; the patrol leaves
   * it alone until released). Absent without a patrol.
   */
  patrol?: { sortie: string | null; takenOver: boolean; maintenance: boolean };
  /**
   * MAVLink signing on this drone's links: whether they sign; frames it sent unsigned that were accepted
   * and flagged (`--unsigned flag`: the card wears a badge); frames rejected on its links (bad signature,
   * unsigned under reject, replay), summed over them.
   */
  signing?: { signed: boolean; unsignedFrames: number; rejectedFrames: number };
}

export interface StationEvent {
  atMs: number;
  sysid?: number;
  kind: string;
  severity: 'info' | 'notice' | 'warning' | 'alert';
  /** English wording (logs, remote viewers); the console words it from kind + args in its own language. */
  text: string;
  /** What the wording needs: drone id, and e.g. from/to of a mode change, the autopilot's own text. */
  args?: Record<string, string>;
  /** The patrol runner's alerts (kind `patrol`): the message by code and parameters, which the console words. */
  said?: Said;
  /**
   * An alert of a drone with video carries a picture of the moment (issue 18): the drone's last keyframe as a
   * JPEG at GET /api/snapshots/<file> (DATA/snapshots), `atMs` = when that keyframe reached the station.
   */
  snapshot?: { file: string; atMs: number };
}

/**
 * A message by code and parameters (the patrol runner's alerts and events, station/patrol/said.ts): the console
 * words it in its language (`pa.<code>` in renderer/i18n.ts), the centre and the CLI read the English `text`
 * beside it. `why` are its causes (failing launch gates, a reassignment's reason), worded the same way; code
 * `text` carries words that have no code (`args.text`: the autopilot's own, or a cause from elsewhere).
 */
export interface Said {
  code: string;
  args?: Record<string, string>;
  why?: Said[];
}

export interface StationSnapshot {
  type: 'snapshot';
  atMs: number;
  station: string;
  simulated: boolean;
  vehicles: VehicleView[];
}

export type VehicleCommand =
  | { command: 'arm' }
  | { command: 'disarm'; force?: boolean }
  | { command: 'mode'; mode: string }
  | { command: 'takeoff'; altRelM: number }
  | { command: 'land' }
  | { command: 'rtl' }
  | { command: 'pause' }
  | { command: 'continue' }
  | { command: 'goto'; latDeg: number; lonDeg: number; altRelM: number }
  | { command: 'orbit'; latDeg: number; lonDeg: number; radiusM: number; velocityMps?: number }
  /** The drone's camera through MAVLink: record on board, one photo, zoom (0–100 % of its range). */
  | { command: 'camera'; action: 'record-start' | 'record-stop' | 'photo' | 'zoom'; zoomPct?: number }
  /** Point the gimbal: pitch (negative = down) and yaw from the nose, degrees; an absent axis stays as it is. */
  | { command: 'gimbal'; pitchDeg?: number; yawDeg?: number }
  /** Give a drone the pilot took over back to the scheduled patrol (nothing is sent to the drone). */
  | { command: 'release' };

/**
 * A pilot's explicit override of the station's rules (outside the jurisdiction, in a no-fly zone, above the
 * ceiling) with a written reason (4–500 characters) that the audit keeps. Only a pilot's override counts; a
 * number that is not a number is refused whatever the override.
 */
export interface Override {
  reason: string;
}

/**
 * "Go and look here" from the desk (a dispatcher or a pilot): the station's dispatcher picks the drone — the
 * nearest patrol drone (never one on a school post) or a ready docked one — flies it there, points the camera
 * at the point and orbits (radius > 0) or hovers for `holdS`, then resumes the patrol or returns.
 * Checked by the station: latitude/longitude finite and in range, radius 0–500 m, hold 10–1800 s, priority 1–3.
 */
export interface LookRequestView {
  latDeg: number;
  lonDeg: number;
  radiusM: number;
  /** 1 routine · 2 urgent · 3 emergency (higher is served first). */
  priority: number;
  holdS: number;
}

/**
 * An instruction from the sub-bureau centre for the desk (issue 17): its text, from whom, when it came (station
 * time, ms), and — once someone at the desk acknowledged it — who and when. The acknowledgement goes back to
 * the centre as the request's outcome (resources/formats/centre.md: delivered → acknowledged).
 */
export interface InstructionView {
  id: string;
  from: string;
  text: string;
  atMs: number;
  ack: { by: string; atMs: number } | null;
}

export type ClientMessage =
  | ({ type: 'command'; requestId: string; sysid: number; override?: Override } & VehicleCommand)
  | ({ type: 'look'; requestId: string } & LookRequestView)
  /** The desk acknowledges an instruction from the centre (a dispatcher or a pilot). */
  | { type: 'ack-instruction'; requestId: string; id: string }
  /** Upload a mission file (`.plan` JSON or `.waypoints` text) to a drone; always verified. */
  | { type: 'upload'; requestId: string; sysid: number; name: string; text: string; override?: Override };

/** Progress of an upload (items sent, then items read back to verify). */
export interface UploadProgress {
  type: 'upload-progress';
  requestId: string;
  phase: 'upload' | 'verify';
  done: number;
  total: number;
}

/** How an upload ended: ok only when the drone holds exactly what was sent (verifiedBy says how it was checked). */
export interface UploadResult {
  type: 'upload-result';
  requestId: string;
  ok: boolean;
  count: number;
  verifiedBy: string | null;
  /** English reason (file error naming the line/field, the drone's refusal, a mismatch); '' when ok. */
  reason: string;
  /** Set when the station's command gateway refused it before sending: 'forbidden' (role) or the check's code. */
  refused?: string;
  /** The patrol the upload took the drone over from ("patrol sortie P012"), when it did. */
  takenOver?: string | null;
}

/** Result codes of a command: the drone's outcome (common/mav-cmd.ts CommandOutcome), or the station's own codes. */
export type CommandResultCode =
  | CommandOutcome
  /** Refused by the station's command gateway: not this role's right. */
  | 'forbidden'
  /** Refused by the station's command gateway: a number out of range, outside the jurisdiction, a no-fly zone, too high. */
  | 'refused'
  | 'no-vehicle'
  | 'error'
  /** station/vehicle/commands.ts: a mode the firmware does not know, a mode change the heartbeat did not confirm, a bad argument. */
  | 'unknown-mode'
  | 'mode-not-confirmed'
  | 'bad-argument'
  | (string & {});

/** The fleet file's battery figures the console plans with (missions/fleet.ts). */
export interface FleetInfoView {
  reservePct: number;
  drones: { id: string; sysid: number; enduranceMin: number; cruiseMps: number }[];
}

/** One sortie of the day plan (resources/formats/schedule.md): the contract fields the console shows. */
export type ScheduleSortieView = Pick<
  ScheduleSortie,
  'id' | 'kind' | 'drone' | 'dock' | 'launch' | 'on_station' | 'off_station' | 'land' | 'plan' | 'targets'
>;

/** The day plan as the console gets it: the contract fields of common/formats/schedule.ts. */
export type ScheduleView = Pick<Schedule, 'station' | 'date' | 'timezone' | 'fleet_lower_bound' | 'gaps'> & {
  sorties: ScheduleSortieView[];
};

/** The day plan a station was started with (`kongxun serve --plan DIR`): DIR/schedule.json and, when the
 * planner wrote it, DIR/routes.geojson (one LineString per sortie, properties.id = the sortie id). */
export interface PlanMessage {
  type: 'plan';
  schedule: ScheduleView;
  routes: { id: string; coords: [lonDeg: number, latDeg: number][] }[];
}

/**
 * What happened today, beside the plan (`PlanMessage`): the patrol runner's record of each sortie
 * (DATA/patrol.sqlite, station/patrol/store.ts) and the flights found in the tlogs (station/replay/flights.ts).
 * The console derives flown sorties, covered minutes, coverage freshness and each drone's current sortie from
 * this, never from planned times. Sent after the plan and again whenever it changes (at most every few seconds).
 */
export interface ActualMessage {
  type: 'actual';
  /** True when a patrol runner executes the plan on this station; false: the plan is only a plan (未执行). */
  runner: boolean;
  /** The runner's sorties (planned ones, reassignment replacements, missed ones); empty without a runner. */
  sorties: SortieRecordView[];
  /** Flights (armed → disarmed) in the station's tlogs that started today (station time), oldest first. */
  flights: FlownFlightView[];
  /** Today's "go and look here" dispatches, newest first (absent from stations without a runner). */
  dispatches?: DispatchView[];
}

/** A "go and look here" dispatch as the station's dispatcher runs it (station/patrol/dispatch.ts). */
export interface DispatchView {
  id: string;
  /** queued · en_route · on_scene · resumed (back on patrol) · returning · done · failed · unserved. */
  state: string;
  request: LookRequestView;
  /** Who asked (the console user's name), when known. */
  from: string | null;
  drone: string | null;
  /** patrol: a drone taken from its patrol; dock: a ready drone from its dock. */
  source: 'patrol' | 'dock' | null;
  requestedAtMs: number;
  assignedAtMs: number | null;
  arrivedAtMs: number | null;
  leftAtMs: number | null;
  endedAtMs: number | null;
  /** While queued or en route with a drone: seconds to the point at its cruise speed from where it is now. */
  etaS: number | null;
  /** Why it failed or went unserved, in English. */
  reason: string | null;
  /**
   * The same cause by code (a station before codes, or a record saved before them: absent), for the console to
   * word in its language; the English `reason` when it does not know the code.
   */
  cause?: Said | null;
  /** What did not happen as asked while the drone was on scene (camera not on the point, no orbit), by code; absent from older stations. */
  notes?: Said[];
}

/**
 * What a sortie came to, in one word: planned (not started) · preparing (gates, upload, waiting to launch) ·
 * flying · flown (as planned) · late (on station more than 2 min after the plan) · cut-short (left its post
 * more than 2 min early: battery, link, failsafe) · missed (never flown: the station was not running) ·
 * reassigned (the slot went to another drone) · failed.
 */
export type SortieOutcome = 'planned' | 'preparing' | 'flying' | 'flown' | 'late' | 'cut-short' | 'missed' | 'reassigned' | 'failed';

/** One sortie as the patrol runner recorded it. Times are Unix ms; the planned ones are the runner's (a relief
 * brought forward moves them), the `…AtMs` ones what the drone did. */
export interface SortieRecordView {
  /** The day of the plan this sortie is of (YYYY-MM-DD): sortie ids repeat every day. Absent from older stations. */
  date?: string;
  id: string;
  kind: 'patrol' | 'school' | 'dispatch';
  drone: string;
  sysid: number;
  /** The runner's state (station/patrol/sortie.ts). */
  state: string;
  outcome: SortieOutcome;
  /** Why (a failed gate, "station not running", "battery 24 %"), English; null when nothing to say. */
  reason: string | null;
  /** The sortie whose slot this one took over (reassignment), if any. */
  replaces: string | null;
  planned: { launchMs: number; onMs: number; offMs: number; landMs: number };
  launchedAtMs: number | null;
  onStationAtMs: number | null;
  offStationAtMs: number | null;
  landedAtMs: number | null;
}

/** A flight found in the tlogs (FlightSummary, the fields the day's screens need). */
export interface FlownFlightView {
  id: string;
  drone: string | null;
  sysid: number;
  startMs: number;
  endMs: number;
  /** The log ends in the air (still flying, or the station stopped). */
  truncated: boolean;
}

/** Offline basemap served by the station (`kongxun serve --tiles file.mbtiles`) at `/tiles/{z}/{x}/{y}`. */
export interface TilesInfo {
  name: string;
  format: 'png' | 'jpg' | 'webp';
  minZoom: number;
  maxZoom: number;
  /** [west, south, east, north] in degrees (WGS-84), when the file says. */
  bounds: [number, number, number, number] | null;
}

/**
 * Sign-in (issue 14): who this console is, told in `hello` and by `GET /api/me`. The renderer hides what the
 * role may not do (a viewer's desk has no command buttons); the station refuses it anyway. `desktop`: the
 * desktop app's own window, signed in at launch.
 */
export type ConsoleRole = 'pilot' | 'dispatcher' | 'viewer' | 'reviewer' | 'admin';
export interface ConsoleIdentity {
  user: string;
  role: ConsoleRole;
  desktop?: boolean;
}

/**
 * HTTP sign-in API (JSON bodies, same origin only; the session is an HttpOnly, SameSite=Strict cookie):
 * POST /api/login {user, password} → 200 ConsoleIdentity | 401/429 {error}; POST /api/logout → 204;
 * GET /api/me → 200 ConsoleIdentity | 401 {error, setup: boolean}; POST /api/setup {token, user, password} →
 * 200 ConsoleIdentity & {admin} (from 127.0.0.1 only: makes the first administrator `user` and its pilot twin
 * `user`-pilot, and signs in as the pilot; `admin` names the administrator). Admin only: GET /api/users → UserView[];
 * POST /api/users {user, role, password} → UserView; POST /api/users/<name> {role?, disabled?, password?} → UserView.
 */
export interface UserView {
  user: string;
  role: ConsoleRole;
  disabled: boolean;
  createdMs: number;
  updatedMs: number;
}

export type ServerMessage =
  | StationSnapshot
  | {
      type: 'hello'; station: string; geography: unknown; simulated: boolean; version: string; tiles?: TilesInfo | null; who?: ConsoleIdentity;
      /** The station's IANA time zone (its fleet file's, e.g. "Asia/Shanghai"): the console shows every time in it. */
      timezone?: string;
      /** The fleet file's battery figures, for the planner's battery check (endurance less the reserve, as the day planner plans). */
      fleet?: FleetInfoView;
    }
  | PlanMessage
  | ActualMessage
  | { type: 'event'; event: StationEvent }
  | { type: 'result'; requestId: string; ok: boolean; result: CommandResultCode; reason: string }
  | UploadProgress
  | UploadResult
  /** The answer to a 'look' request: the dispatch's id (its progress comes in `ActualMessage.dispatches`). */
  | { type: 'look-result'; requestId: string; ok: boolean; id: string | null; reason: string }
  /** The centre's instructions (newest last), after `hello` and on each change; absent without a centre link. */
  | { type: 'instructions'; list: InstructionView[] }
  | { type: 'ack-instruction-result'; requestId: string; ok: boolean; reason: string };

/**
 * Live video (issue 8). Frames travel on their own WebSocket, `/ws/video?drone=ID` (so telemetry never
 * queues behind a keyframe), as binary messages laid out in common/video-wire.ts; the same socket carries
 * this JSON status about once a second. `&mode=preview` (issue 18) asks for a preview of the drone(s): the
 * sub-stream, or keyframes only; the console switches later with a text message `VideoModeMessage`. In the desktop app the same bytes arrive as transferred ArrayBuffers.
 */
export interface VideoStreamView {
  drone: string;
  url: string;
  codec: 'h264' | 'h265' | 'unknown';
  /** waiting: nothing received yet · live · stale: nothing for 1 s · unsupported: H.265 · error: see reason. */
  state: 'waiting' | 'live' | 'stale' | 'unsupported' | 'error';
  fps: number;
  kbps: number;
  lostPackets: number;
  damagedFrames: number;
  /** The recording file (DATA/video/…ts) of this connection, null before the first keyframe. */
  recording: string | null;
  /** English reason for error/unsupported (the console words the state itself). */
  reason: string;
  /** The camera's sub-stream for wall previews (fleet file `video_sub`), when it has one; live = frames within 1 s. */
  sub?: { url: string; live: boolean };
}

/**
 * GET /api/janus (issue 18): what a kiosk or the centre needs to watch the drones through the station's Janus
 * over WebRTC — the Janus API URL, a token for it (one per request, for the streaming plugin only, valid until
 * `expiresMs`, Unix ms) and each drone's mountpoint id. 404 when the station runs no Janus.
 */
export interface JanusAccess {
  url: string;
  token: string;
  expiresMs: number;
  mountpoints: { drone: string; id: number }[];
}

/** Console → station on `/ws/video`: show `drone` at full rate or as a preview (issue 18). */
export interface VideoModeMessage {
  type: 'mode';
  drone: string;
  mode: 'full' | 'preview';
}

export interface VideoStatusMessage {
  type: 'video-status';
  streams: VideoStreamView[];
}

/**
 * One video frame as it travels to a console: a binary message on `/ws/video?drone=ID` (layout, encoder and
 * parser in common/video-wire.ts).
 */
export interface VideoWireFrame {
  drone: string;
  codec: 'h264' | 'h265';
  keyframe: boolean;
  damaged: boolean;
  timestampUs: number;
  arrivalMs: number;
  seq: number;
  /** SPS/PPS (Annex B) on keyframes, when known. */
  config: Uint8Array | null;
  /** The access unit, Annex B. */
  data: Uint8Array;
  /**
   * Set on frames sent to a preview (a wall tile not in focus, issue 18): `sub` = the camera's sub-stream,
   * `key` = the main stream's keyframes only. Absent: the full-rate main stream.
   */
  preview?: 'sub' | 'key';
}

/**
 * Flight replay, for reviewers: every flight the station recorded, played back with its track, telemetry,
 * events and video. A flight is one armed → disarmed span of one vehicle in one tlog (DATA/tlogs/), read
 * through the same vehicle-state reducer the live console uses; its video is the drone's recording(s)
 * (DATA/video/*.ts + .idx.jsonl) whose frames fall in the span.
 *
 *   GET /api/flights              → FlightSummary[] (newest first)
 *   GET /api/flights/<id>         → FlightDetail (404 with a JSON { error } naming the id when unknown)
 *   WS  /ws/replay?flight=<id>    → the flight's video: ReplayControl messages in (JSON text), VideoWireFrame
 *                                   binary frames out (the same layout as /ws/video, `arrivalMs` = the frame's
 *                                   original arrival time, so it lines up with the samples' `t`), and
 *                                   ReplayStatus text messages out. Needs the replay right (复核 reviewer, admin,
 *                                   pilot, dispatcher; not a viewer): 403 otherwise. The desktop app's windows
 *                                   get the same over a MessagePort (ReplayPortRequest, below).
 */
export interface FlightSummary {
  /** Stable across listings: `<tlog file name without .tlog>~<n>` (n-th flight in that file, from 1). */
  id: string;
  /** The fleet's drone id when the sysid is in the fleet file, else null. */
  drone: string | null;
  sysid: number;
  /** The tlog's file name (in DATA/tlogs). */
  tlog: string;
  /** Unix ms: armed, and disarmed (or the last record when the log ends in the air). */
  startMs: number;
  endMs: number;
  /** True when the log ends before the disarm (station stopped, link lost for good). */
  truncated: boolean;
  maxAltRelM: number | null;
  /** Ground track length, metres. */
  distanceM: number;
  minBatteryPct: number | null;
  /** Video recording(s) with frames in the span, file names in DATA/video. */
  video: string[];
}

/** One point of the flight's telemetry, at most 5 per second (the first sample of each 200 ms). */
export interface FlightSample {
  /** Unix ms (the tlog's timestamp). */
  t: number;
  latDeg: number | null;
  lonDeg: number | null;
  altRelM: number | null;
  headingDeg: number | null;
  groundSpeedMps: number | null;
  climbMps: number | null;
  batteryPct: number | null;
  voltageV: number | null;
  mode: string;
  armed: boolean;
}

export interface FlightEvent {
  t: number;
  kind: 'armed' | 'disarmed' | 'mode' | 'statustext' | 'link-lost' | 'link-regained';
  /** Severity as the live console's events: info / warning / alert. */
  level: 'info' | 'warning' | 'alert';
  /** English text; a STATUSTEXT is quoted as the autopilot sent it. */
  text: string;
}

export interface FlightDetail {
  flight: FlightSummary;
  samples: FlightSample[];
  events: FlightEvent[];
  /** Home (where it armed) when known. */
  home: { latDeg: number; lonDeg: number } | null;
}

/** Page → station on /ws/replay. `atMs` is flight time (Unix ms, the samples' clock). */
export type ReplayControl =
  | { type: 'play'; atMs: number; rate: number }
  | { type: 'pause'; atMs: number }
  | { type: 'seek'; atMs: number };

/** Station → page on /ws/replay, after every control message and at the end of the video. */
export interface ReplayStatus {
  type: 'replay-status';
  state: 'playing' | 'paused' | 'ended' | 'no-video' | 'error';
  /** Flight time of the last frame sent. */
  atMs: number | null;
  reason: string;
}

/**
 * The desktop app's replay port (window message 'kongxun:replay-port', electron/main.ts): what /ws/replay
 * carries, for a page of the app's own window, which has no WebSocket. One port per page load, one flight's
 * video at a time on it (a stream, numbered by the page). The same check as /ws/replay (a live session with the
 * replay right) and the same limits: every message from the page is JSON text of at most 64 KiB.
 *
 *   page → station   ReplayPortOpen     as opening /ws/replay?flight=<id>: ends the page's stream before it
 *                    ReplayControl      to the open stream, as on the socket
 *                    ReplayPortClose    as closing the socket
 *                    ReplayPortAck      the bytes of binary frames received on this port so far (so the station
 *                                       knows what is in flight towards the page, as a socket's bufferedAmount)
 *   station → page   ReplayPortOpened   first: what follows is this stream's
 *                    ReplayStatus text and VideoWireFrame binary frames, exactly as on /ws/replay
 *                    ReplayPortClosed   the stream ended (the socket's close codes: 4404 unknown flight, 4500
 *                                       flights unavailable, 4401 session ended, 4403 no replay right)
 * A message that is refused (not text, too long, not JSON, an unknown type, a control with no stream open)
 * is answered with a ReplayStatus 'error' naming why; the port and the stream go on.
 */
export interface ReplayPortOpen {
  type: 'replay-open';
  /** The page's number for this stream (a non-negative safe integer). */
  stream: number;
  /** FlightSummary.id. */
  flight: string;
}
export interface ReplayPortClose {
  type: 'replay-close';
  stream: number;
}
export interface ReplayPortAck {
  type: 'ack';
  bytes: number;
}
export type ReplayPortRequest = ReplayPortOpen | ReplayPortClose | ReplayPortAck | ReplayControl;
export interface ReplayPortOpened {
  type: 'replay-opened';
  stream: number;
  flight: string;
}
export interface ReplayPortClosed {
  type: 'replay-closed';
  stream: number;
  code: number;
  reason: string;
}

/**
 * The station's audit (station/gateway/audit.ts), for reviewers and admins:
 *
 *   GET /api/audit[?since=<ISO time or Unix ms>][&drone=<id or sysid>][&user=<name>][&limit=N][&verify=1]
 *       → AuditResponse; 403 { error } for a role without the audit right.
 *
 * Two rows per action: the request (the gateway's verdict, written before anything was sent) and its result
 * (the drone's answer, `ref` = the request's id). Each row's hash chains over the previous one.
 */
export interface AuditRowView {
  id: number;
  /** Station clock, Unix ms. */
  atMs: number;
  /** `alice`, `patrol-runner`, `cli:root`, `centre:fenju`. */
  who: string;
  role: string;
  /** console | desktop | cli | runner | centre. */
  via: string;
  /** The client's address, the OS user's host, or whose request the runner carries out. */
  from: string;
  sysid: number | null;
  drone: string | null;
  sortie: string | null;
  phase: 'request' | 'result';
  ref: number | null;
  action: string;
  /** The full command as JSON text. */
  command: string;
  /** request: allowed | override | refused · result: accepted | failed. */
  verdict: string;
  /** Why refused, or the pilot's written reason for an override. */
  reason: string;
  /** The drone's (or the station's) answer; '' on request rows. */
  answer: string;
  /** SHA-256 over the previous row's hash and this row's content. */
  hash: string;
}

export interface AuditResponse {
  rows: AuditRowView[];
  /** With verify=1: the chain's check over the whole audit. */
  verify: { ok: boolean; rows: number; head: { id: number; hash: string } | null; problems: { id: number; problem: string }[] } | null;
}
