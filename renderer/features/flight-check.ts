/**
 * The station's flight check in the console (missions/plan/flight-check.ts, the very function the command
 * gateway runs): a go-to, an orbit, a take-off or a mission is checked against the jurisdiction before it is
 * sent, so a go-to clicked inside the 变电站 no-fly zone is refused on the spot with the reason. The station
 * checks again whatever the console did.
 */
import type { VehicleCommand } from '../../common/api/contract.js';
import { MAV_CMD, MAV_FRAME } from '../../common/mav-cmd.js';
import type { Mission } from '../../missions/formats/items.js';
import { checkList, FlightRules, type FlightIssue, type ListItem } from '../../missions/plan/flight-check.js';
import type { StringKey } from '../i18n.js';

let cached: { geography: unknown; rules: FlightRules | undefined } | undefined;

/** The rules of the station's geography (from `hello`), made once per geography. */
export function rulesOf(geography: unknown): FlightRules | undefined {
  if (!geography) return undefined;
  if (cached?.geography !== geography) cached = { geography, rules: FlightRules.fromGeoJson(geography) };
  return cached.rules;
}

/** What the station's gateway would say of this command's place and height ([] when it has none to check). */
export function commandIssues(rules: FlightRules | undefined, cmd: VehicleCommand): FlightIssue[] {
  if (!rules) return [];
  if (cmd.command === 'goto') return rules.point(cmd.latDeg, cmd.lonDeg, cmd.altRelM, 'go-to point');
  if (cmd.command === 'orbit') return rules.orbit(cmd.latDeg, cmd.lonDeg, cmd.radiusM, undefined);
  if (cmd.command === 'takeoff') return rules.altitude(cmd.altRelM, 'take-off');
  return [];
}

/** A planner mission (home + items in degrees) as the wire items the gateway checks. */
export function missionIssues(rules: FlightRules | undefined, m: Mission): FlightIssue[] {
  if (!rules) return [];
  const e7 = (d: number) => (Number.isFinite(d) ? Math.round(d * 1e7) : 0);
  const items: ListItem[] = [
    { seq: 0, command: MAV_CMD.NAV_WAYPOINT, frame: MAV_FRAME.GLOBAL, x: e7(m.home.lat), y: e7(m.home.lon), z: 0 },
    ...m.items.map((it, i) => ({ seq: i + 1, command: it.command, frame: it.frame, x: e7(it.params[4]), y: e7(it.params[5]), z: it.params[6] })),
  ];
  return checkList(rules, 'mission', items);
}

/** Only a place or a height may be overridden by a pilot; a bad number never. */
export const overridable = (issues: FlightIssue[]): boolean => issues.length > 0 && issues.every((i) => i.code === 'no-fly' || i.code === 'outside-boundary' || i.code === 'too-high');

/** An issue in the console's language. */
export function wordIssue(t: (k: StringKey, a?: Record<string, string | number>) => string, i: FlightIssue): string {
  switch (i.code) {
    case 'no-fly':
      return t('check.no-fly', { zone: i.zone?.name ?? '', m: i.limitM ?? 0 });
    case 'outside-boundary':
      return t('check.outside-boundary', { m: i.limitM ?? 0 });
    case 'too-high':
      return t('check.too-high', { value: i.valueM ?? 0, limit: i.limitM ?? 0 });
    case 'too-low':
      return t('check.too-low');
    case 'bad-number':
      return t('check.bad-number', { reason: i.reason });
  }
}
