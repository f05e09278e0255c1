/**
 * The station service: what `kongxun serve`, `npm start` and the desktop app run. It loads the station's
 * geography and fleet (the sample station by default), connects the drones — each fleet drone with a
 * `connect` URL over its link, every other one to the built-in simulator over an in-process link
 * (station/app/links.ts) — records every frame, and serves the console (HTTP + WebSocket) on 127.0.0.1.
 *
 * This is a composition root: it reads the wall clock's default, wires the parts of station/app/ in order,
 * and holds no policy. Every part that starts registers its stop on one stack (station/app/disposables.ts) at
 * once; a failed start and `close` unwind that same stack, last started first. `kongxun sim` serves simulated
 * drones over TCP for other programs.
 */
import { join } from 'node:path';
import { SystemClock, type Clock } from '../common/clock.js';
import type { SigningConfig, UnsignedPolicy } from '../mavlink/codec/signing.js';
import { err, ok, type Result } from '../common/result.js';
import type { SimFleet } from '../sitl/fleet.js';
import type { StationEvent } from '../common/api/contract.js';
import { createStation, type Station } from './compose.js';
import { startConsoleServer, type ConsoleServer } from './server/console-server.js';
import type { TileSource } from './server/mbtiles.js';
import { DayPlan } from './app/day-plan.js';
import { loadStationFiles, type StationFiles } from './files/station-files.js';
import type { PatrolRunner } from './patrol/runner.js';
import { isoLocal } from '../missions/plan/timezone.js';
import type { AlertRow } from './patrol/store.js';
import type { DiscoveryTimings } from './video/discovery.js';
import type { VideoHub } from './video/hub.js';
import { Auth } from './auth/auth.js';
import { deskInstructions, startStationCentre, type StationCentre, type StationCentreOptions } from './centre/start.js';
import { checkDataDir } from './storage/data-dir.js';
import { StorageHealth, type StorageNotice } from './storage/health.js';
import { openGateway, type CommandGateway } from './gateway/gateway.js';
import { centreVideoAccess, type JanusForwarder } from './video/janus.js';
import type { AlertSnapshots } from './video/alert-snapshot.js';
import type { Principal } from './gateway/principal.js';
import { saidText } from './patrol/said.js';
import { Disposables } from './app/disposables.js';
import { openServiceLinks } from './app/links.js';
import { logLinkChanges, watchRejectingLinks } from './app/link-watch.js';
import { consoleShowsPatrolAlert, patrolEvent, startServicePatrol } from './app/patrol.js';
import { startServiceVideo } from './app/video.js';
import { ServiceEvents, storageNotice } from './app/events.js';
import { consoleSource } from './app/console-source.js';

export { LINK_LINES_PER_MIN } from './app/link-watch.js';
export { patrolEvent } from './app/patrol.js';
export { withPatrol } from './patrol/console.js';

export interface StationServiceOptions {
  clock?: Clock;
  dataDir: string;
  /** Directory of the bundled renderer (out/renderer). */
  staticDir: string;
  stationFile?: string;
  fleetFile?: string;
  /** Extra link URLs (`--connect`). When given, the simulator flies nothing unless `simulate` is true. */
  connect?: string[];
  simulate?: boolean;
  host?: string;
  port?: number;
  /** HTTPS for the console (PEM certificate and key); required by `kongxun serve` for a non-loopback host. */
  tls?: { cert: string; key: string };
  /** More names the station is reached by on the LAN (accepted in Host and Origin). */
  publicNames?: string[];
  /**
   * MAVLink 2 signing: the key for every real link (a drone's own key, DATA/keys/<id>.key or the fleet
   * file's signing_key_file, wins). The built-in simulator's in-process links stay unsigned. When any key is
   * given, every real link must have one or the service refuses to start.
   */
  signing?: Omit<SigningConfig, 'linkId'>;
  /** What to do with unsigned frames on signed links (default reject; `--unsigned`). */
  unsigned?: UnsignedPolicy;
  /** The folder of the fleet file (a drone's signing_key_file is relative to it). */
  fleetDir?: string;
  /** Serve on any free port when `port` is taken. */
  anyPortIfTaken?: boolean;
  /**
   * Open the console's TCP port (default true). false: the desktop app without LAN consoles; its windows reach
   * the console in-process (`fetch` for the `kongxun://app/` scheme, `attachConsole` for the protocol).
   */
  listen?: boolean;
  /** Simulator warm-up (ms to EKF position); default ArduCopter's captured ~41 s. */
  simWarmupMs?: number;
  log?: (line: string) => void;
  /** Day plan directory (schedule.json, routes.geojson) the console shows (`--plan DIR`). */
  planDir?: string;
  /**
   * The station planned its day itself (`serve` without --plan): past midnight, station time, plan the new day
   * with this (its folder, or undefined when it could not) and show it (station/app/day-plan.ts).
   */
  followDay?: (nowMs: number) => Promise<string | undefined>;
  /** Offline basemap (`--tiles file.mbtiles`), opened by the caller (station/server/mbtiles.ts). */
  tiles?: TileSource;
  /** Run this day plan (schedule.json + sorties/*.plan) with the patrol runner (`--patrol DIR`). */
  patrolDir?: string;
  /**
   * Plan the patrol's next day `date` with the station's planner: its folder (beside, never the day flown), or
   * the cause (station/patrol/next-day.ts). Absent: the end of the patrol's day is alerted (it is not flying).
   */
  planPatrolDay?: (date: string) => Promise<Result<string>>;
  /** Video sources by drone id (`--video JH-01=rtp://0.0.0.0:5600`); override the fleet file's `video`. */
  video?: { drone: string; url: string }[];
  /** Ask the drones for VIDEO_STREAM_INFORMATION (station/video/discovery.ts): on by default; timings for tests; false = off. */
  videoDiscovery?: false | Partial<DiscoveryTimings>;
  /**
   * Start Janus (station/video/janus.ts) with its HTTP API on `ip:port` (admin API on port + 1, loopback) and
   * forward every drone's RTP to it; without Janus installed the station runs without it and logs why.
   */
  janus?: { port: number; ip: string };
  /** Built-in simulator drones that carry a camera (component 100) announcing this stream URI. */
  simCameras?: { drone: string; uri: string }[];
  /** The link to the sub-bureau centre over an MQTT broker (`--centre URL`, station/centre/); off by default. */
  centre?: StationCentreOptions;
  /** Free-space watermarks and check period of the data folder (station/storage/health.ts). */
  storage?: { warnFreeBytes?: number; stopFreeBytes?: number; checkMs?: number };
}

export interface StationService {
  /** The console's URL: http(s)://… when it listens, else the in-process `kongxun://app/`. */
  url: string;
  /** The console's TCP port; 0 when it does not listen. */
  port: number;
  /** The console's HTTP handling in-process (the desktop app's scheme): ConsoleServer['fetch']. */
  fetch: ConsoleServer['fetch'];
  /** Accounts and sessions of the console (DATA/users.sqlite). */
  auth: Auth;
  /** While no account exists: the one-time URL on 127.0.0.1 that creates the first administrator. */
  setupUrl(): string | undefined;
  station: Station;
  files: StationFiles;
  fleet: SimFleet | undefined;
  /** Serve a console over another transport than WebSocket (the desktop app's MessagePort). */
  attachConsole: ConsoleServer['attach'];
  /** Serve recorded flights' video over another transport than `/ws/replay` (the desktop app's replay port). */
  attachReplay: ConsoleServer['attachReplay'];
  /** The patrol runner when `patrolDir` was given. A pilot's command from the console takes the drone over. */
  patrol: PatrolRunner | undefined;
  /** The command gateway every command passes (roles, checks, the audit in DATA/audit.sqlite). */
  gateway: CommandGateway;
  /** Live video (station/video/hub.ts): configured sources, and those drones announce. */
  video: VideoHub;
  /** The link to the sub-bureau centre when configured. */
  centre: StationCentre | undefined;
  /** The station's stores and their failures. */
  health: StorageHealth;
  /** The Janus forwarder when `janus` was asked for and Janus started. */
  janus: JanusForwarder | undefined;
  close(): Promise<void>;
}

export async function startStationService(o: StationServiceOptions): Promise<Result<StationService>> {
  const clock = o.clock ?? new SystemClock();
  const log = o.log ?? (() => undefined);
  // The data folder is checked before anything is started: made if missing, a directory, writable, a real
  // filesystem (`--data /proc/x` is refused here instead of spinning).
  const dataDir = checkDataDir(o.dataDir);
  if (!dataDir.ok) return dataDir;
  if (dataDir.value.memoryFs) log(`kongxun: warning: the data folder ${dataDir.value.path} is on ${dataDir.value.memoryFs}: its records do not survive a reboot`);
  const stack = new Disposables((f) => log(`kongxun: stopping ${f.name} failed: ${f.error instanceof Error ? f.error.message : String(f.error)}`));
  const health = new StorageHealth({ clock, dataDir: o.dataDir, ...o.storage });
  stack.add('storage health', () => health.close());
  // The basemap was opened by the caller; the service closes it with the rest.
  if (o.tiles) {
    const tiles = o.tiles;
    stack.add('tiles', () => tiles.close());
  }
  // Until the console's listeners exist, storage notices go to the log; they are kept for the console too.
  const early: StorageNotice[] = [];
  const offEarly = health.onNotice((n) => early.push(n));
  health.check();
  const started = await startServiceParts(o, clock, log, health, stack);
  offEarly();
  if (!started.ok) {
    await stack.dispose();
    return started;
  }
  for (const n of early) started.value.notice(n);
  return ok(started.value.service);
}

async function startServiceParts(o: StationServiceOptions, clock: Clock, log: (l: string) => void, health: StorageHealth, stack: Disposables): Promise<Result<{ service: StationService; notice: (n: StorageNotice) => void }>> {
  const files = loadStationFiles(o.stationFile, o.fleetFile);
  if (!files.ok) return files;
  for (const w of files.value.warnings) log(`kongxun: warning: ${w}`);
  const { fleet: fleetFile, geojson } = files.value;
  // The day the consoles show: the plan given, or (planned by the station itself) each new station day's, or
  // the patrol's (dayShown): past midnight the day the runner went on into (station/patrol/next-day.ts hands
  // it over before midnight; the consoles show it from midnight, as the station's own day).
  const patrolDays: { runner?: PatrolRunner } = {};
  const followPatrol = o.patrolDir !== undefined && o.planDir === o.patrolDir
    ? async (nowMs: number) => {
      const running = patrolDays.runner?.running;
      return running && running.schedule.date === isoLocal(nowMs, fleetFile.timezone).slice(0, 10) ? running.dir : undefined;
    }
    : undefined;
  const follow = o.followDay ?? followPatrol;
  const plan = new DayPlan({
    clock, timezone: fleetFile.timezone, log,
    ...(o.planDir !== undefined ? { dir: o.planDir } : {}),
    ...(follow ? { follow } : {}),
    onFailed: (date, reason) => events.push({ atMs: clock.now(), kind: 'day-plan-failed', severity: 'warning', text: `could not plan the new day ${date}: ${reason}; still showing the plan of ${plan.plan()?.schedule.date ?? 'no day'}`, args: { date, reason, shown: plan.plan()?.schedule.date ?? '—' } }),
  });
  if (plan.loaded && !plan.loaded.ok) return plan.loaded;

  const links = await openServiceLinks(o, fleetFile, files.value.geography.docks, clock, stack);
  if (!links.ok) return links;
  const { fleet, simDrones } = links.value;
  if (links.value.signingSummary) log(`kongxun: ${links.value.signingSummary}`);
  const created = await createStation({ clock, dataDir: o.dataDir, health, connections: links.value.links, linkSigning: links.value.perLink, registry: { batteryReservePct: fleetFile.reservePct } });
  if (!created.ok) return created;
  const station = created.value;
  stack.add('station', () => station.close());
  const names = new Map(fleetFile.drones.map((d) => [d.sysid, d.id] as const));
  // A battery model refused on reading or not written, in the log too (the console has it as an event). Not on
  // the stack: it must still hear the writes station.close() makes when the service stops.
  station.on('battery-model', (e) => log(`kongxun: ${names.get(e.sysid) ?? `sys${e.sysid}`}: battery model ${e.problem === 'rejected' ? `not used (${e.reason}): learning it afresh` : e.problem === 'capacity-changed' ? `learned afresh: ${e.reason}` : `not saved (${e.reason})`}`));
  // The command gateway and its audit (DATA/audit.sqlite): always on, for every station.
  const opened = openGateway({ clock, dataDir: o.dataDir, geography: geojson, droneName: (sysid) => names.get(sysid) ?? null, health });
  if (!opened.ok) return opened;
  const gateway = opened.value;
  stack.add('gateway', () => gateway.close());
  stack.add('link log', logLinkChanges(station, clock, log));

  // The runner's alerts (a missed day's summary, a reassignment, a failsafe) reach the consoles as events too.
  const events = new ServiceEvents(clock);
  const onPatrolAlert = (a: AlertRow) => {
    if (consoleShowsPatrolAlert(a)) events.patrol(patrolEvent(a, fleetFile.drones.find((d) => d.sysid === a.sysid)?.id));
  };
  // Alerts of drones with video carry a picture of the moment (once the video hub runs, below): the station's
  // own alerts (`picture`) and the runner's, kept with the alert in the patrol store.
  const snapshotsFor: { current?: AlertSnapshots } = {};
  const patrolSnapshot = (sysid: number) => {
    const drone = names.get(sysid);
    return drone && snapshotsFor.current ? snapshotsFor.current.take(drone, clock.now()) : undefined;
  };
  const patrol = o.patrolDir !== undefined ? await startServicePatrol(o.patrolDir, {
    files: files.value, station, clock, dataDir: o.dataDir, gateway, log, health, onAlert: onPatrolAlert, snapshot: patrolSnapshot,
    planDay: o.planPatrolDay,
  }, stack) : undefined;
  if (patrol && !patrol.ok) return patrol;
  const runner = patrol?.value.runner;
  if (runner) patrolDays.runner = runner;
  // The centre may ask for a drone's live video: the station's Janus (started below, with --janus) answers.
  const janusFor: { current?: JanusForwarder } = {};
  const centreVideo = (_who: Principal, drone: string) => (janusFor.current ? centreVideoAccess(janusFor.current, drone) : Promise.resolve(err('no-janus', 'this station runs no Janus (serve --janus): it serves no video to the centre')));
  const centre = o.centre ? startStationCentre(o.centre, { clock, station, fleet: fleetFile, dataDir: o.dataDir, patrol: patrol?.value, rules: gateway.rules, log, video: centreVideo }) : undefined;
  if (centre && !centre.ok) return centre;
  if (centre) stack.add('centre', () => centre.value.close());

  // A drone's texts are merged (×N) and rate-limited per vehicle before any console sees them; alerts of drones
  // with video carry a picture of the moment (once the video hub runs, below).
  stack.add('events', () => events.close());
  let picture = (e: StationEvent): StationEvent => e;
  stack.add('station events', events.follow(station, names, (e) => picture(e)));
  // A link that is up but whose every frame is rejected (a wrong key, a drone that does not sign under
  // reject) shows no vehicle: say so, as an alert, once per episode.
  stack.add(
    'rejecting-link watch',
    watchRejectingLinks(station, clock, (ev) => {
      log(`kongxun: ${ev.text}`);
      events.push(ev);
    }),
  );
  events.started();
  plan.start();
  stack.add('day plan', () => plan.close());

  const onJanus = (text: string, what: 'died' | 'restart-failed' | 'back') => {
    log(`kongxun: ${what === 'back' ? '' : 'ALERT: '}${text}`);
    events.push({ atMs: clock.now(), kind: 'janus', severity: what === 'back' ? 'notice' : 'alert', text, args: { what } });
    if (what !== 'back') runner?.alert(null, null, 'warning', saidText(text));
  };
  const video = await startServiceVideo(o, { clock, station, fleet: fleetFile, names, health, log, sortieLabel: (sysid) => runner?.busyWith(sysid)?.id ?? null, onJanus }, stack);
  if (!video.ok) return video;
  const { hub, snapshots, janus } = video.value;
  snapshotsFor.current = snapshots;
  if (janus) janusFor.current = janus.forwarder;
  picture = (e) => snapshots.attach(e);

  const openedAuth = Auth.open({ dataDir: o.dataDir, clock });
  if (!openedAuth.ok) return err(openedAuth.code, `accounts: ${openedAuth.reason}`);
  const auth = openedAuth.value;
  stack.add('accounts', () => auth.close());
  const server = await startConsoleServer({
    clock,
    auth,
    log,
    ...(o.tls ? { tls: o.tls } : {}),
    ...(o.publicNames ? { publicNames: o.publicNames } : {}),
    staticDir: o.staticDir,
    host: o.host ?? '127.0.0.1',
    port: o.port ?? 8080,
    anyPortIfTaken: o.anyPortIfTaken ?? false,
    ...(o.listen === false ? { listen: false } : {}),
    ...(o.tiles ? { tiles: o.tiles } : {}),
    ...(o.planDir !== undefined || follow ? { planDir: () => plan.dir() } : {}),
    video: hub,
    snapshotsDir: join(o.dataDir, 'snapshots'),
    ...(janus ? { janus: { apiUrl: janus.process.url, issue: () => janus.forwarder.issue() } } : {}),
    // Flight replay: the tlogs and video recordings of this data directory, drones named by the fleet file.
    replay: { dataDir: o.dataDir, droneName: (sysid) => names.get(sysid) ?? null, log },
    source: { ...consoleSource({ clock, station, fleet: fleetFile, geojson, names, gateway, runner, plan, tiles: o.tiles?.info ?? null, simulated: simDrones.length > 0, events }), ...(centre ? { instructions: deskInstructions(centre.value.host) } : {}) },
    audit: { log: gateway.audit },
  });
  if (!server.ok) return server;
  const srv: ConsoleServer = server.value;
  stack.add('console server', () => srv.close());
  log(`kongxun: audit in ${gateway.audit.file}`);
  const notice = storageNotice(events, runner, log);
  stack.add('storage notices', health.onNotice(notice));
  const space = health.space();
  log(`kongxun: station "${fleetFile.station}": ${fleetFile.drones.length} drones (${simDrones.length} simulated), recording to ${join(o.dataDir, 'tlogs')}${space.freeBytes !== null ? ` (${Math.round(space.freeBytes / 1048576)} MiB free)` : ''}`);
  return ok({
    notice,
    service: {
      url: srv.url,
      port: srv.port,
      auth,
      setupUrl: () => srv.setupUrl(),
      station,
      files: files.value,
      fleet,
      fetch: (request, f) => srv.fetch(request, f),
      attachConsole: (peer) => srv.attach(peer),
      attachReplay: (end, token) => srv.attachReplay(end, token),
      patrol: runner,
      gateway,
      video: hub,
      centre: centre?.value,
      health,
      janus: janus?.forwarder,
      close: async () => {
        await stack.dispose();
      },
    },
  });
}
