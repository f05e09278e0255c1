/**
 * Composable fault rules on the injected clock. A rule has a kind, a start (`atS`, seconds after the drone
 * was created) and an optional duration (`forS`; omitted = until removed). The drone asks the FaultSet at
 * each decision point:
 *   outgoing(msgid)  → drop it? delay it by how much?      (drop, delay, loss, silence)
 *   incoming(msgid)  → drop it?                            (drop, loss, silence)
 *   commandResult(c) → a forced MAV_RESULT for a command   (reject-command)
 *   gpsLost()        → GPS gives no fix                    (gps-loss)
 *   batterySag()     → extra drain / voltage drop          (battery-sag)
 *   prearmFailure()  → text of a failing pre-arm check     (prearm)
 * Loss draws from its own seeded stream, so the same seed and traffic give the same drops.
 *
 * JSON form (a fault file): `{ "faults": [ { "kind": "loss", "percent": 20, "atS": 60, "forS": 30 }, … ] }`
 * or a bare array. Messages may be named ("GLOBAL_POSITION_INT") or numbered (33). A rule may carry
 * `"sysid"` to apply only to that drone of a fleet.
 */
import type { Clock } from '../common/clock.js';
import { REGISTRY } from '../mavlink/codec/messages.js';
import { err, ok, type Result } from '../common/result.js';
import type { Prng } from './prng.js';

export type Direction = 'in' | 'out' | 'both';

interface Timing {
  /** Start, seconds after the drone was created. Default 0. */
  atS?: number;
  /** Duration, seconds. Default: forever. */
  forS?: number;
  /** Apply only to the drone with this sysid (fleet fault files). */
  sysid?: number;
}

export type FaultRule = Timing &
  (
    | { kind: 'drop'; messages: number[]; direction?: Direction }
    | { kind: 'delay'; messages: number[]; delayMs: number }
    | { kind: 'loss'; percent: number; direction?: Direction }
    | { kind: 'silence' }
    | { kind: 'reject-command'; command: number; result: number }
    | { kind: 'gps-loss' }
    | { kind: 'battery-sag'; voltDropV?: number; drainFactor?: number }
    | { kind: 'prearm'; text: string }
  );

export interface OutgoingDecision {
  drop: boolean;
  delayMs: number;
}

export class FaultSet {
  private rules: FaultRule[] = [];
  private readonly t0: number;

  constructor(
    private readonly clock: Clock,
    private readonly random: Prng,
    rules: readonly FaultRule[] = [],
  ) {
    this.t0 = clock.now();
    for (const r of rules) this.add(r);
  }

  /** Add a rule; returns a function that removes it. */
  add(rule: FaultRule): () => void {
    this.rules.push(rule);
    return () => {
      this.rules = this.rules.filter((r) => r !== rule);
    };
  }

  clear(): void {
    this.rules = [];
  }

  /** Rules active now. */
  active(): FaultRule[] {
    const tS = (this.clock.now() - this.t0) / 1000;
    return this.rules.filter((r) => {
      const at = r.atS ?? 0;
      return tS >= at && (r.forS === undefined || tS < at + r.forS);
    });
  }

  silent(): boolean {
    return this.active().some((r) => r.kind === 'silence');
  }

  outgoing(msgid: number): OutgoingDecision {
    let delayMs = 0;
    for (const r of this.active()) {
      if (r.kind === 'silence') return { drop: true, delayMs: 0 };
      if (r.kind === 'drop' && r.direction !== 'in' && r.messages.includes(msgid)) return { drop: true, delayMs: 0 };
      if (r.kind === 'loss' && r.direction !== 'in' && this.random.next() * 100 < r.percent) return { drop: true, delayMs: 0 };
      if (r.kind === 'delay' && r.messages.includes(msgid)) delayMs = Math.max(delayMs, r.delayMs);
    }
    return { drop: false, delayMs };
  }

  /** True when an incoming message must be dropped. */
  incoming(msgid: number): boolean {
    for (const r of this.active()) {
      if (r.kind === 'silence') return true;
      if (r.kind === 'drop' && (r.direction === 'in' || r.direction === 'both') && r.messages.includes(msgid)) return true;
      if (r.kind === 'loss' && (r.direction === 'in' || r.direction === 'both') && this.random.next() * 100 < r.percent) return true;
    }
    return false;
  }

  commandResult(command: number): number | undefined {
    for (const r of this.active()) if (r.kind === 'reject-command' && r.command === command) return r.result;
    return undefined;
  }

  gpsLost(): boolean {
    return this.active().some((r) => r.kind === 'gps-loss');
  }

  batterySag(): { voltDropV: number; drainFactor: number } {
    let voltDropV = 0;
    let drainFactor = 1;
    for (const r of this.active()) {
      if (r.kind !== 'battery-sag') continue;
      voltDropV += r.voltDropV ?? 0;
      drainFactor *= r.drainFactor ?? 1;
    }
    return { voltDropV, drainFactor };
  }

  prearmFailure(): string | undefined {
    for (const r of this.active()) if (r.kind === 'prearm') return r.text;
    return undefined;
  }
}

// ---- JSON form ----

const BY_NAME = new Map<string, number>();
for (const [id, cls] of REGISTRY) BY_NAME.set(cls.MSG_NAME, id);

function messageId(v: unknown, where: string): Result<number> {
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return ok(v);
  if (typeof v === 'string') {
    const id = BY_NAME.get(v.toUpperCase());
    if (id !== undefined) return ok(id);
    return err('bad_fault', `${where}: unknown message "${v}"`);
  }
  return err('bad_fault', `${where}: a message must be a name or an id, got ${JSON.stringify(v)}`);
}

function num(o: Record<string, unknown>, key: string, where: string, required: boolean): Result<number | undefined> {
  const v = o[key];
  if (v === undefined) return required ? err('bad_fault', `${where}: "${key}" is required`) : ok(undefined);
  if (typeof v !== 'number' || !Number.isFinite(v)) return err('bad_fault', `${where}: "${key}" must be a number, got ${JSON.stringify(v)}`);
  return ok(v);
}

/** Parse one rule from JSON, naming the rule and field at fault. */
export function parseFaultRule(raw: unknown, where = 'fault'): Result<FaultRule> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return err('bad_fault', `${where}: expected an object`);
  const o = raw as Record<string, unknown>;
  const timing: Timing = {};
  for (const k of ['atS', 'forS', 'sysid'] as const) {
    const r = num(o, k, where, false);
    if (!r.ok) return r;
    if (r.value !== undefined) timing[k] = r.value;
  }
  const dir = o['direction'];
  if (dir !== undefined && dir !== 'in' && dir !== 'out' && dir !== 'both') {
    return err('bad_fault', `${where}: "direction" must be "in", "out" or "both"`);
  }
  const direction = dir as Direction | undefined;
  const messages = (): Result<number[]> => {
    const m = o['messages'] ?? (o['message'] !== undefined ? [o['message']] : undefined);
    if (!Array.isArray(m) || m.length === 0) return err('bad_fault', `${where}: "messages" (a list) or "message" is required`);
    const ids: number[] = [];
    for (const x of m) {
      const id = messageId(x, where);
      if (!id.ok) return id;
      ids.push(id.value);
    }
    return ok(ids);
  };
  switch (o['kind']) {
    case 'drop': {
      const m = messages();
      return m.ok ? ok({ ...timing, kind: 'drop', messages: m.value, ...(direction ? { direction } : {}) }) : m;
    }
    case 'delay': {
      const m = messages();
      if (!m.ok) return m;
      const d = num(o, 'delayMs', where, true);
      return d.ok ? ok({ ...timing, kind: 'delay', messages: m.value, delayMs: d.value! }) : d;
    }
    case 'loss': {
      const p = num(o, 'percent', where, true);
      if (!p.ok) return p;
      if (p.value! < 0 || p.value! > 100) return err('bad_fault', `${where}: "percent" must be 0..100`);
      return ok({ ...timing, kind: 'loss', percent: p.value!, ...(direction ? { direction } : {}) });
    }
    case 'silence':
      return ok({ ...timing, kind: 'silence' });
    case 'gps-loss':
      return ok({ ...timing, kind: 'gps-loss' });
    case 'reject-command': {
      const c = num(o, 'command', where, true);
      if (!c.ok) return c;
      const r = num(o, 'result', where, false);
      if (!r.ok) return r;
      return ok({ ...timing, kind: 'reject-command', command: c.value!, result: r.value ?? 4 });
    }
    case 'battery-sag': {
      const v = num(o, 'voltDropV', where, false);
      if (!v.ok) return v;
      const f = num(o, 'drainFactor', where, false);
      if (!f.ok) return f;
      return ok({ ...timing, kind: 'battery-sag', voltDropV: v.value ?? 0, drainFactor: f.value ?? 1 });
    }
    case 'prearm': {
      const t = o['text'];
      if (typeof t !== 'string' || t === '') return err('bad_fault', `${where}: "text" (the failing check) is required`);
      return ok({ ...timing, kind: 'prearm', text: t });
    }
    default:
      return err(
        'bad_fault',
        `${where}: unknown "kind" ${JSON.stringify(o['kind'])}; expected drop, delay, loss, silence, reject-command, gps-loss, battery-sag or prearm`,
      );
  }
}

/** Parse a fault file's JSON (an object with "faults" or a bare array). */
export function parseFaultFile(json: unknown): Result<FaultRule[]> {
  const list = Array.isArray(json) ? json : typeof json === 'object' && json !== null ? (json as Record<string, unknown>)['faults'] : undefined;
  if (!Array.isArray(list)) return err('bad_fault', 'fault file: expected {"faults": [...]} or an array of rules');
  const out: FaultRule[] = [];
  for (let i = 0; i < list.length; i++) {
    const r = parseFaultRule(list[i], `faults[${i}]`);
    if (!r.ok) return r;
    out.push(r.value);
  }
  return ok(out);
}
