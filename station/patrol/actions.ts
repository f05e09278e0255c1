/**
 * What the runner does to a drone, every command through `audited`, which passes it through the station's
 * command gateway (station/gateway/gateway.ts): the runner's rights are checked, a request row is written to the
 * audit before anything is sent and a result row after (who, when, to which drone, for which sortie, the
 * answer). Upload and launch are the one sequence of station/vehicle/launch.ts (shared with `kongxun fly`), its
 * commands performed through `audited`. All return values.
 */
import type { Clock } from '../../common/clock.js';
import type { Station } from '../compose.js';
import type { CommandReply } from '../vehicle/commands.js';
import { MAV_CMD } from '../../common/mav-cmd.js';
import type { PlanLists } from '../files/plan-file.js';
import type { CommandGateway } from '../gateway/gateway.js';
import type { Principal } from '../gateway/principal.js';
import { launchFromGround, uploadPlanVerified, type LaunchDeps } from '../vehicle/launch.js';

export interface ActionContext {
  clock: Clock;
  station: Station;
  /** 'patrol-runner', or whose request a dispatch carries out (the audit keeps it with the runner's name). */
  actor: string;
  /** The station's command gateway: every command of the runner and its dispatches passes it. */
  gateway: CommandGateway;
  /** Who acts; default the runner (for `actor` when it is not the runner itself). */
  who?: Principal;
}

export type ActionResult = { ok: true } | { ok: false; reason: string };


/** Run one command reply-producing call through the gateway: checked, audited before it is sent and after. */
export async function audited(c: ActionContext, sysid: number, sortie: string | null, command: string, run: () => Promise<CommandReply | ActionResult>): Promise<ActionResult> {
  const who: Principal = c.who ?? (c.actor === 'patrol-runner' ? { kind: 'runner' } : { kind: 'runner', for: c.actor });
  const safe = async (): Promise<CommandReply | ActionResult> => {
    try {
      return await run();
    } catch (e) {
      return { ok: false, reason: `threw: ${(e as Error).message}` };
    }
  };
  const out = await c.gateway.perform({ who, sysid, sortie, act: { kind: 'step', label: command } }, safe, (r) => ({ ok: r.ok, text: r.ok ? ('value' in r ? r.value.text : 'ok') : r.reason }));
  if (!out.sent) return { ok: false, reason: out.reason };
  const r = out.value;
  return r.ok ? { ok: true } : { ok: false, reason: r.reason };
}

/** The plan with its final NAV_LAND moved to `at` (a stand-in lands at its own dock); other plans as they are. */
export function landingAt(plan: PlanLists, at: { latDeg: number; lonDeg: number }): PlanLists {
  const last = plan.mission.length - 1;
  const land = plan.mission[last];
  if (!land || land.command !== MAV_CMD.NAV_LAND) return plan;
  return { ...plan, mission: [...plan.mission.slice(0, last), { ...land, x: Math.round(at.latDeg * 1e7), y: Math.round(at.lonDeg * 1e7) }] };
}

/** The launch sequence's commands, each through `audited` (so through whatever `audited` routes them by). */
function launchDeps(c: ActionContext, sysid: number, sortie: string | null): LaunchDeps {
  return { clock: c.clock, station: c.station, sysid, perform: (label, run) => audited(c, sysid, sortie, label, run) };
}

/** Mission, fence and rally, each checked, uploaded and verified (station/vehicle/launch.ts). */
export async function uploadPlan(c: ActionContext, sysid: number, sortie: string, plan: PlanLists): Promise<ActionResult> {
  const r = await uploadPlanVerified(launchDeps(c, sysid, sortie), plan);
  return r.ok ? { ok: true } : { ok: false, reason: r.reason };
}

/** GUIDED, arm (transient refusals retried for up to `armWindowMs`), MISSION_START (station/vehicle/launch.ts). */
export async function launchMission(c: ActionContext, sysid: number, sortie: string, armWindowMs = 45_000): Promise<ActionResult> {
  const r = await launchFromGround(launchDeps(c, sysid, sortie), armWindowMs);
  return r.ok ? { ok: true } : { ok: false, reason: r.reason };
}
