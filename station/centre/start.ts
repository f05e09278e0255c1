/**
 * The station service's side of the centre (`kongxun serve --centre URL`): the runner-backed host and the
 * MQTT link, with the outbox in DATA/centre. Off unless configured.
 */
import { join } from 'node:path';
import type { FlightRules } from '../../missions/plan/flight-check.js';
import type { Clock } from '../../common/clock.js';
import { ok, type Result } from '../../common/result.js';
import type { Fleet } from '../../missions/fleet.js';
import type { Station } from '../compose.js';
import type { DayInput } from '../patrol/day.js';
import type { PatrolRunner } from '../patrol/runner.js';
import type { PatrolStore } from '../patrol/store.js';
import { CentreLink, centreDir, type CentreLinkOptions } from './link.js';
import { stationHost, type StationHost } from './station-host.js';

export type StationCentreOptions = Omit<CentreLinkOptions, 'clock' | 'dir' | 'host' | 'log'>;

export interface StationCentre {
  link: CentreLink;
  host: StationHost;
  close(): Promise<void>;
}

export function startStationCentre(
  o: StationCentreOptions,
  s: { clock: Clock; station: Station; fleet: Fleet; dataDir: string; patrol?: { runner: PatrolRunner; store: PatrolStore; day: DayInput } | undefined; rules?: FlightRules | undefined; log: (l: string) => void; video?: StationHost['video'] },
): Result<StationCentre> {
  const host = stationHost({ clock: s.clock, station: s.station, fleet: s.fleet, ...(s.patrol ? { patrol: s.patrol } : {}), ...(s.rules ? { rules: s.rules } : {}), log: s.log, snapshotsDir: join(s.dataDir, 'snapshots'), ...(s.video ? { video: s.video } : {}) });
  const link = CentreLink.start({ ...o, clock: s.clock, dir: centreDir(s.dataDir), host, log: s.log });
  if (!link.ok) return link;
  s.log(`kongxun: centre link to ${o.url} as station "${o.station}", outbox in ${centreDir(s.dataDir)}`);
  return ok({ link: link.value, host, close: () => link.value.close() });
}
