/**
 * Opening a station on `--connect` and waiting for the vehicle: shared by the commands that talk to one drone
 * (command, mission, fly, params, logs). The flags, the wait, the signing options and the errors are the same
 * everywhere; tests may inject the station.
 *
 * Signing as `kongxun serve` does it (station/files/keys.ts signingPlan): a link signs with its drone's own key
 * — the drone named by `--drone ID`, or the fleet drone whose `connect` is the link's URL; its fleet
 * `signing_key_file`, else DATA/keys/ID.key — else with the station-wide key (--signing-key-file or
 * KONGXUN_SIGNING_KEY); when a key is in play and a link has none, the command refuses to open it.
 * `--drone ID` alone also gives the link (the drone's `connect`) and the system id (the fleet's).
 */
import { dirname, resolve } from 'node:path';
import { SystemClock, type Clock } from '../../common/clock.js';
import { waitUntil } from '../../common/wait.js';
import { createStation, type Station } from '../compose.js';
import { defaultDataDir } from '../storage/data-dir.js';
import { flag, intFlag, type FlagSpec, type ParsedArgs } from './args.js';
import { SIGNING_FLAGS, cliSigning } from './signing.js';
import { signingPlan } from '../files/keys.js';
import { loadStationFiles } from '../files/station-files.js';
import { watchLinks } from './link-why.js';

export const CONNECT_FLAGS: Record<string, FlagSpec> = {
  connect: { type: 'list', describe: "link URL, e.g. tcpout://127.0.0.1:5760 (default: the --drone's connect in the fleet file)" },
  drone: { type: 'string', describe: 'the drone by its fleet id: its signing key (DATA/keys/ID.key or its signing_key_file), link and system id' },
  fleet: { type: 'string', describe: 'fleet JSON whose drones name their links and keys (default: the sample fleet)' },
  sysid: { type: 'string', describe: "the vehicle's MAVLink system id (default: the first vehicle heard)" },
  wait: { type: 'string', describe: 'seconds to wait for the vehicle to appear (default 15)' },
  data: { type: 'string', describe: "the station's data folder (recordings go to DIR/tlogs)" },
  ...SIGNING_FLAGS,
};

/** How the CLI reaches a station: real links by default, an injected one in tests. */
export interface CliDeps {
  clock?: Clock;
  openStation?: (urls: string[], a: ParsedArgs, command: string) => Promise<{ ok: true; value: Station } | { ok: false; reason: string }>;
  /** Hears warnings (a deprecated flag). */
  warn?: (line: string) => void;
}


/** Open the station on --connect and wait for the vehicle; the station is closed by the caller. */
export async function connectVehicle(
  a: ParsedArgs,
  command: string,
  deps: CliDeps,
): Promise<{ ok: true; station: Station; sysid: number; clock: Clock } | { ok: false; code: number; reason: string }> {
  let urls = a.flags.get('connect') ?? [];
  const droneId = flag(a, 'drone');
  const fleetArg = flag(a, 'fleet');
  // The fleet only matters for keys and --drone; a missing sample fleet never stops a plain --connect.
  const files = droneId !== undefined || fleetArg !== undefined ? loadStationFiles(undefined, fleetArg) : undefined;
  if (files && !files.ok) return { ok: false, code: 2, reason: `kongxun ${command}: ${files.reason}` };
  const drones = files?.ok ? files.value.fleet.drones : [];
  const drone = droneId !== undefined ? drones.find((d) => d.id === droneId) : undefined;
  if (droneId !== undefined && !drone) return { ok: false, code: 2, reason: `kongxun ${command}: no drone "${droneId}" in the fleet file (drones: ${drones.map((d) => d.id).join(', ')})` };
  if (urls.length === 0 && drone?.connect) urls = [drone.connect];
  if (urls.length === 0) return { ok: false, code: 2, reason: `kongxun ${command}: --connect URL is required${drone ? ` (drone ${drone.id} has no connect URL in the fleet file)` : ''}` };
  if (drone && urls.length > 1) return { ok: false, code: 2, reason: `kongxun ${command}: --drone names one drone: give one --connect URL` };
  const sysidArg = intFlag(a, 'sysid', command, 1, 254);
  if (!sysidArg.ok) return { ok: false, code: 2, reason: sysidArg.reason };
  const sysid = { value: sysidArg.value ?? drone?.sysid };
  const waitS = Number(flag(a, 'wait') ?? 15);
  if (!(waitS > 0)) return { ok: false, code: 2, reason: `kongxun ${command}: --wait must be a positive number of seconds` };
  const clock = deps.clock ?? new SystemClock();
  let st: { ok: true; value: Station } | { ok: false; reason: string };
  if (deps.openStation) st = await deps.openStation(urls, a, command);
  else {
    const signing = cliSigning(a, command, { ...(deps.warn ? { warn: deps.warn } : {}), policyAlone: true });
    if (!signing.ok) return { ok: false, code: 2, reason: signing.reason };
    const dataDir = resolve(flag(a, 'data') ?? defaultDataDir());
    const keys = signingPlan(
      urls.map((url) => ({ url })),
      drones,
      {
        signing: signing.value.config,
        unsigned: signing.value.unsigned,
        dataDir,
        fleetDir: fleetArg !== undefined ? dirname(resolve(fleetArg)) : '.',
        ...(drone ? { byUrl: new Map([[urls[0]!, drone]]) } : {}),
      },
    );
    if (!keys.ok) return { ok: false, code: 2, reason: `kongxun ${command}: ${keys.reason}` };
    if (keys.value.summary) deps.warn?.(`kongxun ${command}: ${keys.value.summary}`);
    st = await createStation({ clock, dataDir, connections: urls, linkSigning: keys.value.perLink });
  }
  if (!st.ok) return { ok: false, code: 2, reason: `kongxun ${command}: ${st.reason}` };
  const station = st.value;
  const links = watchLinks(station);
  const heard = (): number | undefined => {
    const vs = station.vehicles().filter((v) => !v.lost);
    const target = sysid.value ?? vs[0]?.sysid;
    return target !== undefined && vs.some((v) => v.sysid === target) ? target : undefined;
  };
  if (await waitUntil(clock, () => heard() !== undefined, { timeoutMs: waitS * 1000, everyMs: 100 })) {
    links.close();
    return { ok: true, station, sysid: heard()!, clock };
  }
  const why = station.vehicles().length > 0 ? `heard ${station.vehicles().map((v) => `sys${v.sysid}${v.lost ? ' (lost)' : ''}`).join(', ')} on ${urls.join(', ')}` : links.why();
  links.close();
  await station.close();
  return { ok: false, code: 1, reason: `kongxun ${command}: no vehicle${sysid.value ? ` with system id ${sysid.value}` : ''} heard within ${waitS} s: ${why}` };
}

