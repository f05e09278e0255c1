/**
 * What the patrol runner says, by code and parameters (the contract's `Said`): its alerts and events are stored
 * and sent with their code, so the console words them in its own language (renderer/i18n.ts, keys `pa.<code>`),
 * and their English — the readable default of the log, the CLI and the centre — is made here from the same
 * code, so the two cannot drift apart. Pure: no Node, no clock.
 */
import type { Said } from '../../common/api/contract.js';

export type { Said };

/** English wording per code; `{why}` is the causes, each worded in turn and joined by "; ". */
export const PATROL_ENGLISH = {
  text: '{text}',
  start: 'day {day}: {count} sorties',
  resume: 'resumed {count} sorties from {file}',
  missed: '{sortie} ({drone}) {from}–{to}: not flown, the station was not running',
  'day-unplanned': 'no plan for {date} after {day}: the patrol is not flying ({why})',
  'missed-summary': '{count} sorties missed (station not running before {until}): {first} {firstAt} … {last} {lastAt}',
  'restart-unclean': 'station restarted after an unclean stop (crash, kill or power cut): last alive {lastAlive}, down about {seconds} s',
  restart: 'station restarted: stopped {stopped}, down {seconds} s',
  'stream-restored': '{who}: {message} is coming again after {seconds} s',
  'stream-missing': '{who}: no {message} for {seconds} s (asked at {hz} Hz), asked again; needed for {usedFor}',
  'stream-refused': '{who}: the drone refused to send {message} ({refused}); needed for {usedFor}',
  state: '{from} → {to}',
  'state-why': '{from} → {to} ({why})',
  maintenance: 'flagged for maintenance',
  'maintenance-cleared': 'maintenance flag cleared',
  'taken-over': 'the pilot took the drone over',
  takeover: '{sortie}: pilot took over {drone}',
  release: '{sortie}: pilot released {drone}',
  held: '{sortie} ({drone}) held: {why}',
  reassigned: '{sortie} ({drone}): {why}',
  'gates-failed': 'gates failed: {why}',
  'gates-failed-launch': 'gates failed at launch: {why}',
  'upload-failed': 'upload failed {count} times: {why}',
  'launch-failed': 'launch failed: {why}',
  'battery-low': 'battery low',
  'battery-returning': '{sortie} ({drone}): battery {pct} %, returning',
  'link-lost': 'link lost',
  'link-lost-failsafe': "{sortie} ({drone}): link lost, the drone's failsafe returns it",
  failsafe: "mode {from} → {to} (the drone's failsafe)",
  fault: '{sortie} ({drone}): {why}',
  'gps-lost': 'GPS lost (fix {fix})',
  'mode-unexpected': 'unexpected mode change {from} → {to}',
  'landed-away': '{sortie} ({drone}) landed {metres} m from its dock: flagged for maintenance',
  'no-drone': '{sortie}: no ready drone to take the slot yet ({why})',
  'too-little-left': '{why}: too little of the slot left to send another drone',
  'reassign-to': '{sortie} ({drone}) → {to} ({toDrone}, {dock}): {why}',
  'handover-early': 'launch brought forward by {seconds} s: {sortie} ({drone}) must leave by its battery',
  'dispatch-queued': '{id}: look at {lat}, {lon} r {radius} m for {hold} s (priority {priority})',
  'dispatch-none': '{id}: no suitable drone within {minutes} min',
  'dispatch-assigned': '{id} → {drone} ({source}, {metres} m away)',
  'dispatch-failed': '{id} ({drone}): {why}',
  'dispatch-resumed': '{id}: patrol resumed',
  'dispatch-resume-refused': '{id}: resume refused: {why}',
  'dispatch-docked': '{id}: {drone} back in its dock',
  'dispatch-sent-home': '{id}: {drone} sent back to its dock (RTL)',
  'dispatch-home-refused': '{id}: RTL refused: {why}',
  'dispatch-disarmed': 'the drone disarmed (mode {mode}): it is on the ground',
  'dispatch-no-climb': 'did not climb to {alt} m within {seconds} s (at {at} m)',
  'dispatch-not-there': 'not within {radius} m of the point after {minutes} min ({metres} m away)',
  'dispatch-not-landed': 'not landed {minutes} min after RTL (mode {mode}, {metres} m from its dock)',
  'dispatch-landed-away': 'landed {metres} m from its dock, not in it',
  'dispatch-sortie-ended': 'its sortie {sortie} is no longer on patrol ({state})',
  'dispatch-no-vehicle': 'the station has no link to the drone',
  'dispatch-restarted': 'station restarted during the dispatch',
  'dispatch-link-lost': 'link to the drone lost: the station can no longer direct it; its own failsafe flies it',
  'dispatch-note': '{id} ({drone}): {why}',
  'dispatch-no-roi': 'camera not turned to the point: {why}',
  'dispatch-no-orbit': 'no orbit of {radius} m, hovering over the point instead: {why}',
  'centre-note': '{id} from {from}: {text}',
  'gate-never-heard': 'link: never heard',
  'gate-heartbeat': 'link: no heartbeat for {seconds} s',
  'gate-gps': 'GPS: fix {fix}, {satellites} satellites',
  'gate-battery': 'battery {pct} % < {need} % (route {route} % + reserve {reserve} %)',
  'gate-battery-unknown': 'battery unknown < {need} % (route {route} % + reserve {reserve} %)',
  'gate-prearm': 'pre-arm: {text}',
  'gate-armed': 'armed',
  'gate-maintenance': 'flagged for maintenance',
  'gate-busy': 'busy with {sortie}',
  'gate-mission': 'mission not verified on the drone',
} as const;

export type PatrolCode = keyof typeof PATROL_ENGLISH;

/** A message: its code, its parameters (numbers written as they are shown) and its causes. */
export function said(code: PatrolCode, args: Record<string, string | number> = {}, why?: Said[]): Said {
  const a: Record<string, string> = {};
  for (const [k, v] of Object.entries(args)) a[k] = String(v);
  return { code, ...(Object.keys(a).length ? { args: a } : {}), ...(why?.length ? { why } : {}) };
}

/** Words without a code (the autopilot's own, a cause from elsewhere), carried as they are. */
export const saidText = (text: string): Said => said('text', { text });

/** The English of a message (unknown codes: their `text` argument, or the code itself). */
export function english(s: Said): string {
  const tpl: string | undefined = (PATROL_ENGLISH as Record<string, string>)[s.code];
  const args: Record<string, string> = { ...s.args, why: (s.why ?? []).map(english).join('; ') };
  if (tpl === undefined) return args.text ?? s.code;
  return tpl.replace(/\{(\w+)\}/g, (m, k: string) => (k in args ? args[k]! : m));
}
