/**
 * The station service's side of the centre (`kongxun serve --centre URL`): the runner-backed host and the
 * MQTT link, with the outbox in DATA/centre. Off unless configured.
 */
import type { FlightRules } from '../../missions/plan/flight-check.js';
import type { Clock } from '../../common/clock.js';
import { ok, type Result } from '../../common/result.js';
import type { Fleet } from '../../missions/fleet.js';
import type { Station } from '../compose.js';
import type { DayInput } from '../patrol/day.js';
import type { PatrolRunner } from '../patrol/runner.js';
import type { PatrolStore } from '../patrol/store.js';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { InstructionView } from '../../common/api/contract.js';
import { makeDirs } from '../storage/data-dir.js';
import { principalName, principalRole, type Principal } from '../gateway/principal.js';
import { may } from '../gateway/rights.js';
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
  const host = stationHost({ clock: s.clock, station: s.station, fleet: s.fleet, ...(s.patrol ? { patrol: s.patrol } : { store: jsonStore(join(centreDir(s.dataDir), 'desk.json'), s.log) }), ...(s.rules ? { rules: s.rules } : {}), log: s.log, snapshotsDir: join(s.dataDir, 'snapshots'), ...(s.video ? { video: s.video } : {}) });
  const link = CentreLink.start({ ...o, clock: s.clock, dir: centreDir(s.dataDir), host, log: s.log });
  if (!link.ok) {
    host.close();
    return link;
  }
  s.log(`kongxun: centre link to ${o.url} as station "${o.station}", outbox in ${centreDir(s.dataDir)}`);
  return ok({
    link: link.value,
    host,
    close: async () => {
      host.close();
      await link.value.close();
    },
  });
}

/**
 * The centre's instructions as the desk sees them (station/server/console-server.ts `instructions`): the list,
 * its changes, and an acknowledgement by a dispatcher or a pilot (the 'instruct' right), named by their account.
 * The link then answers the centre `acknowledged` with that name.
 */
export function deskInstructions(host: StationHost): { list(): InstructionView[]; onChange(cb: () => void): () => void; acknowledge(id: string, who: Principal): { ok: boolean; reason: string } } {
  return {
    list: () => host.instructions().map((i) => ({ id: i.id, from: i.from, text: i.text, atMs: i.atMs, ack: i.ack })),
    onChange: (cb) => host.onInstructions(cb),
    acknowledge: (id, who) => {
      const role = principalRole(who);
      if (!may(role, 'instruct')) return { ok: false, reason: `${principalName(who)} (${role}) may not acknowledge an instruction: a dispatcher or a pilot does` };
      const r = host.acknowledge(id, principalName(who));
      return r.ok ? { ok: true, reason: '' } : { ok: false, reason: r.reason };
    },
  };
}

/**
 * A small key-value file for a station without a patrol store (the desk's instructions survive a restart, so
 * an acknowledgement after it still reaches the centre). Written whole to a temporary file, then renamed.
 */
function jsonStore(file: string, log: (l: string) => void): { kv(key: string): string | undefined; setKv(key: string, value: string): void } {
  let data: Record<string, string> = {};
  try {
    const x = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    if (x && typeof x === 'object' && !Array.isArray(x)) data = Object.fromEntries(Object.entries(x).filter(([, v]) => typeof v === 'string')) as Record<string, string>;
  } catch {
    /* none yet, or unreadable: start empty */
  }
  return {
    kv: (k) => (Object.hasOwn(data, k) ? data[k] : undefined),
    setKv: (k, v) => {
      data[k] = v;
      try {
        const made = makeDirs(dirname(file));
        if (!made.ok) throw new Error(made.reason);
        writeFileSync(`${file}.tmp`, JSON.stringify(data));
        renameSync(`${file}.tmp`, file);
      } catch (e) {
        log(`kongxun: centre: cannot keep the desk's instructions in ${file}: ${(e as Error).message}`);
      }
    },
  };
}
