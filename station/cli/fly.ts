/**
 * `kongxun fly --connect URL --plan FILE [--sysid S]`: check the plan (a bad file is refused with its JSON
 * path or line; nothing is uploaded), upload and verify mission, fence and rally, GUIDED, arm (retried while
 * the vehicle still refuses for a transient reason), MISSION_START, follow progress, land. Progress lines on
 * stdout; the last line is the JSON summary. Exit 0 only if the plan was flown to the end and the vehicle is
 * down and disarmed; 1 otherwise; 2 for bad usage, a bad plan or a link that cannot open.
 */
import { flag, helpText, parseArgs, type FlagSpec } from './args.js';
import type { CliIo } from './io.js';
import { CONNECT_FLAGS, connectVehicle, type CliDeps } from './vehicle-session.js';
import { loadPlanFile } from '../files/plan-file.js';
import { flyPlan } from '../vehicle/fly-plan.js';
import { planItems } from '../gateway/run.js';
import { cliGateway, GATEWAY_FLAGS } from './gateway.js';

const SPEC: Record<string, FlagSpec> = {
  ...CONNECT_FLAGS,
  ...GATEWAY_FLAGS,
  plan: { type: 'string', describe: 'the plan to fly (.plan with mission, geoFence and rallyPoints, or .waypoints)' },
  'arm-timeout': { type: 'string', describe: 'seconds to keep trying to arm (default 180)' },
  help: { type: 'boolean', describe: 'show this help' },
};

export async function flyMain(argv: string[], io: CliIo, deps: CliDeps = {}): Promise<number> {
  const a = parseArgs(argv, SPEC, 'fly');
  if (!a.ok) return io.fail(a.reason, 2);
  if (flag(a.value, 'help')) return io.print(helpText('fly', '--connect URL --plan FILE [--sysid S]', SPEC), 0);
  const planPath = flag(a.value, 'plan');
  if (!planPath) return io.fail('kongxun fly: --plan FILE is required', 2);
  const armS = Number(flag(a.value, 'arm-timeout') ?? 180);
  if (!(armS > 0)) return io.fail('kongxun fly: --arm-timeout must be a positive number of seconds', 2);
  const p = await loadPlanFile(planPath);
  if (!p.ok) {
    io.err(`kongxun fly: refused, nothing uploaded:\n${p.reason}`);
    io.out(JSON.stringify({ ok: false, stage: 'plan', reason: p.reason }));
    return 2;
  }
  const c = await connectVehicle(a.value, 'fly', { warn: (l) => io.err(l), ...deps });
  if (!c.ok) {
    io.err(c.reason);
    io.out(JSON.stringify({ ok: false, stage: 'connect', reason: c.reason }));
    return c.code;
  }
  const g = cliGateway(a.value, c.clock, 'fly');
  if (!g.ok) {
    await c.station.close();
    io.err(g.reason);
    return 2;
  }
  const { gateway, who, override } = g.value;
  try {
    const lists = { mission: planItems(p.value.mission), fence: planItems(p.value.fence), rally: planItems(p.value.rally) };
    const out = await gateway.perform(
      { who, sysid: c.sysid, act: { kind: 'fly', file: planPath, lists }, override },
      () =>
        flyPlan({
          clock: c.clock,
          station: c.station,
          sysid: c.sysid,
          plan: p.value,
          armTimeoutMs: armS * 1000,
          onLine: (l) => io.out(`sys${c.sysid} ${l}`),
        }),
      (s) => ({ ok: s.ok, text: s.ok ? 'flown to the end and landed' : `${s.stage}: ${s.reason ?? 'failed'}` }),
    );
    if (!out.sent) {
      io.err(`kongxun fly: refused by the station (audit row ${out.auditId}): ${out.reason}`);
      io.out(JSON.stringify({ ok: false, stage: 'gateway', reason: out.reason, plan: planPath }));
      return 1;
    }
    const summary = out.value;
    io.out(JSON.stringify({ ...summary, plan: planPath }));
    return summary.ok ? 0 : 1;
  } finally {
    gateway.close();
    await c.station.close();
  }
}
