/**
 * MAV_CMD and MAV_FRAME numbers by name (MAVLink common.xml), for the mission items the planner writes, the
 * station reads and the simulator flies. Code that means "a waypoint" says MAV_CMD.NAV_WAYPOINT, not 16.
 */
export const MAV_CMD = {
  NAV_WAYPOINT: 16,
  NAV_LOITER_UNLIM: 17,
  NAV_LOITER_TURNS: 18,
  NAV_LOITER_TIME: 19,
  NAV_RETURN_TO_LAUNCH: 20,
  NAV_LAND: 21,
  NAV_TAKEOFF: 22,
  NAV_LOITER_TO_ALT: 31,
  CONDITION_YAW: 115,
  DO_JUMP: 177,
  DO_CHANGE_SPEED: 178,
  DO_SET_ROI_LOCATION: 195,
  DO_SET_ROI_NONE: 197,
  DO_SET_ROI: 201,
  DO_DIGICAM_CONTROL: 203,
  DO_MOUNT_CONTROL: 205,
  DO_SET_CAM_TRIGG_DIST: 206,
  DO_GIMBAL_MANAGER_PITCHYAW: 1000,
  IMAGE_START_CAPTURE: 2000,
  VIDEO_START_CAPTURE: 2500,
  VIDEO_STOP_CAPTURE: 2501,
  /** Geofence items of a MAV_MISSION_TYPE_FENCE list: p1 = the polygon's vertex count, or the circle's radius. */
  NAV_FENCE_POLYGON_VERTEX_INCLUSION: 5001,
  NAV_FENCE_POLYGON_VERTEX_EXCLUSION: 5002,
  NAV_FENCE_CIRCLE_INCLUSION: 5003,
  NAV_FENCE_CIRCLE_EXCLUSION: 5004,
  /** A rally point of a MAV_MISSION_TYPE_RALLY list. */
  NAV_RALLY_POINT: 5100,
} as const;

export const MAV_FRAME = { GLOBAL: 0, MISSION: 2, GLOBAL_RELATIVE_ALT: 3, GLOBAL_TERRAIN_ALT: 10 } as const;

/**
 * How a command to a drone ended: its COMMAND_ACK's MAV_RESULT by name, or that it was cancelled here or went
 * unanswered. mavlink/services/command.ts produces it; the console's result codes (common/api/contract.ts
 * CommandResultCode) are these plus the station's own.
 */
export type CommandOutcome =
  | 'accepted'
  | 'temporarily-rejected'
  | 'denied'
  | 'unsupported'
  | 'failed'
  | 'in-progress'
  | 'cancelled'
  /** MAV_RESULT_COMMAND_LONG_ONLY / _COMMAND_INT_ONLY: send the other form. */
  | 'command-long-only'
  | 'command-int-only'
  | 'unsupported-frame'
  | 'not-in-control'
  | 'timeout';
