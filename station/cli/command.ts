/**
 * `kongxun command --connect URL --sysid S ACTION …`: send one command through the station's command gateway
 * (as `cli:<os user>`: checked against the station's rules, audited in DATA/audit.sqlite), wait for its
 * acknowledgement, say the result. Exit code 0 only when the vehicle accepted it; 1 when the gateway or the
 * vehicle refused it or it was not answered; 2 for bad usage or a link that cannot open.
 */
import type { GatewayCommand } from '../gateway/gateway.js';
import { runGatewayCommand } from '../gateway/run.js';
import { flag, helpText, parseArgs, type FlagSpec } from './args.js';
import { cliGateway, GATEWAY_FLAGS } from './gateway.js';
import type { CliIo } from './io.js';
import { CONNECT_FLAGS, connectVehicle, type CliDeps } from './vehicle-session.js';

const SPEC: Record<string, FlagSpec> = {
  ...CONNECT_FLAGS,
  ...GATEWAY_FLAGS,
  force: { type: 'boolean', describe: 'with disarm: force (also in flight — dangerous)' },
  help: { type: 'boolean', describe: 'show this help' },
};

const ACTIONS = 'mode NAME | arm | disarm [--force] | takeoff ALT_M | goto LAT,LON,ALT_M | orbit LAT,LON,RADIUS_M[,SPEED_MPS] | rtl | land | pause | continue | speed MPS | reboot';

type Action = Exclude<GatewayCommand, { command: 'release' }>;

function numbers(text: string | undefined, count: number[], what: string): number[] | string {
  const parts = (text ?? '').split(',').map((s) => Number(s.trim()));
  if (!text || !count.includes(parts.length) || parts.some((x) => !Number.isFinite(x))) return `${what} must be ${count.map((c) => `${c} numbers`).join(' or ')} separated by commas, got "${text ?? ''}"`;
  return parts;
}

/** Parse ACTION and its arguments into a call, or a message saying what is wrong. */
export function parseAction(pos: string[], force: boolean): Action | string {
  const [name, arg] = pos;
  switch (name) {
    case 'mode':
      return arg ? { command: 'mode', mode: arg.toUpperCase() } : 'mode needs a mode name, e.g. "mode GUIDED"';
    case 'arm':
      return { command: 'arm' };
    case 'disarm':
      return { command: 'disarm', force };
    case 'takeoff': {
      const alt = Number(arg);
      return arg !== undefined && Number.isFinite(alt) && alt > 0 ? { command: 'takeoff', altRelM: alt } : `takeoff needs an altitude in metres above home, got "${arg ?? ''}"`;
    }
    case 'goto': {
      const p = numbers(arg, [3], 'goto LAT,LON,ALT');
      return typeof p === 'string' ? p : { command: 'goto', latDeg: p[0]!, lonDeg: p[1]!, altRelM: p[2]! };
    }
    case 'orbit': {
      const p = numbers(arg, [3, 4], 'orbit LAT,LON,RADIUS[,SPEED]');
      return typeof p === 'string' ? p : { command: 'orbit', latDeg: p[0]!, lonDeg: p[1]!, radiusM: p[2]!, velocityMps: p[3] ?? 5 };
    }
    case 'rtl':
      return { command: 'rtl' };
    case 'land':
      return { command: 'land' };
    case 'pause':
      return { command: 'pause' };
    case 'continue':
      return { command: 'continue' };
    case 'speed': {
      const v = Number(arg);
      return arg !== undefined && v > 0 ? { command: 'speed', groundSpeedMps: v } : `speed needs a ground speed in m/s, got "${arg ?? ''}"`;
    }
    case 'reboot':
      return { command: 'reboot' };
    default:
      return name ? `unknown action "${name}" (actions: ${ACTIONS})` : `an action is required (${ACTIONS})`;
  }
}


export async function commandMain(argv: string[], io: CliIo, deps: CliDeps = {}): Promise<number> {
  const a = parseArgs(argv, SPEC, 'command');
  if (!a.ok) return io.fail(a.reason, 2);
  if (flag(a.value, 'help')) return io.print(`${helpText('command', '--connect URL --sysid S ACTION', SPEC)}\n\nactions: ${ACTIONS}`, 0);
  const action = parseAction(a.value.positionals, !!flag(a.value, 'force'));
  if (typeof action === 'string') return io.fail(`kongxun command: ${action}`, 2);
  const session = await connectVehicle(a.value, 'command', { warn: (l) => io.err(l), ...deps });
  if (!session.ok) return io.fail(session.reason, session.code);
  const { station, sysid: target } = session;
  const g = cliGateway(a.value, session.clock, 'command');
  if (!g.ok) {
    await station.close();
    return io.fail(g.reason, 2);
  }
  const { gateway, who, override } = g.value;
  try {
    const commands = station.vehicle(target)?.commands;
    if (!commands) return io.fail(`kongxun command: vehicle ${target} is gone`, 1);
    const out = await gateway.perform({ who, sysid: target, act: { kind: 'command', cmd: action }, override }, () => runGatewayCommand(commands, action), (r) => ({ ok: r.ok, text: r.ok ? r.value.text : r.reason }));
    if (!out.sent) return io.fail(`sys${target}: refused by the station (audit row ${out.auditId}): ${out.reason}`, 1);
    const r = out.value;
    if (r.ok) {
      io.out(`sys${target}: ${r.value.command}: accepted${r.value.text ? ` — ${r.value.text}` : ''}`);
      return 0;
    }
    return io.fail(`sys${target}: ${r.reason}`, 1);
  } finally {
    gateway.close();
    await station.close();
  }
}
