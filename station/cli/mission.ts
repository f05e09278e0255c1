/**
 * `kongxun mission upload|download|clear --connect URL [--sysid S] [--plan FILE] [--type mission|fence|rally|all]`
 *
 *   upload    check the plan file (refused with its JSON path or line and what is wrong; nothing is sent),
 *             upload the chosen list(s) and verify each by reading it back; progress lines as it goes
 *   download  read the list(s) from the vehicle; with --plan FILE.plan or FILE.waypoints, write the mission there
 *   clear     clear the chosen list(s)
 * The last line on stdout is a JSON summary. Exit 0 when everything succeeded and was verified, 1 when a
 * transfer failed, 2 for bad usage, a bad plan file or a link that cannot open.
 */
import { writeFile } from 'node:fs/promises';
import { extname } from 'node:path';
import type { MissionType, WireItem } from '../../mavlink/services/mission/types.js';
import type { MissionItem, Params7 } from '../../missions/formats/items.js';
import { toPlan } from '../../missions/formats/qgc-plan.js';
import { toWaypoints } from '../../missions/formats/wpl.js';
import { loadPlanFile, type PlanLists } from '../files/plan-file.js';
import type { ProgressEvent } from '../vehicle/mission-transfer.js';
import { flag, helpText, parseArgs, type FlagSpec, type ParsedArgs } from './args.js';
import type { CliIo } from './io.js';
import { CONNECT_FLAGS, connectVehicle, type CliDeps } from './vehicle-session.js';
import { cliGateway, GATEWAY_FLAGS } from './gateway.js';
import { planItems } from '../gateway/run.js';

export type { CliDeps };

const SPEC: Record<string, FlagSpec> = {
  ...CONNECT_FLAGS,
  ...GATEWAY_FLAGS,
  plan: { type: 'string', describe: 'upload: the plan to send (.plan or .waypoints); download: where to write the mission' },
  type: { type: 'string', describe: 'mission (default), fence, rally or all' },
  help: { type: 'boolean', describe: 'show this help' },
};

/** Progress lines at every 10 % (and the end) of each phase. */
export function progressPrinter(io: CliIo, prefix: string): (p: ProgressEvent) => void {
  const last = new Map<string, number>();
  return (p) => {
    const key = `${p.type}/${p.phase}`;
    const pct = p.total === 0 ? 100 : Math.floor((100 * p.done) / p.total);
    const prev = last.get(key) ?? -100;
    if (pct - prev >= 10 || (p.done === p.total && prev !== 100)) {
      last.set(key, pct);
      io.out(`${prefix}${p.type}: ${p.phase} ${p.done}/${p.total} (${pct} %)`);
    }
  };
}

function types(a: ParsedArgs): MissionType[] | string {
  const t = flag(a, 'type') ?? 'mission';
  if (t === 'all') return ['mission', 'fence', 'rally'];
  if (t === 'mission' || t === 'fence' || t === 'rally') return [t];
  return `kongxun mission: --type must be mission, fence, rally or all, got "${t}"`;
}

/** A downloaded mission as the planner's model (item 0 is home). */
function asMission(items: readonly WireItem[]): { home: { lat: number; lon: number; altM: number }; items: MissionItem[] } {
  const [h, ...rest] = items;
  const global = (f: number) => [0, 3, 5, 6, 10, 11].includes(f);
  return {
    home: h ? { lat: h.x / 1e7, lon: h.y / 1e7, altM: h.z } : { lat: 0, lon: 0, altM: 0 },
    items: rest.map((it) => ({
      command: it.command,
      frame: it.frame,
      params: [...it.params, global(it.frame) ? it.x / 1e7 : it.x, global(it.frame) ? it.y / 1e7 : it.y, it.z] as Params7,
      autoContinue: it.autocontinue !== 0,
    })),
  };
}

export async function missionMain(argv: string[], io: CliIo, deps: CliDeps = {}): Promise<number> {
  const a = parseArgs(argv, SPEC, 'mission');
  if (!a.ok) return io.fail(a.reason, 2);
  const synopsis = 'upload|download|clear --connect URL [--sysid S] [--plan FILE] [--type mission|fence|rally|all]';
  if (flag(a.value, 'help')) return io.print(helpText('mission', synopsis, SPEC), 0);
  const action = a.value.positionals[0];
  if (action !== 'upload' && action !== 'download' && action !== 'clear') return io.fail(`kongxun mission: an action is required: ${synopsis}`, 2);
  const ts = types(a.value);
  if (typeof ts === 'string') return io.fail(ts, 2);
  const planPath = flag(a.value, 'plan');
  let plan: PlanLists | undefined;
  if (action === 'upload') {
    if (!planPath) return io.fail('kongxun mission upload: --plan FILE is required', 2);
    const p = await loadPlanFile(planPath);
    if (!p.ok) {
      io.out(JSON.stringify({ ok: false, action, stage: 'plan', reason: p.reason }));
      return io.fail(`kongxun mission: refused, nothing uploaded:\n${p.reason}`, 2);
    }
    plan = p.value;
  }
  const c = await connectVehicle(a.value, 'mission', { warn: (l) => io.err(l), ...deps });
  if (!c.ok) return io.fail(c.reason, c.code);
  const { station, sysid } = c;
  const missions = station.vehicle(sysid)!.missions;
  const summary: Record<string, unknown>[] = [];
  let ok = true;
  // Uploads and clears change what the drone flies: through the command gateway, as cli:<os user>, audited.
  const g = action === 'download' ? undefined : cliGateway(a.value, c.clock, 'mission');
  if (g && !g.ok) {
    await station.close();
    return io.fail(g.reason, 2);
  }
  const gw = g?.ok ? g.value : undefined;
  try {
    const onProgress = progressPrinter(io, `sys${sysid} `);
    for (const type of ts) {
      if (action === 'upload') {
        const items = plan![type];
        const out = await gw!.gateway.perform(
          { who: gw!.who, sysid, act: { kind: 'upload', list: type, items: planItems(items), file: planPath! }, override: gw!.override },
          () => missions.upload(type, items, { onProgress }).result,
          (r) => ({ ok: r.ok, text: r.ok ? `${r.count} items verified by ${r.verifiedBy ?? '?'}` : (r.reason ?? 'failed') }),
        );
        if (!out.sent) {
          ok = false;
          summary.push({ type, count: 0, ok: false, refused: out.code, reason: out.reason });
          io.out(`sys${sysid} ${type}: REFUSED by the station (audit row ${out.auditId}): ${out.reason}`);
          continue;
        }
        const r = out.value;
        ok &&= r.ok;
        summary.push({ type, count: r.count, ok: r.ok, verifiedBy: r.verifiedBy ?? null, resends: r.upload.resends, elapsedMs: r.elapsedMs, reason: r.reason ?? null });
        io.out(r.ok ? `sys${sysid} ${type}: ${r.count} items uploaded and verified by ${r.verifiedBy}` : `sys${sysid} ${type}: FAILED: ${r.reason}`);
      } else if (action === 'download') {
        const r = await missions.download(type, { onProgress }).result;
        ok &&= r.outcome === 'ok';
        summary.push({ type, count: r.items.length, ok: r.outcome === 'ok', reason: r.reason ?? null });
        if (r.outcome !== 'ok') {
          io.out(`sys${sysid} ${type}: FAILED: ${r.reason}`);
          continue;
        }
        if (type === 'mission' && planPath) {
          const m = asMission(r.items);
          const text = extname(planPath).toLowerCase() === '.plan'
            ? JSON.stringify(toPlan({ home: m.home, items: m.items, cruiseMps: 10, hoverMps: 5 }), null, 2)
            : toWaypoints(m.home, m.items);
          await writeFile(planPath, text);
          io.out(`sys${sysid} mission: ${r.items.length} items written to ${planPath}`);
        } else {
          for (const it of r.items) io.out(`${type} ${it.seq}\tcmd ${it.command}\tframe ${it.frame}\t${it.params.join(',')}\t${it.x},${it.y},${it.z}`);
        }
      } else {
        const out = await gw!.gateway.perform({ who: gw!.who, sysid, act: { kind: 'clear', list: type } }, () => missions.clear(type).result, (r) => ({ ok: r.outcome === 'ok', text: r.outcome === 'ok' ? 'cleared' : (r.reason ?? r.outcome) }));
        if (!out.sent) {
          ok = false;
          summary.push({ type, ok: false, refused: out.code, reason: out.reason });
          io.out(`sys${sysid} ${type}: REFUSED by the station: ${out.reason}`);
          continue;
        }
        const r = out.value;
        ok &&= r.outcome === 'ok';
        summary.push({ type, ok: r.outcome === 'ok', reason: r.reason ?? null });
        io.out(r.outcome === 'ok' ? `sys${sysid} ${type}: cleared` : `sys${sysid} ${type}: FAILED: ${r.reason}`);
      }
    }
  } finally {
    gw?.gateway.close();
    await station.close();
  }
  io.out(JSON.stringify({ ok, action, sysid, lists: summary }));
  return ok ? 0 : 1;
}
