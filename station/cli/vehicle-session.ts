/**
 * Opening a station on `--connect` and waiting for the vehicle: shared by the commands that talk to one drone
 * (command, mission, fly, params, logs). The flags, the wait, the signing options and the errors are the same
 * everywhere; tests may inject the station.
 */
import { resolve } from 'node:path';
import { SystemClock, type Clock } from '../../common/clock.js';
import { waitUntil } from '../../common/wait.js';
import { createStation, type Station } from '../compose.js';
import { defaultDataDir } from '../storage/data-dir.js';
import { flag, intFlag, type FlagSpec, type ParsedArgs } from './args.js';
import { SIGNING_FLAGS, signingFromArgs } from './signing.js';
import { watchLinks } from './link-why.js';

export const CONNECT_FLAGS: Record<string, FlagSpec> = {
  connect: { type: 'list', describe: 'link URL, e.g. tcpout://127.0.0.1:5760' },
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
  const urls = a.flags.get('connect') ?? [];
  if (urls.length === 0) return { ok: false, code: 2, reason: `kongxun ${command}: --connect URL is required` };
  const sysid = intFlag(a, 'sysid', command, 1, 254);
  if (!sysid.ok) return { ok: false, code: 2, reason: sysid.reason };
  const waitS = Number(flag(a, 'wait') ?? 15);
  if (!(waitS > 0)) return { ok: false, code: 2, reason: `kongxun ${command}: --wait must be a positive number of seconds` };
  const clock = deps.clock ?? new SystemClock();
  let st: { ok: true; value: Station } | { ok: false; reason: string };
  if (deps.openStation) st = await deps.openStation(urls, a, command);
  else {
    const signing = signingFromArgs(a, command, deps.warn);
    if (!signing.ok) return { ok: false, code: 2, reason: signing.reason };
    st = await createStation({ clock, dataDir: resolve(flag(a, 'data') ?? defaultDataDir()), connections: urls, ...(signing.value ? { signing: signing.value } : {}) });
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

