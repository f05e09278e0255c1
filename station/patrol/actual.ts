/**
 * What happened today, for the console (`ActualMessage` of common/api/contract.ts): the patrol runner's
 * sortie records, each with its outcome in one word, and the day's flights found in the tlogs. Pure: the
 * caller hands in the runner's sorties and the flight catalogue's list.
 */
import { isoLocal, localMidnightUtcMs } from '../../missions/plan/timezone.js';
import type { ActualMessage, FlightSummary, FlownFlightView, SortieOutcome, SortieRecordView } from '../../common/api/contract.js';
import { AIRBORNE_STATES, type Sortie } from './sortie.js';

/** On station later, or off station earlier, than planned by more than this: late / cut short. */
export const SLACK_MS = 120_000;

export function sortieOutcome(s: Sortie): SortieOutcome {
  if (s.state === 'missed') return 'missed';
  if (s.state === 'failed') return 'failed';
  if (s.state === 'reassigned' && s.launchedAtMs === null) return 'reassigned';
  if (AIRBORNE_STATES.has(s.state)) return 'flying';
  if (s.state === 'scheduled') return 'planned';
  if (s.landedAtMs === null || s.launchedAtMs === null) return s.state === 'reassigned' ? 'reassigned' : 'preparing';
  if (s.onStationAtMs === null || (s.offStationAtMs !== null && s.offStationAtMs < s.offMs - SLACK_MS)) return 'cut-short';
  if (s.onStationAtMs > s.onMs + SLACK_MS) return 'late';
  return 'flown';
}

export function sortieRecordView(s: Sortie, date?: string): SortieRecordView {
  return {
    ...(date !== undefined ? { date } : {}),
    id: s.id, kind: s.kind, drone: s.droneId, sysid: s.sysid, state: s.state, outcome: sortieOutcome(s), reason: s.reason, replaces: s.replaces,
    planned: { launchMs: s.launchMs, onMs: s.onMs, offMs: s.offMs, landMs: s.landMs },
    launchedAtMs: s.launchedAtMs, onStationAtMs: s.onStationAtMs, offStationAtMs: s.offStationAtMs, landedAtMs: s.landedAtMs,
  };
}

/** [00:00, 24:00) of the day of `nowMs` in the station's time zone, Unix ms. */
export function stationDay(nowMs: number, timeZone: string): { date: string; startMs: number; endMs: number } {
  const date = isoLocal(nowMs, timeZone).slice(0, 10);
  const startMs = localMidnightUtcMs(date, timeZone);
  return { date, startMs, endMs: localMidnightUtcMs(isoLocal(startMs + 30 * 3_600_000, timeZone).slice(0, 10), timeZone) };
}

/** The flights that started in [startMs, endMs), oldest first. */
export function flightsBetween(list: readonly FlightSummary[], startMs: number, endMs: number): FlownFlightView[] {
  return list
    .filter((f) => f.startMs >= startMs && f.startMs < endMs)
    .map((f) => ({ id: f.id, drone: f.drone, sysid: f.sysid, startMs: f.startMs, endMs: f.endMs, truncated: f.truncated }))
    .sort((a, b) => a.startMs - b.startMs);
}

/** `date`: the day (YYYY-MM-DD) the sorties are of, said on each record. */
export function actualMessage(o: { sorties: readonly Sortie[] | null; flights: readonly FlightSummary[]; day: { startMs: number; endMs: number }; date?: string }): ActualMessage {
  return {
    type: 'actual',
    runner: o.sorties !== null,
    sorties: (o.sorties ?? []).map((s) => sortieRecordView(s, o.date)),
    flights: flightsBetween(o.flights, o.day.startMs, o.day.endMs),
  };
}
