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
import type { SigningConfig } from '../mavlink/codec/signing.js';
import { err, ok, type Result } from '../mavlink/result.js';
import { memoryPair } from '../mavlink/transport/memory.js';
import type { Transport } from '../mavlink/transport/types.js';
import { SimFleet } from '../sitl/fleet.js';
import type { ServerMessage, StationEvent, VehicleCommand, VehicleView } from './api/contract.js';
import { stationEvent, vehicleViews } from './api/views.js';
import type { CommandReply, VehicleCommands } from './commands.js';
import { createStation, type Station } from './compose.js';
import { startConsoleServer, type ConsoleServer } from './server/console-server.js';
import type { TileSource } from './server/mbtiles.js';
import { loadPlanDir } from './server/plan-dir.js';
import { planFromText } from './mission-plan.js';
import { loadStationFiles, type StationFiles } from './station-files.js';
import { loadDay } from './patrol/day.js';
import { PatrolRunner } from './patrol/runner.js';
import { startVideoDiscovery, type DiscoveryTimings } from './video/discovery.js';
import { VideoHub, type SortieMark } from './video/hub.js';
import { JanusForwarder, spawnJanus, type JanusProcess } from './video/janus.js';
import { AlertSnapshots } from './video/alert-snapshot.js';
import { openPatrolStore } from './patrol/store.js';

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
  /** MAVLink 2 signing on the drones' links (the built-in simulator's in-process links stay unsigned). */
  signing?: Omit<SigningConfig, 'linkId'>;
  /** Serve on any free port when `port` is taken. */
  anyPortIfTaken?: boolean;
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
}

export interface StationService {
  url: string;
  port: number;
  station: Station;
  files: StationFiles;
  fleet: SimFleet | undefined;
  /** Serve a console over another transport than WebSocket (the desktop app's MessagePort). */
  attachConsole: ConsoleServer['attach'];
  /** The patrol runner when `patrolDir` was given. A pilot's command from the console takes the drone over. */
  patrol: PatrolRunner | undefined;
  /** Live video (station/video/hub.ts): configured sources, and those drones announce. */
  video: VideoHub;
  /** The Janus forwarder when `janus` was asked for and Janus started. */
  janus: JanusForwarder | undefined;
  close(): Promise<void>;
}

async function runCommand(c: VehicleCommands, cmd: Exclude<VehicleCommand, { command: 'release' }>): Promise<CommandReply> {
  switch (cmd.command) {
    case 'arm':
      return c.arm();
    case 'disarm':
      return c.disarm(cmd.force ?? false);
    case 'mode':
      return c.setMode(cmd.mode);
    case 'takeoff':
      return c.takeoff(cmd.altRelM, { arm: true });
    case 'land':
      return c.land();
    case 'rtl':
      return c.rtl();
    case 'pause':
      return c.pause();
    case 'continue':
      return c.continue();
    case 'goto':
      return c.goto(cmd.latDeg, cmd.lonDeg, cmd.altRelM);
    case 'orbit':
      return c.orbit(cmd.latDeg, cmd.lonDeg, cmd.radiusM, cmd.velocityMps ?? 5);
    case 'camera':
      if (cmd.action === 'record-start') return c.videoStartCapture();
      if (cmd.action === 'record-stop') return c.videoStopCapture();
      if (cmd.action === 'photo') return c.takePhoto();
      return c.cameraZoom(cmd.zoomPct ?? 0);
    case 'gimbal':
      return c.gimbal(cmd.pitchDeg ?? NaN, cmd.yawDeg ?? NaN);
  }
}

export async function startStationService(o: StationServiceOptions): Promise<Result<StationService>> {
  const clock = o.clock ?? new SystemClock();
  const log = o.log ?? (() => undefined);
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

  const created = await createStation({
    clock,
    dataDir: o.dataDir,
    connections: links,
    // Signing applies to real links; the in-process simulator links are trusted and unsigned.
    ...(o.signing && simEnds.length === 0 ? { signing: o.signing } : {}),
  });
  if (o.signing && simEnds.length > 0) log('kongxun: warning: signing is not applied while the built-in simulator flies (run with --connect only)');
  if (!created.ok) {
    await fleet?.stop();
    return created;
  }
  const station = created.value;
  // Link state changes go to the log, once per change: a radio not plugged in yet ("waiting: … not found — is
  // the radio plugged in?"), a drone's server not up yet, a link lost and back.
  for (const c of station.connections()) {
    let last = '';
    c.onStatus((st) => {
      const line = st.state === 'reconnecting' ? `waiting (${st.reason})` : st.state === 'connected' ? `up (${st.peer})` : 'reason' in st ? `${st.state} (${st.reason})` : st.state;
      if (line !== last && st.state !== 'opening' && st.state !== 'closed') log(`kongxun: link ${c.name}: ${line}`);
      last = line;
    });
  }
  const patrol = o.patrolDir !== undefined ? await startPatrol(o.patrolDir, files.value, station, clock, o.dataDir, log) : undefined;
  if (patrol && !patrol.ok) {
    await station.close();
    await fleet?.stop();
    return patrol;
  }
  const runner = patrol?.value.runner;
  const names = new Map(fleetFile.drones.map((d) => [d.sysid, d.id] as const));
  const listeners = new Set<(e: StationEvent) => void>();
  // Alerts of drones with video carry a picture of the moment (set once the video hub runs, below).
  const snapshots: { current?: AlertSnapshots } = {};
  const offEvents = station.on('*', (e) => {
    const raw = stationEvent(e, clock.now(), names);
    const ev = raw && snapshots.current ? snapshots.current.attach(raw) : raw;
    if (ev) for (const l of listeners) l(ev);
  });
  const hello: Extract<ServerMessage, { type: 'hello' }> = {
    type: 'hello',
    station: fleetFile.station,
    geography: geojson,
    simulated: simDrones.length > 0,
    version: '0.1.0',
    tiles: o.tiles?.info ?? null,
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
  const started = await VideoHub.start({ dataDir: o.dataDir, sources: videoSources, log, sortieOf, ...(janus ? { forward: (d: string, b: Uint8Array) => janus.forward(d, b) } : {}) });
  if (!started.ok) {
    await janus?.close();
    await janusProc?.stop();
    offEvents();
    await patrol?.value.close();
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
  const server = await startConsoleServer({
    clock,
    staticDir: o.staticDir,
    host: o.host ?? '127.0.0.1',
    port: o.port ?? 8080,
    anyPortIfTaken: o.anyPortIfTaken ?? false,
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
      upload: async (sysid, name, text, onProgress) => {
        const lists = planFromText(name, text);
        if (!lists.ok) return { ok: false, count: 0, verifiedBy: null, reason: lists.error };
        const m = station.missions(sysid);
        if (!m) return { ok: false, count: 0, verifiedBy: null, reason: `no vehicle with system id ${sysid}` };
        const onP = (p: { phase: string; done: number; total: number }) =>
          (p.phase === 'upload' || p.phase === 'verify') && onProgress({ phase: p.phase, done: p.done, total: p.total });
        const r = await m.upload('mission', lists.value.mission, { onProgress: onP }).result;
        return { ok: r.ok, count: r.count, verifiedBy: r.verifiedBy ?? null, reason: r.reason ?? '' };
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
        return () => listeners.delete(cb);
      },
      command: async (sysid, cmd) => {
        const c = station.command(sysid);
        if (!c) return { ok: false, result: 'no-vehicle', reason: `no vehicle with system id ${sysid}` };
        if (cmd.command === 'release') {
          if (!runner) return { ok: false, result: 'unsupported', reason: 'no scheduled patrol runs on this station' };
          if (!runner.isTakenOver(sysid)) return { ok: false, result: 'denied', reason: 'the patrol has not been taken over on this drone' };
          runner.release(sysid);
          return { ok: true, result: 'accepted', reason: 'given back to the scheduled patrol' };
        }
        runner?.takeover(sysid);
        const r = await runCommand(c, cmd);
        return r.ok ? { ok: true, result: 'accepted', reason: r.value.text } : { ok: false, result: r.code, reason: r.reason };
      },
    },
  });
  if (!server.ok) {
    offEvents();
    offArm();
    discovery?.close();
    await video.close();
    await janus?.close();
    await janusProc?.stop();
    await patrol?.value.close();
    await station.close();
    await fleet?.stop();
    return server;
  }
  const srv: ConsoleServer = server.value;
  log(`kongxun: station "${fleetFile.station}": ${fleetFile.drones.length} drones (${simDrones.length} simulated), recording to ${join(o.dataDir, 'tlogs')}`);
  return ok({
    url: srv.url,
    port: srv.port,
    station,
    files: files.value,
    fleet,
    attachConsole: (peer) => srv.attach(peer),
    patrol: runner,
    video,
    janus,
    close: async () => {
      offEvents();
      offArm();
      discovery?.close();
      await srv.close();
      await video.close();
      await janus?.close();
      await janusProc?.stop();
      await patrol?.value.close();
      await station.close();
      await fleet?.stop();
      o.tiles?.close();
    },
  });
}

/** The patrol's view of each drone (its sortie now, taken over, set aside for maintenance) when a patrol runs. */
function withPatrol(views: VehicleView[], runner: PatrolRunner | undefined): VehicleView[] {
  if (!runner) return views;
  return views.map((v) => ({ ...v, patrol: { sortie: runner.busyWith(v.sysid)?.id ?? null, takenOver: runner.isTakenOver(v.sysid), maintenance: runner.isInMaintenance(v.sysid) } }));
}

/** The patrol runner on the service's station; `close` sends drones in the air home and closes the store. */
async function startPatrol(dir: string, files: StationFiles, station: Station, clock: Clock, dataDir: string, log: (l: string) => void): Promise<Result<{ runner: PatrolRunner; close(): Promise<void> }>> {
  const day = await loadDay(dir, files.fleet);
  if (!day.ok) return day;
  const store = openPatrolStore(dataDir);
  if (!store.ok) return store;
  const runner = new PatrolRunner({ clock, station, day: day.value, store: store.value, onAlert: (a) => log(`patrol alert: ${a.text}`) });
  runner.start();
  log(`kongxun: patrol runner on ${day.value.schedule.date} (${day.value.sorties.length} sorties), state in ${store.value.file}`);
  return ok({ runner, close: async () => { await runner.stop({ safe: true }); store.value.close(); } });
}
