/**
 * Parameter files: read and write the `NAME,VALUE[,TYPE]` text of copter-params.parm (Mission Planner's
 * comma form with the MAV_PARAM_TYPE added; whitespace-separated `NAME VALUE` as MAVProxy writes is read
 * too; `#` starts a comment), and compare two parameter sets.
 */
import { formatValue, isIntegerType, sameValue, type Param } from './types.js';

export type ParseResult = { ok: true; params: Param[] } | { ok: false; reason: string };

/** Parse a .parm text. Values without a TYPE get REAL32 (9) unless `types` knows the name. */
export function parseParm(text: string, types?: ReadonlyMap<string, number>): ParseResult {
  const params: Param[] = [];
  const seen = new Set<string>();
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    const parts = line.split(/[,\s]+/).filter((p) => p.length > 0);
    const [name, v, t] = parts;
    if (!name || v === undefined || parts.length > 3) return { ok: false, reason: `line ${i + 1}: expected NAME,VALUE[,TYPE], got "${line}"` };
    if (!/^[A-Za-z0-9_]{1,16}$/.test(name)) return { ok: false, reason: `line ${i + 1}: "${name}" is not a parameter name (letters, digits, _; at most 16)` };
    const value = Number(v);
    if (!Number.isFinite(value)) return { ok: false, reason: `line ${i + 1}: ${name}: "${v}" is not a number` };
    const type = t !== undefined ? Number(t) : (types?.get(name) ?? 9);
    if (!Number.isInteger(type) || type < 1 || type > 10) return { ok: false, reason: `line ${i + 1}: ${name}: "${t}" is not a MAV_PARAM_TYPE (1..10)` };
    if (seen.has(name)) return { ok: false, reason: `line ${i + 1}: ${name} appears twice` };
    seen.add(name);
    params.push({ name, value: isIntegerType(type) ? value : Math.fround(value), type });
  }
  return { ok: true, params };
}

export function formatParm(params: readonly Param[], header: readonly string[] = []): string {
  const lines = header.map((h) => `# ${h}`);
  for (const p of params) lines.push(`${p.name},${formatValue(p.type, p.value)},${p.type}`);
  return `${lines.join('\n')}\n`;
}

export interface ParamDiff {
  changed: { name: string; a: number; b: number; type: number }[];
  onlyA: Param[];
  onlyB: Param[];
}

export function diffParams(a: readonly Param[], b: readonly Param[]): ParamDiff {
  const mb = new Map(b.map((p) => [p.name, p]));
  const ma = new Map(a.map((p) => [p.name, p]));
  const changed: ParamDiff['changed'] = [];
  const onlyA: Param[] = [];
  for (const p of a) {
    const q = mb.get(p.name);
    if (!q) onlyA.push(p);
    else if (!sameValue(p.type, p.value, q.value)) changed.push({ name: p.name, a: p.value, b: q.value, type: p.type });
  }
  const onlyB = b.filter((p) => !ma.has(p.name));
  return { changed, onlyA, onlyB };
}
