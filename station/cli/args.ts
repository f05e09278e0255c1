/**
 * A small, strict argument parser for the `kongxun` subcommands: `--flag value`, `--flag=value`, boolean
 * `--flag`, repeatable flags and positionals. Unknown flags and missing values are errors that name the flag.
 */
import { err, ok, type Result } from '../../common/result.js';

export interface FlagSpec {
  /** 'string' takes a value; 'boolean' does not; 'list' takes a value and may repeat. */
  type: 'string' | 'boolean' | 'list';
  describe: string;
}

export interface ParsedArgs {
  flags: Map<string, string[]>;
  positionals: string[];
}

export function parseArgs(argv: string[], spec: Record<string, FlagSpec>, command: string): Result<ParsedArgs> {
  const flags = new Map<string, string[]>();
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!a.startsWith('--') || a === '--') {
      positionals.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = a.slice(2, eq < 0 ? undefined : eq);
    const s = spec[name];
    if (!s) {
      const known = Object.keys(spec).map((k) => `--${k}`).join(', ');
      return err('usage', `kongxun ${command}: unknown option --${name} (options: ${known || 'none'})`);
    }
    let value: string;
    if (s.type === 'boolean') {
      if (eq >= 0) return err('usage', `kongxun ${command}: --${name} takes no value`);
      value = 'true';
    } else if (eq >= 0) value = a.slice(eq + 1);
    else {
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith('--') && next.length > 2)) {
        return err('usage', `kongxun ${command}: --${name} needs a value (${s.describe})`);
      }
      value = next;
      i++;
    }
    const list = flags.get(name) ?? [];
    if (s.type !== 'list' && list.length > 0) return err('usage', `kongxun ${command}: --${name} given twice`);
    list.push(value);
    flags.set(name, list);
  }
  return ok({ flags, positionals });
}

export function flag(a: ParsedArgs, name: string): string | undefined {
  return a.flags.get(name)?.[0];
}

export function intFlag(a: ParsedArgs, name: string, command: string, min: number, max: number): Result<number | undefined> {
  const v = flag(a, name);
  if (v === undefined) return ok(undefined);
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) {
    return err('usage', `kongxun ${command}: --${name} must be an integer from ${min} to ${max}, got "${v}"`);
  }
  return ok(n);
}

export function helpText(command: string, synopsis: string, spec: Record<string, FlagSpec>): string {
  const lines = [`usage: kongxun ${command} ${synopsis}`, ''];
  for (const [k, s] of Object.entries(spec)) {
    const left = `  --${k}${s.type === 'boolean' ? '' : ' VALUE'}`;
    lines.push((left.length >= 28 ? `${left}  ` : left.padEnd(28)) + s.describe);
  }
  return lines.join('\n');
}
