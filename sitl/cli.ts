/**
 * `kongxun sim`: start a simulated fleet and run until SIGINT/SIGTERM.
 *
 *   kongxun sim --drones N [--home lat,lon,alt] [--station file.geojson] [--fleet fleet.json]
 *               [--speedup K] [--udp host:port] [--faults file.json] [--base-port P] [--seed S]
 *               [--warmup-ms MS] [--loss FRACTION] [--latency MS] [--baud BAUD] [--video-uri URI]…
 *
 * Without --drones, the fleet file's drone count is used. Without --home or --station, the drones stand at
 * the captured SITL's home (24.4798 N, 118.0894 E, 10 m). Prints one line per drone (sysid, id, URLs).
 * --loss/--latency/--baud make every TCP/UDP link a poor radio (mission-impaired-link.ts): that share of
 * chunks lost each way, that one-way delay, that serial rate (57600 → 5760 bytes/s).
 * --video-uri gives the drones a MAVLink camera (component 100, camera.ts) announcing URI in
 * VIDEO_STREAM_INFORMATION: given once, every drone; given several times, the i-th to drone i (the rest none).
 * --state DIR: where each drone keeps the signing key SETUP_SIGNING gave it (DIR/signing-<sysid>.key, as
 * SITL keeps its eeprom.bin per instance), so a restarted simulator's drones still sign; default
 * $TMPDIR/kongxun-sim/<base port>; `--state none` keeps keys in memory only (a restart forgets them).
 * Returns the process exit code: 0 after a signal, 2 for bad arguments, 1 when the fleet cannot start.
 */
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTransport } from '../mavlink/transport/index.js';
import { parseFaultFile, type FaultRule } from './faults.js';
import { ImpairedTransport, baudToBytesPerSecond, type Impairment } from './mission-impaired-link.js';
import { parseFleet } from '../missions/fleet.js';
import { parseJurisdiction } from '../missions/jurisdiction.js';
import { SimFleet, type HomeSpec, type SimFleetOptions } from './fleet.js';

export interface SimArgs {
  drones?: number;
  home?: HomeSpec;
  station?: string;
  fleet?: string;
  speedup?: number;
  udp?: string;
  faults?: string;
  basePort?: number;
  seed?: number;
  warmupMs?: number;
  loss?: number;
  latencyMs?: number;
  baud?: number;
  videoUris?: string[];
  /** The storage folder, or null for none (--state none). */
  state?: string | null;
}

const USAGE =
  'usage: kongxun sim --drones N [--home lat,lon,alt] [--station file.geojson] [--fleet fleet.json] ' +
  '[--speedup K] [--udp host:port] [--faults file.json] [--base-port P] [--seed S] [--warmup-ms MS] ' +
  '[--loss FRACTION] [--latency MS] [--baud BAUD] [--video-uri URI]… [--state DIR|none]';

/** Where a fleet on this base port keeps its drones' storage unless --state says otherwise. */
export function defaultStateDir(basePort: number): string {
  return join(tmpdir(), 'kongxun-sim', String(basePort));
}

/** The home of the captured ArduCopter SITL: 24.4798 N, 118.0894 E, 10 m AMSL. */
export const DEFAULT_HOME: HomeSpec = { lat: 24.4798, lon: 118.0894, altAmslM: 10 };

type Parsed = { ok: true; args: SimArgs } | { ok: false; error: string };

function positive(flag: string, v: string, integer: boolean): number | string {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    return `${flag}: expected ${integer ? 'a whole number' : 'a number'} > 0, got "${v}"`;
  }
  return n;
}

/** Parse `sim` arguments (without the "sim" word). Errors name the flag and the value. */
export function parseSimArgs(argv: readonly string[]): Parsed {
  const args: SimArgs = {};
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    if (flag === '--help' || flag === '-h') return { ok: false, error: USAGE };
    const known = ['--drones', '--home', '--station', '--fleet', '--speedup', '--udp', '--faults', '--base-port', '--seed', '--warmup-ms', '--loss', '--latency', '--baud', '--video-uri', '--state'];
    if (!known.includes(flag)) return { ok: false, error: `unknown option "${flag}"\n${USAGE}` };
    const v = argv[++i];
    if (v === undefined || v.startsWith('--')) return { ok: false, error: `${flag}: missing value` };
    switch (flag) {
      case '--drones':
      case '--base-port':
      case '--seed': {
        const n = positive(flag, v, true);
        if (typeof n === 'string') return { ok: false, error: n };
        if (flag === '--drones') args.drones = n;
        else if (flag === '--seed') args.seed = n;
        else if (n > 65535 - 10 * 254) return { ok: false, error: `--base-port: ${n} leaves no room for the drones' ports` };
        else args.basePort = n;
        break;
      }
      case '--speedup':
      case '--warmup-ms': {
        const n = positive(flag, v, false);
        if (typeof n === 'string') return { ok: false, error: n };
        if (flag === '--speedup') args.speedup = n;
        else args.warmupMs = n;
        break;
      }
      case '--home': {
        const parts = v.split(',').map((s) => Number(s.trim()));
        const [lat, lon, alt] = parts;
        if (parts.length < 2 || parts.length > 3 || parts.some((x) => !Number.isFinite(x)) || lat === undefined || lon === undefined) {
          return { ok: false, error: `--home: expected lat,lon[,alt] in degrees and metres, got "${v}"` };
        }
        if (Math.abs(lat) > 90 || Math.abs(lon) > 180) return { ok: false, error: `--home: latitude/longitude out of range in "${v}"` };
        args.home = { lat, lon, altAmslM: alt ?? 0 };
        break;
      }
      case '--udp': {
        const m = /^([^:\s]+|\[[0-9a-fA-F:]+\]):(\d{1,5})$/.exec(v);
        const port = m ? Number(m[2]) : 0;
        if (!m || port < 1 || port > 65535) return { ok: false, error: `--udp: expected host:port, got "${v}"` };
        args.udp = v;
        break;
      }
      case '--loss': {
        const n = Number(v);
        if (v.trim() === '' || !(n >= 0 && n < 1)) return { ok: false, error: `--loss: expected a fraction from 0 to below 1 (0.2 = 20 %), got "${v}"` };
        args.loss = n;
        break;
      }
      case '--latency': {
        const n = Number(v);
        if (v.trim() === '' || !(n >= 0 && n <= 10_000)) return { ok: false, error: `--latency: expected milliseconds from 0 to 10000, got "${v}"` };
        args.latencyMs = n;
        break;
      }
      case '--baud': {
        const n = positive(flag, v, true);
        if (typeof n === 'string') return { ok: false, error: n };
        args.baud = n;
        break;
      }
      case '--video-uri':
        // A URI is announced as given (an empty one is a camera that fills in nothing); only a flag is refused.
        (args.videoUris ??= []).push(v);
        break;
      case '--state':
        args.state = v === 'none' ? null : v;
        break;
      case '--station':
        args.station = v;
        break;
      case '--fleet':
        args.fleet = v;
        break;
      case '--faults':
        args.faults = v;
        break;
    }
  }
  return { ok: true, args };
}

async function readJson(flag: string, path: string): Promise<{ ok: true; value: unknown } | { ok: false; error: string }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    return { ok: false, error: `${flag}: cannot read "${path}": ${(e as Error).message}` };
  }
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (e) {
    return { ok: false, error: `${flag}: "${path}" is not valid JSON: ${(e as Error).message}` };
  }
}

export interface SimMainIo {
  out: (line: string) => void;
  err: (line: string) => void;
  /** Resolves when the simulator should stop (default: SIGINT or SIGTERM). */
  until?: Promise<unknown>;
}

function waitForSignal(): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    process.on('SIGINT', done);
    process.on('SIGTERM', done);
  });
}

export async function simMain(argv: string[], io: SimMainIo = { out: (l) => console.log(l), err: (l) => console.error(l) }): Promise<number> {
  const parsed = parseSimArgs(argv);
  if (!parsed.ok) {
    io.err(`kongxun sim: ${parsed.error}`);
    return 2;
  }
  const a = parsed.args;
  const opts: Partial<SimFleetOptions> = {};
  // The files are checked as the station checks them (missions/); the simulator gets their docks and drones.
  if (a.station) {
    const j = await readJson('--station', a.station);
    if (!j.ok) return fail(io, j.error);
    const g = parseJurisdiction(j.value, a.station);
    if (!g.ok) return fail(io, `--station: ${g.reason}`);
    opts.docks = g.value.docks;
  }
  if (a.fleet) {
    const j = await readJson('--fleet', a.fleet);
    if (!j.ok) return fail(io, j.error);
    const f = parseFleet(j.value, a.fleet);
    if (!f.ok) return fail(io, `--fleet: ${f.reason}`);
    opts.specs = f.value.drones;
    opts.reservePct = f.value.reservePct;
  }
  let faults: FaultRule[] = [];
  if (a.faults) {
    const j = await readJson('--faults', a.faults);
    if (!j.ok) return fail(io, j.error);
    const f = parseFaultFile(j.value);
    if (!f.ok) return fail(io, `--faults: ${f.reason}`);
    faults = f.value;
  }
  const drones = a.drones ?? opts.specs?.length;
  // Without --home or docks, the drones stand where the captured SITL did (captures/README.md).
  const home = a.home ?? (opts.docks === undefined ? DEFAULT_HOME : undefined);
  if (drones === undefined) return fail(io, `--drones: required (or give --fleet with drones)\n${USAGE}`);
  const impaired = a.loss !== undefined || a.latencyMs !== undefined || a.baud !== undefined;
  const stateDir = a.state === undefined ? defaultStateDir(a.basePort ?? 5760) : a.state;
  const created = SimFleet.create({
    ...(stateDir !== null ? { stateDir, warn: io.err } : {}),
    ...opts,
    drones,
    faults,
    ...(home ? { home } : {}),
    ...(a.speedup !== undefined ? { speedup: a.speedup } : {}),
    ...(a.udp && !impaired ? { udp: a.udp } : {}),
    ...(impaired ? { tcp: false } : {}),
    ...(a.basePort !== undefined ? { basePort: a.basePort } : {}),
    ...(a.seed !== undefined ? { seed: a.seed } : {}),
    ...(a.warmupMs !== undefined ? { warmupMs: a.warmupMs } : {}),
    ...(a.videoUris ? { videoUri: a.videoUris.length === 1 ? a.videoUris[0]! : a.videoUris } : {}),
  });
  if (!created.ok) return fail(io, created.reason);
  const fleet = created.value;
  const started = await fleet.start();
  if (!started.ok) {
    io.err(`kongxun sim: ${started.reason}`);
    return 1;
  }
  if (impaired) {
    // The autopilot paces its parameter list and MAVFTP bursts to the radio it believes it has (SERIALn_BAUD).
    if (a.baud !== undefined) for (const m of fleet.members) m.drone.radio = { bytesPerSecond: baudToBytesPerSecond(a.baud) };
    const r = await openImpairedLinks(fleet, a);
    if (r) {
      await fleet.stop();
      io.err(`kongxun sim: ${r}`);
      return 1;
    }
    io.out(`kongxun sim: links impaired: loss ${((a.loss ?? 0) * 100).toFixed(0)} %, latency ${a.latencyMs ?? 0} ms${a.baud ? `, ${a.baud} baud` : ''}`);
  }
  for (const m of fleet.members) {
    const h = m.drone.home;
    const cam = m.drone.camera ? ` camera ${m.drone.camera.compid} "${m.drone.camera.options.uri}"` : '';
    io.out(`drone ${m.id} sysid ${m.sysid} home ${h.latDeg.toFixed(6)},${h.lonDeg.toFixed(6)},${h.altAmslM} ${m.urls.join(' ')}${cam}`);
  }
  if (stateDir !== null) io.out(`kongxun sim: signing keys kept in ${stateDir} (--state none: in memory only)`);
  io.out(`kongxun sim: ${fleet.members.length} drone(s) running${a.speedup ? ` at ${a.speedup}x` : ''}; Ctrl-C to stop`);
  await (io.until ?? waitForSignal());
  await fleet.stop();
  return 0;
}

/** The fleet's TCP (and UDP) links, each wrapped as a poor radio. Returns an error text or undefined. */
async function openImpairedLinks(fleet: SimFleet, a: SimArgs): Promise<string | undefined> {
  const basePort = a.basePort ?? 5760;
  for (const m of fleet.members) {
    const urls = [`tcpin://127.0.0.1:${basePort + 10 * m.index}`, ...(a.udp ? [`udpout://${a.udp}`] : [])];
    for (const [k, url] of urls.entries()) {
      const clock = m.drone.clock;
      const t = createTransport(url, clock);
      if (!t.ok) return t.reason;
      const imp: Impairment = {
        lossRate: a.loss ?? 0,
        latencyMs: a.latencyMs ?? 0,
        ...(a.baud ? { bytesPerSecond: baudToBytesPerSecond(a.baud) } : {}),
        seed: (a.seed ?? 1) * 1000 + m.index * 10 + k,
      };
      const r = await fleet.attach(m.index, new ImpairedTransport(t.value, clock, imp));
      if (!r.ok) return r.reason;
      m.urls.push(url);
    }
  }
  return undefined;
}

function fail(io: SimMainIo, msg: string): number {
  io.err(`kongxun sim: ${msg}`);
  return 2;
}
