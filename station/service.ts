/**
 * The station service: what `kongxun serve`, `npm start` and the desktop app run. It loads the station's
 * geography and fleet (the sample station by default), connects the drones — each fleet drone with a
 * `connect` URL over its link, every other one to the built-in simulator over an in-process link — records
 * every frame, and serves the console (HTTP + WebSocket) on 127.0.0.1.
 *
 * Why in-process links for the built-in fleet: no TCP port of the machine is taken (a real SITL may be on
 * 5760), and the station speaks to the simulator through the very same MavConnection/parser path as to a
 * real drone. `kongxun sim` serves simulated drones over TCP for other programs.
 */
import { join } from 'node:path';
import { SystemClock, type Clock } from '../mavlink/clock.js';
import type { SigningConfig, UnsignedPolicy } from '../mavlink/codec/signing.js';
import { signingPlan } from './files/keys.js';
import { err, ok, type Result } from '../mavlink/result.js';
import { memoryPair } from '../mavlink/transport/memory.js';
import type { Transport } from '../mavlink/transport/types.js';
import { SimFleet } from '../sitl/fleet.js';
import type { ServerMessage, StationEvent, VehicleCommand, VehicleView } from './api/contract.js';
import { stationEvent, vehicleViews } from './api/views.js';
import { createStation, type Station } from './compose.js';
import { EventFlood } from './vehicle/event-flood.js';
import { startConsoleServer, type ConsoleServer } from './server/console-server.js';
import type { TileSource } from './server/mbtiles.js';
import { loadPlanDir } from './server/plan-dir.js';
import { planFromText } from './files/plan-file.js';
import { loadStationFiles, type StationFiles } from './files/station-files.js';
import { loadDay, type DayInput } from './patrol/day.js';
import { PatrolRunner } from './patrol/runner.js';
import { startVideoDiscovery, type DiscoveryTimings } from './video/discovery.js';
import { VideoHub, type SortieMark } from './video/hub.js';
import { Auth } from './auth/auth.js';
import { openPatrolStore, type AlertRow, type PatrolStore } from './patrol/store.js';
import { startStationCentre, type StationCentre, type StationCentreOptions } from './centre/start.js';
import { checkDataDir } from './storage/data-dir.js';
import { StorageHealth, patrolAlert, storageEvent, type StorageNotice } from './storage/health.js';
import { openGateway, type CommandGateway } from './gateway/gateway.js';
import { planItems, runGatewayCommand } from './gateway/run.js';
import type { Principal } from './gateway/principal.js';
import { actualMessage, stationDay } from './patrol/actual.js';
import { checkLook, dispatchView, lookRefusal, lookRequest, mayDispatch } from './patrol/look.js';
import { JanusForwarder, spawnJanus, type JanusProcess } from './video/janus.js';
import { AlertSnapshots } from './video/alert-snapshot.js';

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
  /** Offline basemap (`--tiles file.mbtiles`), opened by the caller (station/server/mbtiles.ts). */
  tiles?: TileSource;
  /** Run this day plan (schedule.json + sorties/*.plan) with the patrol runner (`--patrol DIR`). */
  patrolDir?: string;
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

/** Status lines per link and minute before they are counted instead of printed. */
export const LINK_LINES_PER_MIN = 20;

export async function startStationService(o: StationServiceOptions): Promise<Result<StationService>> {
  const clock = o.clock ?? new SystemClock();
  const log = o.log ?? (() => undefined);
  // The data folder is checked before anything is started: made if missing, a directory, writable, a real
  // filesystem (`--data /proc/x` is refused here instead of spinning).
  const dataDir = checkDataDir(o.dataDir);
  if (!dataDir.ok) return dataDir;
  if (dataDir.value.memoryFs) log(`kongxun: warning: the data folder ${dataDir.value.path} is on ${dataDir.value.memoryFs}: its records do not survive a reboot`);
  const health = new StorageHealth({ clock, dataDir: o.dataDir, ...o.storage });
  // Until the console's listeners exist, storage notices go to the log; they are kept for the console too.
  const early: StorageNotice[] = [];
  const offEarly = health.onNotice((n) => early.push(n));
  health.check();
  const started = await startServiceParts(o, clock, log, health);
  offEarly();
  if (!started.ok) health.close();
  else for (const n of early) started.value.notice(n);
  return started.ok ? ok(started.value.service) : started;
}

async function startServiceParts(o: StationServiceOptions, clock: Clock, log: (l: string) => void, health: StorageHealth): Promise<Result<{ service: StationService; notice: (n: StorageNotice) => void }>> {
  const files = loadStationFiles(o.stationFile, o.fleetFile);
  if (!files.ok) return files;
  for (const w of files.value.warnings) log(`kongxun: warning: ${w}`);
  const { fleet: fleetFile, geojson } = files.value;
  const plan = o.planDir !== undefined ? loadPlanDir(o.planDir) : undefined;
  if (plan && !plan.ok) return plan;

  const links: (string | Transport)[] = [...(o.connect ?? [])];
  for (const d of fleetFile.drones) if (d.connect && !links.includes(d.connect)) links.push(d.connect);
  const simulated = o.simulate ?? (o.connect ?? []).length === 0;
  const simDrones = simulated ? fleetFile.drones.filter((d) => !d.connect) : [];

  let fleet: SimFleet | undefined;
  const simEnds: Transport[] = [];
  if (simDrones.length > 0) {
    const created = SimFleet.create({
      drones: simDrones.length,
      clock,
      tcp: false,
      station: geojson,
      fleet: {
        reserve_percent: fleetFile.reservePct,
        drones: simDrones.map((d) => ({ id: d.id, sysid: d.sysid, dock: d.dock, endurance_minutes: d.enduranceMin, cruise_mps: d.cruiseMps })),
      },
      ...(o.simWarmupMs !== undefined ? { warmupMs: o.simWarmupMs } : {}),
      ...(o.simCameras ? { videoUri: simDrones.map((d) => o.simCameras!.find((c) => c.drone === d.id)?.uri) } : {}),
    });
    if (!created.ok) return err(created.code, `built-in simulator: ${created.reason}`);
    fleet = created.value;
    for (let i = 0; i < simDrones.length; i++) {
      const [stationEnd, droneEnd] = memoryPair(clock, { names: [`sim-${simDrones[i]!.id}`, `gcs`] });
      const attached = await fleet.attach(i, droneEnd);
      if (!attached.ok) return attached;
      simEnds.push(stationEnd);
    }
    links.push(...simEnds);
  }
  if (links.length === 0) return err('no-links', 'no drone to connect: give --connect URL or a fleet file whose drones are simulated');

  // Signing fails closed: every real link signs, with its drone's key or the station's; only the in-process
  // simulator links (no socket, nothing to forge) stay unsigned. A real link without a key, when any key is
  // given, stops the start: a link silently unsigned next to signed ones is what an attacker looks for.
  const keys = signingPlan(
    links.map((l) => (typeof l !== 'string' && simEnds.includes(l) ? { sim: true } : { url: typeof l === 'string' ? l : l.url })),
    fleetFile.drones,
    { ...o, fleetDir: o.fleetDir ?? '.' },
  );
  if (!keys.ok) {
    await fleet?.stop();
    return keys;
  }
  if (keys.value.summary) log(`kongxun: ${keys.value.summary}`);
  const created = await createStation({
    clock,
    dataDir: o.dataDir,
    health,
    connections: links,
    linkSigning: keys.value.perLink,
  });
  if (!created.ok) {
    await fleet?.stop();
    return created;
  }
  const station = created.value;
  const names = new Map(fleetFile.drones.map((d) => [d.sysid, d.id] as const));
  // The command gateway and its audit (DATA/audit.sqlite): always on, for every station.
  const opened = openGateway({ clock, dataDir: o.dataDir, geography: geojson, droneName: (sysid) => names.get(sysid) ?? null, health });
  if (!opened.ok) {
    await station.close();
    await fleet?.stop();
    return opened;
  }
  const gateway = opened.value;
  // Link state changes go to the log, once per change: a radio not plugged in yet ("waiting: … not found — is
  // the radio plugged in?"), a drone's server not up yet, a link lost and back.
  // A UDP link hears whoever sends to it: a churn of source ports (a hostile sender, a NAT) is at most
  // LINK_LINES_PER_MIN lines a minute per link, then one line saying how many changes were not shown.
  for (const c of station.connections()) {
    let last = '';
    let windowStart = clock.now();
    let shown = 0;
    let hidden = 0;
    c.onStatus((st) => {
      const line = st.state === 'reconnecting' ? `waiting (${st.reason})` : st.state === 'connected' ? `up (${st.peer})` : 'reason' in st ? `${st.state} (${st.reason})` : st.state;
      if (line === last || st.state === 'opening' || st.state === 'closed') return;
      last = line;
      const now = clock.now();
      if (now - windowStart >= 60_000) {
        if (hidden > 0) log(`kongxun: link ${c.name}: ${hidden} more peer changes not shown (a UDP link keeps at most 64 peers and forgets one idle for 60 s)`);
        windowStart = now;
        shown = 0;
        hidden = 0;
      }
      if (shown < LINK_LINES_PER_MIN) {
        shown++;
        log(`kongxun: link ${c.name}: ${line}`);
      } else hidden++;
    });
  }
  // The runner's alerts (a missed day's summary, a reassignment, a failsafe) reach the consoles as events too.
  // Those raised while the runner starts (before any console listens) are kept for the consoles' recent events.
  const patrolAlerts = new Set<(e: StationEvent) => void>();
  const early: StationEvent[] = [];
  const onPatrolAlert = (a: AlertRow) => {
    const ev = patrolEvent(a, fleetFile.drones.find((d) => d.sysid === a.sysid)?.id);
    if (patrolAlerts.size === 0 && early.length < 50) early.push(ev);
    for (const l of patrolAlerts) l(ev);
  };
  const patrol = o.patrolDir !== undefined ? await startPatrol(o.patrolDir, files.value, station, clock, o.dataDir, gateway, log, health, onPatrolAlert) : undefined;
  if (patrol && !patrol.ok) {
    gateway.close();
    await station.close();
    await fleet?.stop();
    return patrol;
  }
  const runner = patrol?.value.runner;
  const centre = o.centre ? startStationCentre(o.centre, { clock, station, fleet: fleetFile, dataDir: o.dataDir, patrol: patrol?.value, rules: gateway.rules, log }) : undefined;
  if (centre && !centre.ok) {
    await patrol?.value.close();
    gateway.close();
    await station.close();
    await fleet?.stop();
    return centre;
  }
  const listeners = new Set<(e: StationEvent) => void>();
  // A drone's texts are merged (×N) and rate-limited per vehicle before any console sees them; alerts of drones
  // with video carry a picture of the moment (set once the video hub runs, below).
  const flood = new EventFlood(clock, (ev) => {
    for (const l of listeners) l(ev);
  });
  const snapshots: { current?: AlertSnapshots } = {};
  const offEvents = station.on('*', (e) => {
    const raw = stationEvent(e, clock.now(), names);
    const ev = raw && snapshots.current ? snapshots.current.attach(raw) : raw;
    if (ev) flood.push(ev);
  });
  // A link that is up but whose every frame is rejected (a wrong key, a drone that does not sign under
  // reject) shows no vehicle: say so, as an alert, once per episode.
  const rejectWatch = watchRejectingLinks(station, clock, (ev) => {
    log(`kongxun: ${ev.text}`);
    flood.push(ev);
  });
  patrolAlerts.add((ev) => listeners.forEach((l) => l(ev)));
  const hello: Extract<ServerMessage, { type: 'hello' }> = {
    type: 'hello',
    station: fleetFile.station,
    geography: geojson,
    simulated: simDrones.length > 0,
    version: '0.1.0',
    tiles: o.tiles?.info ?? null,
    timezone: fleetFile.timezone,
  };
  const videoOverride = new Set((o.video ?? []).map((v) => v.drone));
  const videoSources = [...fleetFile.drones.flatMap((d) => (d.video && !videoOverride.has(d.id) ? [{ drone: d.id, url: d.video, ...(d.videoSub ? { subUrl: d.videoSub } : {}) }] : [])), ...(o.video ?? [])];
  const sysids = new Map(fleetFile.drones.map((d) => [d.id, d.sysid] as const));
  // A sortie, for the video recordings, is armed → disarmed; under the patrol runner it carries the sortie's id.
  const sortieOf = (drone: string): SortieMark => {
    const sysid = sysids.get(drone);
    const v = sysid === undefined ? undefined : station.snapshot().vehicles.find((x) => x.sysid === sysid);
    const armed = v?.armed ?? false;
    return { airborne: armed, label: armed && sysid !== undefined ? (runner?.busyWith(sysid)?.id ?? null) : null };
  };
  // Janus for the kiosks and the centre: the station forwards RTP to it; a missing Janus is logged, not fatal.
  let janusProc: JanusProcess | undefined;
  let janus: JanusForwarder | undefined;
  if (o.janus) {
    // Janus's API binds where viewers reach it; ICE gathers only on that address (all when it is 0.0.0.0).
    const any = o.janus.ip === '0.0.0.0' || o.janus.ip === '::';
    const j = await spawnJanus({ dir: join(o.dataDir, 'janus'), httpPort: o.janus.port, adminPort: o.janus.port + 1, bindIp: o.janus.ip, iceEnforce: any ? '' : o.janus.ip, log });
    if (j.ok) {
      janusProc = j.value;
      janus = new JanusForwarder({ gateway: j.value.gateway, log });
    } else log(`kongxun: no Janus, kiosks and the centre get no video: ${j.reason}`);
  }
  // The hub runs even with no configured source: drones may announce theirs (VIDEO_STREAM_INFORMATION).
  const started = await VideoHub.start({ dataDir: o.dataDir, sources: videoSources, log, sortieOf, health, ...(janus ? { forward: (d: string, b: Uint8Array) => janus.forward(d, b) } : {}) });
  if (!started.ok) {
    await janus?.close();
    await janusProc?.stop();
    offEvents();
    await centre?.value.close();
    clock.clearInterval(rejectWatch);
    flood.close();
    await patrol?.value.close();
    gateway.close();
    await station.close();
    await fleet?.stop();
    return started;
  }
  const video = started.value;
  snapshots.current = new AlertSnapshots({ dir: join(o.dataDir, 'snapshots'), lastKeyframe: (d) => video.lastKeyframe(d), now: () => Date.now(), log });
  // Sources the drones announce (VIDEO_STREAM_INFORMATION); a configured one always wins in the hub.
  const discovery =
    o.videoDiscovery === false
      ? undefined
      : startVideoDiscovery(station, { clock, droneId: (sysid) => names.get(sysid) ?? `sys${sysid}`, addSource: (drone, url) => video.addSource(drone, url), log, timings: o.videoDiscovery ?? {} });
  const offArm = station.on('*', (e) => {
    if (e.type !== 'armed' && e.type !== 'disarmed') return;
    const drone = names.get(e.sysid);
    if (drone) video.markSortie(drone, sortieOf(drone));
  });
  const openedAuth = Auth.open({ dataDir: o.dataDir, clock });
  if (!openedAuth.ok) {
    offEvents();
    offArm();
    discovery?.close();
    await video.close();
    await patrol?.value.close();
    await station.close();
    await fleet?.stop();
    return err(openedAuth.code, `accounts: ${openedAuth.reason}`);
  }
  const auth = openedAuth.value;
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
    ...(o.planDir !== undefined ? { planDir: o.planDir } : {}),
    video,
    snapshotsDir: join(o.dataDir, 'snapshots'),
    ...(janus && janusProc ? { janus: { apiUrl: janusProc.url, issue: () => janus.issue() } } : {}),
    // Flight replay: the tlogs and video recordings of this data directory, drones named by the fleet file.
    replay: { dataDir: o.dataDir, droneName: (sysid) => names.get(sysid) ?? null, log },
    source: {
      hello: () => hello,
      plan: () => (plan?.ok ? plan.value : null),
      // What happened: the runner's records (none without a runner: the plan is then only a plan) and the day's flights.
      actual: (flights) => {
        const m = actualMessage({ sorties: runner ? runner.list() : null, flights, day: stationDay(clock.now(), fleetFile.timezone) });
        if (!runner) return m;
        const where = (sysid: number) => {
          const v = station.snapshot().vehicles.find((x) => x.sysid === sysid);
          const cruiseMps = fleetFile.drones.find((d) => d.sysid === sysid)?.cruiseMps ?? 10;
          return v?.position ? { latDeg: v.position.latDeg, lonDeg: v.position.lonDeg, airborne: v.armed, cruiseMps } : undefined;
        };
        return { ...m, dispatches: runner.dispatches().reverse().slice(0, 20).map((r) => dispatchView(r, where)) };
      },
      // "Go and look here" from the desk: the runner's dispatcher picks the drone; the asker is audited.
      look: async (req, who) => {
        if (!mayDispatch(who)) return { ok: false, id: null, reason: 'only a dispatcher or a pilot may send a drone to look' };
        if (!runner) return { ok: false, id: null, reason: 'no scheduled patrol runs on this station (start it with --patrol DIR): nobody picks the drone' };
        const r = checkLook(req);
        if (!r.ok) return { ok: false, id: null, reason: r.reason };
        const refused = lookRefusal(gateway.rules, r.value);
        if (refused) return { ok: false, id: null, reason: refused };
        return { ok: true, id: runner.request(lookRequest(r.value, who)), reason: '' };
      },
      upload: async (sysid, name, text, onProgress, who, override) => {
        const lists = planFromText(name, text);
        if (!lists.ok) return { ok: false, count: 0, verifiedBy: null, reason: lists.error };
        const m = station.missions(sysid);
        if (!m) return { ok: false, count: 0, verifiedBy: null, reason: `no vehicle with system id ${sysid}` };
        const onP = (p: { phase: string; done: number; total: number }) =>
          (p.phase === 'upload' || p.phase === 'verify') && onProgress({ phase: p.phase, done: p.done, total: p.total });
        const items = lists.value.mission;
        const out = await gateway.perform(
          { who, sysid, act: { kind: 'upload', list: 'mission', items: planItems(items), file: name }, override },
          () => m.upload('mission', items, { onProgress: onP }).result,
          (r) => ({ ok: r.ok, text: r.ok ? `${r.count} items verified by ${r.verifiedBy ?? '?'}` : (r.reason ?? 'failed') }),
        );
        if (!out.sent) return { ok: false, count: 0, verifiedBy: null, reason: out.reason, refused: out.code };
        const r = out.value;
        return { ok: r.ok, count: r.count, verifiedBy: r.verifiedBy ?? null, reason: r.reason ?? '', takenOver: out.takeover };
      },
      snapshot: () => ({
        type: 'snapshot',
        atMs: clock.now(),
        station: fleetFile.station,
        simulated: simDrones.length > 0,
        vehicles: withPatrol(vehicleViews(station.snapshot(), names), runner),
      }),
      onEvent: (cb) => {
        listeners.add(cb);
        for (const e of early) cb(e);
        return () => listeners.delete(cb);
      },
      command: (sysid, cmd, who, override) => consoleCommand(gateway, station, runner, sysid, cmd, who, override),
    },
    audit: { log: gateway.audit },
  });
  if (!server.ok) {
    offEvents();
    clock.clearInterval(rejectWatch);
    flood.close();
    offArm();
    discovery?.close();
    await video.close();
    await centre?.value.close();
    await janus?.close();
    await janusProc?.stop();
    await patrol?.value.close();
    gateway.close();
    await station.close();
    await fleet?.stop();
    auth.close();
    return server;
  }
  const srv: ConsoleServer = server.value;
  log(`kongxun: audit in ${gateway.audit.file}`);
  // A store's failure or recovery, and the free-space marks: the log, the console's events, and the patrol's
  // alerts (so the daily report lists them).
  const notice = (n: StorageNotice) => {
    const ev = storageEvent(n);
    for (const l of listeners) l(ev);
    const a = patrolAlert(n);
    // With a patrol the runner's alert is the log line ("patrol alert: …"); said once.
    if (runner && a) runner.alert(null, null, a.level, a.text);
    else log(`kongxun: ${ev.severity === 'alert' ? 'ALERT' : ev.severity}: ${ev.text}`);
  };
  const offNotice = health.onNotice(notice);
  const space = health.space();
  log(`kongxun: station "${fleetFile.station}": ${fleetFile.drones.length} drones (${simDrones.length} simulated), recording to ${join(o.dataDir, 'tlogs')}${space.freeBytes !== null ? ` (${Math.round(space.freeBytes / 1048576)} MiB free)` : ''}`);
  return ok({ notice, service: {
    url: srv.url,
    port: srv.port,
    fetch: (request, f) => srv.fetch(request, f),
    auth,
    setupUrl: () => srv.setupUrl(),
    station,
    files: files.value,
    fleet,
    attachConsole: (peer) => srv.attach(peer),
    patrol: runner,
    gateway,
    video,
    centre: centre?.value,
    health,
    janus,
    close: async () => {
      offNotice();
      offEvents();
      clock.clearInterval(rejectWatch);
      flood.close();
      offArm();
      discovery?.close();
      await srv.close();
      await video.close();
      await centre?.value.close();
      await janus?.close();
      await janusProc?.stop();
      await patrol?.value.close();
      gateway.close();
      await station.close();
      await fleet?.stop();
      o.tiles?.close();
      auth.close();
      health.close();
    },
  } });
}

/** Every 5 s: a link whose frames, all of them, were rejected since the last look is an alert (once per episode). */
function watchRejectingLinks(station: Station, clock: Clock, alert: (e: StationEvent) => void): ReturnType<Clock['setInterval']> {
  const last = new Map<string, { framesIn: number; rejected: number; alerted: boolean }>();
  return clock.setInterval(() => {
    for (const c of station.connections()) {
      const s = c.stats;
      const rejected = s.rejectedBadSignature + s.rejectedUnsigned + s.rejectedReplay;
      const prev = last.get(c.name) ?? { framesIn: 0, rejected: 0, alerted: false };
      const newRejected = rejected - prev.rejected;
      let alerted = prev.alerted;
      if (s.framesIn > prev.framesIn) alerted = false;
      else if (newRejected > 0 && !alerted) {
        alerted = true;
        alert({
          atMs: clock.now(),
          kind: 'link-rejecting',
          severity: 'alert',
          text: `link ${c.name} up, every frame rejected: wrong key? (${newRejected} in 5 s: ${s.rejectedBadSignature} bad signature, ${s.rejectedUnsigned} unsigned, ${s.rejectedReplay} replayed in all)`,
          args: { link: c.name },
        });
      }
      last.set(c.name, { framesIn: s.framesIn, rejected, alerted });
    }
  }, 5000);
}

/** The patrol's view of each drone (its sortie now, taken over, set aside for maintenance) when a patrol runs. */
export function withPatrol(views: VehicleView[], runner: PatrolRunner | undefined): VehicleView[] {
  if (!runner) return views;
  return views.map((v) => ({ ...v, patrol: { sortie: runner.busyWith(v.sysid)?.id ?? null, takenOver: runner.isTakenOver(v.sysid), maintenance: runner.isInMaintenance(v.sysid) } }));
}

/** The patrol runner on the service's station; `close` sends drones in the air home and closes the store. */
/** A runner's alert as a console event: critical → alert, warning → warning, else notice. English text. */
export function patrolEvent(a: AlertRow, drone: string | undefined): StationEvent {
  const severity = a.level === 'critical' ? 'alert' : a.level === 'warning' ? 'warning' : 'notice';
  return { atMs: a.atMs, ...(a.sysid !== null ? { sysid: a.sysid } : {}), kind: 'patrol', severity, text: a.text, args: { ...(drone ? { drone } : {}), ...(a.sortie ? { sortie: a.sortie } : {}) } };
}

async function startPatrol(dir: string, files: StationFiles, station: Station, clock: Clock, dataDir: string, gateway: CommandGateway, log: (l: string) => void, health: StorageHealth, onAlert: (a: AlertRow) => void): Promise<Result<{ runner: PatrolRunner; store: PatrolStore; day: DayInput; close(): Promise<void> }>> {
  const day = await loadDay(dir, files.fleet);
  if (!day.ok) return day;
  const store = openPatrolStore(dataDir, { health });
  if (!store.ok) return store;
  const runner = new PatrolRunner({ clock, station, day: day.value, store: store.value, gateway, records: () => health.launchBlocker(), onAlert: (a) => {
    log(`patrol alert: ${a.text}`);
    onAlert(a);
  } });
  runner.start();
  log(`kongxun: patrol runner on ${day.value.schedule.date} (${day.value.sorties.length} sorties), state in ${store.value.file}`);
  return ok({ runner, store: store.value, day: day.value, close: async () => { await runner.stop({ safe: true }); store.value.close(); gateway.setPatrol(undefined); } });
}

/** A console's command through the gateway; `release` gives a taken-over drone back to the patrol (nothing is sent to the drone). */
async function consoleCommand(gateway: CommandGateway, station: Station, runner: PatrolRunner | undefined, sysid: number, cmd: VehicleCommand, who: Principal, override: { reason: string } | undefined): Promise<{ ok: boolean; result: string; reason: string }> {
  type Reply = { ok: boolean; result: string; reason: string };
  const send = async (): Promise<Reply> => {
    const c = station.command(sysid);
    if (!c) return { ok: false, result: 'no-vehicle', reason: `no vehicle with system id ${sysid}` };
    if (cmd.command === 'release') {
      if (!runner) return { ok: false, result: 'unsupported', reason: 'no scheduled patrol runs on this station' };
      if (!runner.isTakenOver(sysid)) return { ok: false, result: 'denied', reason: 'the patrol has not been taken over on this drone' };
      runner.release(sysid);
      return { ok: true, result: 'accepted', reason: 'given back to the scheduled patrol' };
    }
    const r = await runGatewayCommand(c, cmd);
    return r.ok ? { ok: true, result: 'accepted', reason: r.value.text } : { ok: false, result: r.code, reason: r.reason };
  };
  const out = await gateway.perform({ who, sysid, act: { kind: 'command', cmd }, override }, send, (r) => ({ ok: r.ok, text: r.reason }));
  if (!out.sent) return { ok: false, result: out.code === 'forbidden' ? 'forbidden' : 'refused', reason: out.reason };
  return out.takeover ? { ...out.value, reason: `${out.value.reason} (taken over from ${out.takeover})` } : out.value;
}
