/** `kongxun serve`: the station service and its web console (the built-in simulated fleet by default). */
import { dirname, resolve } from 'node:path';
import { startStationService } from '../service.js';
import { checkDataDir, defaultDataDir } from '../storage/data-dir.js';
import { flag, helpText, intFlag, parseArgs, type FlagSpec } from './args.js';
import { openMbtiles } from '../server/mbtiles.js';
import { consoleStaticDir } from './static-dir.js';
import { dayPlanOptions, dayShown, planDate } from '../app/own-day.js';
import { waitForSignal, type CliIo } from './io.js';
import { SIGNING_FLAGS, cliSigning } from './signing.js';
import { installLastResort } from '../last-resort.js';
import { isLoopbackHost, loadTlsFiles, selfSignedTls, type TlsMaterial } from '../server/tls.js';
import { stationNames } from '../server/http-guard.js';
import { brokerFlags, brokerFromArgs } from './centre-flags.js';

/** The flags of `kongxun serve` (the systemd unit's test checks its command line against them). */
export const SERVE_FLAGS: Record<string, FlagSpec> = {
  station: { type: 'string', describe: 'jurisdiction GeoJSON (default: the sample station)' },
  fleet: { type: 'string', describe: 'fleet JSON (default: the sample fleet)' },
  connect: { type: 'list', describe: 'a drone link URL, e.g. udpin://0.0.0.0:14550 (repeatable)' },
  sim: { type: 'boolean', describe: 'also fly the fleet drones without a link on the simulator' },
  host: { type: 'string', describe: 'address to serve the console on (default 127.0.0.1; any other needs TLS)' },
  tls: { type: 'string', describe: '"self-signed": HTTPS with a certificate the station makes and keeps in DATA/tls/' },
  'tls-cert': { type: 'string', describe: 'HTTPS with this certificate (PEM; with --tls-key)' },
  'tls-key': { type: 'string', describe: 'the private key (PEM) of --tls-cert' },
  'public-name': { type: 'list', describe: 'another name the station is reached by on the LAN (repeatable; accepted in Host/Origin, in the self-signed certificate)' },
  port: { type: 'string', describe: 'port of the console (default 8080; 0 picks a free one)' },
  data: { type: 'string', describe: "the station's data folder (default: the user's data folder)" },
  plan: { type: 'string', describe: 'a day plan directory (schedule.json, routes.geojson) to show on the console (default: plan today into DATA/plans/, and each new day at midnight, station time, while serving)' },
  'no-plan': { type: 'boolean', describe: 'do not plan today when --plan is not given' },
  tiles: { type: 'string', describe: 'an MBTiles file (raster) served as the offline basemap' },
  patrol: { type: 'string', describe: 'run this day plan directory with the patrol runner (or KONGXUN_PATROL_PLAN)' },
  video: { type: 'list', describe: 'a drone\'s video source DRONE=URL (repeatable): JH-01=rtp://0.0.0.0:5600 (RTP/UDP), JH-02=rtsp://user:pass@host/path (RTSP, TCP then UDP; rtspu:// UDP first, rtspt:// TCP only)' },
  janus: { type: 'boolean', describe: 'start Janus (apt-get install janus) and forward every drone\'s video to it for kiosks and the centre (WebRTC, token per console)' },
  'janus-port': { type: 'string', describe: 'Janus HTTP API port (default 8088; its admin API listens on this port + 1, loopback only)' },
  'janus-ip': { type: 'string', describe: 'the address viewers reach Janus at: its HTTP API and WebRTC (ICE) use only this address (default 127.0.0.1)' },
  'sim-warmup': { type: 'string', describe: "seconds the simulated drones take to get a position (default ArduCopter's ~41)" },
  ...SIGNING_FLAGS,
  centre: { type: 'string', describe: 'link to the sub-bureau centre through this MQTT broker: mqtts://broker:8883 (off by default)' },
  ...brokerFlags('centre-', 'station'),
  help: { type: 'boolean', describe: 'show this help' },
};

export async function serveMain(argv: string[], io: CliIo): Promise<number> {
  const a = parseArgs(argv, SERVE_FLAGS, 'serve');
  if (!a.ok) return io.fail(a.reason, 2);
  if (flag(a.value, 'help')) return io.print(helpText('serve', '[options]', SERVE_FLAGS), 0);
  const port = intFlag(a.value, 'port', 'serve', 0, 65535);
  if (!port.ok) return io.fail(port.reason, 2);
  const warm = flag(a.value, 'sim-warmup');
  if (warm !== undefined && !(Number(warm) >= 0)) return io.fail(`kongxun serve: --sim-warmup must be a number of seconds ≥ 0, got "${warm}"`, 2);
  const signing = cliSigning(a.value, 'serve', { warn: (l) => io.err(l), policyAlone: true });
  if (!signing.ok) return io.fail(signing.reason, 2);
  const host = flag(a.value, 'host') ?? '127.0.0.1';
  const tlsMode = flag(a.value, 'tls');
  const certFile = flag(a.value, 'tls-cert');
  const keyFile = flag(a.value, 'tls-key');
  const publicNames = a.value.flags.get('public-name') ?? [];
  if (tlsMode !== undefined && tlsMode !== 'self-signed') return io.fail(`kongxun serve: --tls takes "self-signed", got "${tlsMode}" (or give --tls-cert and --tls-key)`, 2);
  if ((certFile === undefined) !== (keyFile === undefined)) return io.fail('kongxun serve: --tls-cert and --tls-key go together', 2);
  if (tlsMode !== undefined && certFile !== undefined) return io.fail('kongxun serve: either --tls self-signed or --tls-cert/--tls-key, not both', 2);
  if (!isLoopbackHost(host) && tlsMode === undefined && certFile === undefined)
    return io.fail(`kongxun serve: --host ${host} serves the console beyond this machine: turn TLS on (--tls self-signed, or --tls-cert F --tls-key F); sessions and passwords never cross the LAN in clear`, 2);
  const dataDirEarly = resolve(flag(a.value, 'data') ?? defaultDataDir());
  let tls: TlsMaterial | undefined;
  if (certFile !== undefined && keyFile !== undefined) {
    const t = loadTlsFiles(resolve(certFile), resolve(keyFile));
    if (!t.ok) return io.fail(`kongxun serve: ${t.reason}`, 2);
    tls = t.value;
  } else if (tlsMode === 'self-signed') {
    const t = await selfSignedTls(dataDirEarly, stationNames(host, publicNames));
    if (!t.ok) return io.fail(`kongxun serve: ${t.reason}`, 2);
    tls = t.value;
  }
  if (tls) io.out(`kongxun: TLS certificate ${tls.source}; SHA-256 fingerprint ${tls.fingerprint}`);
  const offLastResort = installLastResort((l) => io.err(l));
  const centreUrl = flag(a.value, 'centre');
  const centre = centreUrl !== undefined ? brokerFromArgs(a.value, centreUrl, 'centre-', 'serve') : undefined;
  if (centre && !centre.ok) return io.fail(centre.reason, 2);
  const staticDir = await consoleStaticDir();
  const tilesFile = flag(a.value, 'tiles');
  const tiles = tilesFile !== undefined ? await openMbtiles(resolve(tilesFile)) : undefined;
  if (tiles && !tiles.ok) return io.fail(`kongxun serve: ${tiles.reason}`, 2);
  // The data folder first: planning today writes into it (a folder under /proc would spin mkdir forever).
  const dataDirForPlan = resolve(flag(a.value, 'data') ?? defaultDataDir());
  const checked = checkDataDir(dataDirForPlan);
  if (!checked.ok) return io.fail(`kongxun serve: ${checked.reason}`, 2);
  const patrolDir = flag(a.value, 'patrol') ?? process.env.KONGXUN_PATROL_PLAN;
  const shown = dayShown({ plan: flag(a.value, 'plan'), patrol: patrolDir, noPlan: !!flag(a.value, 'no-plan'), connect: (a.value.flags.get('connect') ?? []).length > 0 });
  const day = await dayPlanOptions(shown, { stationFile: flag(a.value, 'station'), fleetFile: flag(a.value, 'fleet'), dataDir: dataDirForPlan, log: (l) => io.out(l), nowMs: Date.now() });
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
    host,
    ...(tls ? { tls: { cert: tls.cert, key: tls.key } } : {}),
    ...(publicNames.length > 0 ? { publicNames } : {}),
    port: port.value ?? 8080,
    anyPortIfTaken: port.value === undefined,
    ...(signing.value.config ? { signing: signing.value.config } : {}),
    ...(signing.value.unsigned ? { unsigned: signing.value.unsigned } : {}),
    ...(flag(a.value, 'fleet') !== undefined ? { fleetDir: dirname(resolve(flag(a.value, 'fleet')!)) } : {}),
    ...(warm !== undefined ? { simWarmupMs: Number(warm) * 1000 } : {}),
    ...(day.planDir !== undefined ? { planDir: resolve(day.planDir) } : {}),
    ...(day.followDay ? { followDay: day.followDay } : {}),
    ...(patrolDir ? { patrolDir: resolve(patrolDir), planPatrolDay: (date: string) => planDate({ date, stationFile: flag(a.value, 'station'), fleetFile: flag(a.value, 'fleet'), dataDir: dataDirForPlan, log: (l) => io.out(l) }) } : {}),
    ...(tiles?.ok ? { tiles: tiles.value } : {}),
    ...(video.length > 0 ? { video } : {}),
    ...(centre?.ok ? { centre: { ...centre.value, station: centre.value.id } } : {}),
    ...(janus ? { janus } : {}),
    log: (l) => io.out(l),
  });
  if (!started.ok) {
    offLastResort();
    return io.fail(`kongxun serve: ${started.reason}`, 2);
  }
  io.out(`kongxun: console at ${started.value.url}  (Ctrl+C to stop)`);
  const setup = started.value.setupUrl();
  if (setup) {
    io.out('kongxun: this station has no users yet. Open this one-time link on this machine: it creates your administrator (管理员)');
    io.out(`kongxun:   and pilot (飞手) accounts and signs you in as the pilot, ready to fly: ${setup}`);
  } else if (started.value.auth.needsSetup()) {
    io.out(`kongxun: this station has no users yet: create the first administrator with  kongxun users add NAME --role admin --data ${dataDir}`);
  }
  const sig = await waitForSignal();
  io.out(`kongxun: ${sig}, stopping`);
  await started.value.close();
  offLastResort();
  return 0;
}
