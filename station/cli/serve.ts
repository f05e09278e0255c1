/** `kongxun serve`: the station service and its web console (the built-in simulated fleet by default). */
import { resolve } from 'node:path';
import { startStationService } from '../service.js';
import { defaultDataDir } from '../data-dir.js';
import { flag, helpText, intFlag, parseArgs, type FlagSpec } from './args.js';
import { openMbtiles } from '../server/mbtiles.js';
import { consoleStaticDir } from './static-dir.js';
import { planToday } from './today-plan.js';
import { waitForSignal, type CliIo } from './io.js';
import { SIGNING_FLAGS, signingFromArgs } from './signing.js';

const SPEC: Record<string, FlagSpec> = {
  station: { type: 'string', describe: 'jurisdiction GeoJSON (default: the sample station)' },
  fleet: { type: 'string', describe: 'fleet JSON (default: the sample fleet)' },
  connect: { type: 'list', describe: 'a drone link URL, e.g. udpin://0.0.0.0:14550 (repeatable)' },
  sim: { type: 'boolean', describe: 'also fly the fleet drones without a link on the simulator' },
  host: { type: 'string', describe: 'address to serve the console on (default 127.0.0.1)' },
  port: { type: 'string', describe: 'port of the console (default 8080; 0 picks a free one)' },
  data: { type: 'string', describe: "the station's data folder (default: the user's data folder)" },
  plan: { type: 'string', describe: 'a day plan directory (schedule.json, routes.geojson) to show on the console (default: plan today into DATA/plans/)' },
  'no-plan': { type: 'boolean', describe: 'do not plan today when --plan is not given' },
  tiles: { type: 'string', describe: 'an MBTiles file (raster) served as the offline basemap' },
  patrol: { type: 'string', describe: 'run this day plan directory with the patrol runner (or KONGXUN_PATROL_PLAN)' },
  video: { type: 'list', describe: 'a drone\'s video source DRONE=URL (repeatable): JH-01=rtp://0.0.0.0:5600 (RTP/UDP), JH-02=rtsp://user:pass@host/path (RTSP, TCP then UDP; rtspu:// UDP first, rtspt:// TCP only)' },
  janus: { type: 'boolean', describe: 'start Janus (apt-get install janus) and forward every drone\'s video to it for kiosks and the centre (WebRTC, token per console)' },
  'janus-port': { type: 'string', describe: 'Janus HTTP API port (default 8088; its admin API listens on this port + 1, loopback only)' },
  'janus-ip': { type: 'string', describe: 'the address viewers reach Janus at: its HTTP API and WebRTC (ICE) use only this address (default 127.0.0.1)' },
  'sim-warmup': { type: 'string', describe: "seconds the simulated drones take to get a position (default ArduCopter's ~41)" },
  ...SIGNING_FLAGS,
  help: { type: 'boolean', describe: 'show this help' },
};

export async function serveMain(argv: string[], io: CliIo): Promise<number> {
  const a = parseArgs(argv, SPEC, 'serve');
  if (!a.ok) return io.fail(a.reason, 2);
  if (flag(a.value, 'help')) return io.print(helpText('serve', '[options]', SPEC), 0);
  const port = intFlag(a.value, 'port', 'serve', 0, 65535);
  if (!port.ok) return io.fail(port.reason, 2);
  const warm = flag(a.value, 'sim-warmup');
  if (warm !== undefined && !(Number(warm) >= 0)) return io.fail(`kongxun serve: --sim-warmup must be a number of seconds ≥ 0, got "${warm}"`, 2);
  const signing = signingFromArgs(a.value, 'serve');
  if (!signing.ok) return io.fail(signing.reason, 2);
  const staticDir = await consoleStaticDir();
  const tilesFile = flag(a.value, 'tiles');
  const tiles = tilesFile !== undefined ? await openMbtiles(resolve(tilesFile)) : undefined;
  if (tiles && !tiles.ok) return io.fail(`kongxun serve: ${tiles.reason}`, 2);
  const dataDirForPlan = resolve(flag(a.value, 'data') ?? defaultDataDir());
  const planDir =
    flag(a.value, 'plan') ??
    (flag(a.value, 'no-plan') || (a.value.flags.get('connect') ?? []).length > 0
      ? undefined
      : await planToday({ stationFile: flag(a.value, 'station'), fleetFile: flag(a.value, 'fleet'), dataDir: dataDirForPlan, io }));
  const patrolDir = flag(a.value, 'patrol') ?? process.env.KONGXUN_PATROL_PLAN;
  const video: { drone: string; url: string }[] = [];
  for (const v of a.value.flags.get('video') ?? []) {
    const m = /^([^=]+)=(\w+:\/\/.+)$/.exec(v);
    if (!m) return io.fail(`kongxun serve: --video takes DRONE=URL (e.g. JH-01=rtp://0.0.0.0:5600), got "${v}"`, 2);
    video.push({ drone: m[1]!, url: m[2]! });
  }
  const dataDir = resolve(flag(a.value, 'data') ?? defaultDataDir());
  const janusPort = intFlag(a.value, 'janus-port', 'serve', 1, 65534);
  if (!janusPort.ok) return io.fail(janusPort.reason, 2);
  const janus = flag(a.value, 'janus') ? { port: janusPort.value ?? 8088, ip: flag(a.value, 'janus-ip') ?? '127.0.0.1' } : undefined;
  const started = await startStationService({
    dataDir,
    staticDir,
    stationFile: flag(a.value, 'station'),
    fleetFile: flag(a.value, 'fleet'),
    connect: a.value.flags.get('connect') ?? [],
    simulate: flag(a.value, 'sim') ? true : undefined,
    host: flag(a.value, 'host') ?? '127.0.0.1',
    port: port.value ?? 8080,
    anyPortIfTaken: port.value === undefined,
    ...(signing.value ? { signing: signing.value } : {}),
    ...(warm !== undefined ? { simWarmupMs: Number(warm) * 1000 } : {}),
    ...(planDir !== undefined ? { planDir: resolve(planDir) } : {}),
    ...(patrolDir ? { patrolDir: resolve(patrolDir) } : {}),
    ...(tiles?.ok ? { tiles: tiles.value } : {}),
    ...(video.length > 0 ? { video } : {}),
    ...(janus ? { janus } : {}),
    log: (l) => io.out(l),
  });
  if (!started.ok) return io.fail(`kongxun serve: ${started.reason}`, 2);
  io.out(`kongxun: console at ${started.value.url}  (Ctrl+C to stop)`);
  const sig = await waitForSignal();
  io.out(`kongxun: ${sig}, stopping`);
  await started.value.close();
  return 0;
}
