/**
 * What the runner does to a drone, every command through `audited`, which passes it through the station's
 * command gateway (station/gateway/gateway.ts): the runner's rights are checked, a request row is written to the
 * audit before anything is sent and a result row after (who, when, to which drone, for which sortie, the
 * answer). Upload: mission, fence and rally, each verified. Launch: GUIDED, arm (retried while the refusal is
 * transient), MISSION_START. All return values.
 */
import type { Clock } from '../../mavlink/clock.js';
import type { Station } from '../compose.js';
import type { CommandReply } from '../commands.js';
import { MAV_CMD } from '../../missions/formats/items.js';
import type { PlanLists } from '../mission-plan.js';
import type { CommandGateway } from '../gateway/gateway.js';
import type { Principal } from '../gateway/principal.js';

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

const TRANSIENT_ARM = /Need Position Estimate|waiting for home|inconsistent|not initiali[sz]ed|EKF|AHRS|Compass|Baro|no answer/i;
const sleep = (clock: Clock, ms: number) => new Promise<void>((r) => clock.setTimeout(r, ms));

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

export async function uploadPlan(c: ActionContext, sysid: number, sortie: string, plan: PlanLists): Promise<ActionResult> {
  const m = c.station.missions(sysid);
  if (!m) return { ok: false, reason: `no vehicle ${sysid}` };
  for (const type of ['mission', 'fence', 'rally'] as const) {
    const items = plan[type];
    const r = await audited(c, sysid, sortie, `upload ${type} (${items.length} items)`, async () => {
      const u = await m.upload(type, items).result;
      return u.ok ? { ok: true, value: { command: `upload ${type}`, mavResult: undefined, text: `${type}: ${items.length} items verified by ${u.verifiedBy}` } } : { ok: false, reason: `${type} upload failed: ${u.reason ?? 'unknown'}` };
    });
    if (!r.ok) return r;
  }
  return { ok: true };
}

/** GUIDED, arm (transient refusals retried for up to `armWindowMs`), MISSION_START. */
export async function launchMission(c: ActionContext, sysid: number, sortie: string, armWindowMs = 45_000): Promise<ActionResult> {
  const cmd = c.station.command(sysid);
  const m = c.station.missions(sysid);
  if (!cmd || !m) return { ok: false, reason: `no vehicle ${sysid}` };
  const deadline = c.clock.now() + armWindowMs;
  const mode = () => c.station.snapshot().vehicles.find((v) => v.sysid === sysid)?.mode;
  for (;;) {
    if (mode() !== 'GUIDED') {
      const g = await audited(c, sysid, sortie, 'mode GUIDED', () => cmd.setMode('GUIDED'));
      if (!g.ok) {
        if (c.clock.now() > deadline) return g;
        await sleep(c.clock, 2000);
        continue;
      }
    }
    const a = await audited(c, sysid, sortie, 'arm', () => cmd.arm());
    if (a.ok) break;
    if (!TRANSIENT_ARM.test(a.reason) || c.clock.now() > deadline) return a;
    await sleep(c.clock, 2000);
  }
  return audited(c, sysid, sortie, 'MISSION_START', async () => {
    const st = await m.start();
    return st.outcome === 'accepted' ? { ok: true } : { ok: false, reason: `MISSION_START ${st.outcome}` };
  });
}
