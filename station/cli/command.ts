/**
 * `kongxun command --connect URL --sysid S ACTION …`: send one command, wait for its acknowledgement, say
 * the result. Exit code 0 only when the vehicle accepted it; 1 when it refused or did not answer; 2 for bad
 * usage or a link that cannot open.
 */
import type { CommandReply, VehicleCommands } from '../commands.js';
import { flag, helpText, parseArgs, type FlagSpec } from './args.js';
import type { CliIo } from './io.js';
import { CONNECT_FLAGS, connectVehicle } from './vehicle-session.js';

const SPEC: Record<string, FlagSpec> = {
  ...CONNECT_FLAGS,
  force: { type: 'boolean', describe: 'with disarm: force (also in flight — dangerous)' },
  help: { type: 'boolean', describe: 'show this help' },
};

const ACTIONS = 'mode NAME | arm | disarm [--force] | takeoff ALT_M | goto LAT,LON,ALT_M | orbit LAT,LON,RADIUS_M[,SPEED_MPS] | rtl | land | pause | continue | speed MPS | reboot';

type Action = (c: VehicleCommands) => Promise<CommandReply>;

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
      return arg ? (c) => c.setMode(arg.toUpperCase()) : 'mode needs a mode name, e.g. "mode GUIDED"';
    case 'arm':
      return (c) => c.arm();
    case 'disarm':
      return (c) => c.disarm(force);
    case 'takeoff': {
      const alt = Number(arg);
      return arg !== undefined && alt > 0 && alt <= 120 ? (c) => c.takeoff(alt, { arm: true }) : `takeoff needs an altitude in metres above home, 0 < ALT ≤ 120, got "${arg ?? ''}"`;
    }
    case 'goto': {
      const p = numbers(arg, [3], 'goto LAT,LON,ALT');
      return typeof p === 'string' ? p : (c) => c.goto(p[0]!, p[1]!, p[2]!);
    }
    case 'orbit': {
      const p = numbers(arg, [3, 4], 'orbit LAT,LON,RADIUS[,SPEED]');
      return typeof p === 'string' ? p : (c) => c.orbit(p[0]!, p[1]!, p[2]!, p[3] ?? 5);
    }
    case 'rtl':
      return (c) => c.rtl();
    case 'land':
      return (c) => c.land();
    case 'pause':
      return (c) => c.pause();
    case 'continue':
      return (c) => c.continue();
    case 'speed': {
      const v = Number(arg);
      return arg !== undefined && v > 0 ? (c) => c.changeSpeed(v) : `speed needs a ground speed in m/s, got "${arg ?? ''}"`;
    }
    case 'reboot':
      return (c) => c.reboot();
    default:
      return name ? `unknown action "${name}" (actions: ${ACTIONS})` : `an action is required (${ACTIONS})`;
  }
}


export async function commandMain(argv: string[], io: CliIo): Promise<number> {
  const a = parseArgs(argv, SPEC, 'command');
  if (!a.ok) return io.fail(a.reason, 2);
  if (flag(a.value, 'help')) return io.print(`${helpText('command', '--connect URL --sysid S ACTION', SPEC)}\n\nactions: ${ACTIONS}`, 0);
  const action = parseAction(a.value.positionals, !!flag(a.value, 'force'));
  if (typeof action === 'string') return io.fail(`kongxun command: ${action}`, 2);
  const session = await connectVehicle(a.value, 'command', { warn: (l) => io.err(l) });
  if (!session.ok) return io.fail(session.reason, session.code);
  const { station, sysid: target } = session;
  try {
    const commands = station.command(target);
    if (!commands) return io.fail(`kongxun command: vehicle ${target} is gone`, 1);
    const r = await action(commands);
    if (r.ok) {
      io.out(`sys${target}: ${r.value.command}: accepted${r.value.text ? ` — ${r.value.text}` : ''}`);
      return 0;
    }
    return io.fail(`sys${target}: ${r.reason}`, 1);
  } finally {
    await station.close();
  }
}
