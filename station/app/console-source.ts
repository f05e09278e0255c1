/**
 * What the consoles see and ask of this station (the console server's `ConsoleSource`): the hello, the day's
 * plan and what happened, the live snapshot and events, "go and look here", mission uploads and commands —
 * every action through the command gateway.
 */
import type { Clock } from '../../common/clock.js';
import type { DayPlan } from './day-plan.js';
import type { Fleet } from '../../missions/fleet.js';
import type { PlanMessage, ServerMessage, TilesInfo, VehicleCommand } from '../../common/api/contract.js';
import { vehicleViews } from '../api/views.js';
import type { Station } from '../compose.js';
import { planFromText } from '../files/plan-file.js';
import type { CommandGateway } from '../gateway/gateway.js';
import type { Principal } from '../gateway/principal.js';
import { planItems, runGatewayCommand } from '../gateway/run.js';
import { actualMessage, stationDay } from '../patrol/actual.js';
import { checkLook, dispatchView, lookRefusal, lookRequest, mayDispatch } from '../patrol/look.js';
import type { PatrolRunner } from '../patrol/runner.js';
import type { ConsoleSource } from '../server/console-peers.js';
import type { ServiceEvents } from './events.js';
import { releaseToPatrol, withPatrol } from '../patrol/console.js';

export interface ConsoleSourceDeps {
  clock: Clock;
  station: Station;
  fleet: Fleet;
  /** The station's geography as read, for the consoles' map. */
  geojson: unknown;
  names: ReadonlyMap<number, string>;
  gateway: CommandGateway;
  runner: PatrolRunner | undefined;
  /** The day plan shown (and its next day's, when it follows the station day). */
  plan: Pick<DayPlan, 'plan' | 'onChange'> | undefined;
  tiles: TilesInfo | null;
  simulated: boolean;
  events: ServiceEvents;
}

export function consoleSource(d: ConsoleSourceDeps): ConsoleSource {
  const { clock, station, fleet, gateway, runner } = d;
  const hello: Extract<ServerMessage, { type: 'hello' }> = {
    type: 'hello',
    station: fleet.station,
    geography: d.geojson,
    simulated: d.simulated,
    version: '0.1.0',
    tiles: d.tiles,
    timezone: fleet.timezone,
    fleet: { reservePct: fleet.reservePct, drones: fleet.drones.map((x) => ({ id: x.id, sysid: x.sysid, enduranceMin: x.enduranceMin, cruiseMps: x.cruiseMps })) },
  };
  return {
    hello: () => hello,
    plan: () => d.plan?.plan() ?? null,
    onPlan: (cb: (p: PlanMessage) => void) => d.plan?.onChange(cb) ?? (() => undefined),
    // What happened: the runner's records (none without a runner: the plan is then only a plan) and the day's flights.
    actual: (flights) => {
      // The sorties of the day the consoles are shown (around midnight the runner holds the other day's P001…).
      const shown = d.plan?.plan()?.schedule.date;
      const sorties = runner ? (shown !== undefined ? runner.sortiesOn(shown) : runner.list()) : null;
      const m = actualMessage({ sorties, flights, day: stationDay(clock.now(), fleet.timezone), ...(shown !== undefined ? { date: shown } : {}) });
      if (!runner) return m;
      const where = (sysid: number) => {
        const v = station.vehicle(sysid)?.state();
        const cruiseMps = fleet.drones.find((x) => x.sysid === sysid)?.cruiseMps ?? 10;
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
      if (!lists.ok) return { ok: false, count: 0, verifiedBy: null, reason: lists.reason };
      const m = station.vehicle(sysid)?.missions;
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
      station: fleet.station,
      simulated: d.simulated,
      vehicles: withPatrol(vehicleViews(station.snapshot(), d.names), runner),
    }),
    onEvent: (cb) => d.events.onEvent(cb),
    command: (sysid, cmd, who, override) => consoleCommand(gateway, station, runner, sysid, cmd, who, override),
  };
}

/** A console's command through the gateway; `release` gives a taken-over drone back to the patrol (nothing is sent to the drone). */
async function consoleCommand(gateway: CommandGateway, station: Station, runner: PatrolRunner | undefined, sysid: number, cmd: VehicleCommand, who: Principal, override: { reason: string } | undefined): Promise<{ ok: boolean; result: string; reason: string }> {
  type Reply = { ok: boolean; result: string; reason: string };
  const send = async (): Promise<Reply> => {
    const c = station.vehicle(sysid)?.commands;
    if (!c) return { ok: false, result: 'no-vehicle', reason: `no vehicle with system id ${sysid}` };
    if (cmd.command === 'release') return releaseToPatrol(runner, sysid);
    const r = await runGatewayCommand(c, cmd);
    return r.ok ? { ok: true, result: 'accepted', reason: r.value.text } : { ok: false, result: r.code, reason: r.reason };
  };
  const out = await gateway.perform({ who, sysid, act: { kind: 'command', cmd }, override }, send, (r) => ({ ok: r.ok, text: r.reason }));
  if (!out.sent) return { ok: false, result: out.code === 'forbidden' ? 'forbidden' : 'refused', reason: out.reason };
  return out.takeover ? { ...out.value, reason: `${out.value.reason} (taken over from ${out.takeover})` } : out.value;
}
