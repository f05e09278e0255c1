/**
 * Who may do what: the role × action table the command gateway enforces in the station (the console only
 * hides what a role may not do; the station refuses it and audits the refusal).
 *
 *   飞手 pilot        flight commands (stick-level: arm, take-off, go-to, orbit, modes, land …), uploads and
 *                     clears, parameters, the camera and gimbal, takeover and release of a patrol drone, and
 *                     what a dispatcher may do
 *   值班调度 dispatcher "go and look here" requests, alerts, instructions, the camera and gimbal — no
 *                     stick-level control of a drone
 *   观看 viewer       nothing: wall screens and kiosks read
 *   复核 reviewer     replay, the audit, exports
 *   管理员 admin      users, keys, settings, and the audit, replay and exports (an admin does not fly)
 */
import type { Role } from './principal.js';

export type Action =
  | 'flight'
  | 'payload'
  | 'upload'
  | 'params'
  | 'takeover'
  | 'release'
  | 'dispatch'
  | 'alert'
  | 'instruct'
  | 'replay'
  | 'audit'
  | 'export'
  | 'users'
  | 'keys'
  | 'settings';

const DISPATCHER: readonly Action[] = ['dispatch', 'alert', 'instruct', 'payload'];

export const RIGHTS: Readonly<Record<Role, readonly Action[]>> = {
  pilot: ['flight', 'upload', 'params', 'takeover', 'release', ...DISPATCHER, 'replay'],
  dispatcher: [...DISPATCHER, 'replay'],
  viewer: [],
  reviewer: ['replay', 'audit', 'export'],
  admin: ['users', 'keys', 'settings', 'replay', 'audit', 'export'],
};

export const ACTION_NAMES: Readonly<Record<Action, { zh: string; en: string }>> = {
  flight: { zh: '飞行指令', en: 'flight commands' },
  payload: { zh: '相机与云台', en: 'camera and gimbal' },
  upload: { zh: '上传航线', en: 'uploads' },
  params: { zh: '参数设置', en: 'parameter changes' },
  takeover: { zh: '人工接管', en: 'takeover' },
  release: { zh: '交还巡逻', en: 'release to the patrol' },
  dispatch: { zh: '指派查看', en: '"go and look here" requests' },
  alert: { zh: '告警', en: 'alerts' },
  instruct: { zh: '指令下达', en: 'instructions' },
  replay: { zh: '回放', en: 'replay' },
  audit: { zh: '审计记录', en: 'the audit' },
  export: { zh: '导出', en: 'exports' },
  users: { zh: '用户管理', en: 'users' },
  keys: { zh: '密钥', en: 'keys' },
  settings: { zh: '设置', en: 'settings' },
};

export function may(role: Role, action: Action): boolean {
  return RIGHTS[role].includes(action);
}
