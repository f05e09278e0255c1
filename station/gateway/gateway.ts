/**
 * The command gateway: every action on a drone, from any source — a console (browser or desktop window), the
 * `kongxun` CLI, the patrol runner and the dispatches it flies — passes here, in this order:
 *
 *   who (Principal) → may they (rights.ts, by role) → is it sane (finite numbers in range; go-to, orbit,
 *   take-off and uploads checked against the jurisdiction by missions/plan/flight-check.ts) → audit (the
 *   request row, written before anything is sent) → patrol bookkeeping (a person's flight command or upload
 *   to a patrol drone takes it over) → send → audit (the result row: the drone's answer)
 *
 * A refusal is returned with its reason (and the check's issues) and audited as refused; nothing is sent. A
 * flight outside the jurisdiction, in a no-fly zone or above the ceiling may be sent by a pilot with an explicit
 * override and a written reason, which the audit keeps; a number that is not a number never.
 */
import type { StorageHealth } from '../storage/health.js';
import type { Clock } from '../../common/clock.js';
import type { VehicleCommand } from '../../common/api/contract.js';
import { checkList, describeIssues, FlightRules, type FlightIssue, type ListItem } from '../../missions/plan/flight-check.js';
import { ok, type Result } from '../../common/result.js';
import { openAuditLog, type AuditLog } from './audit.js';
import { principalFrom, principalName, principalRole, principalVia, type Principal } from './principal.js';
import { ACTION_NAMES, may, type Action } from './rights.js';

/** The commands the gateway knows: the console's, and the CLI's `speed` and `reboot`. */
export type GatewayCommand = VehicleCommand | { command: 'speed'; groundSpeedMps: number } | { command: 'reboot' };

export type Act =
  | { kind: 'command'; cmd: GatewayCommand }
  /** A mission, fence or rally list about to be uploaded (`file`: where it came from). */
  | { kind: 'upload'; list: 'mission' | 'fence' | 'rally'; items: readonly ListItem[]; file?: string }
  | { kind: 'clear'; list: string }
  /** A whole flight from a plan file (`kongxun fly`): upload mission, fence and rally, take off, fly, land. */
  | { kind: 'fly'; file: string; lists: { mission: readonly ListItem[]; fence: readonly ListItem[]; rally: readonly ListItem[] } }
  | { kind: 'params'; name: string; value: number }
  /** One step of the patrol runner or a dispatch it flies (launch, upload, go-to …): built from its own plan. */
  | { kind: 'step'; label: string };

export interface GatewayRequest {
  who: Principal;
  sysid: number;
  act: Act;
  sortie?: string | null;
  /** A pilot's explicit override of the jurisdiction check, with the reason the audit keeps. */
  override?: { reason: string } | undefined;
}

export type RefusalCode = 'forbidden' | 'insane' | 'outside-rules';

export interface Verdict {
  verdict: 'allowed' | 'override' | 'refused';
  code?: RefusalCode;
  /** Why refused; the override's reason; or '' */
  reason: string;
  issues: FlightIssue[];
  action: Action;
}

export type GatewayOutcome<R> =
  | { sent: false; code: RefusalCode; reason: string; issues: FlightIssue[]; auditId: number }
  | { sent: true; value: R; auditId: number; takeover: string | null };

/** What the gateway needs of the patrol (the runner): would a person's command take the drone over, and do it. */
export interface PatrolHooks {
  /** What a person's flight command would take the drone from ("patrol sortie P012", "the patrol"), or null when the patrol does not hold it. */
  holds(sysid: number): string | null;
  takeover(sysid: number): void;
}

export interface GatewayOptions {
  clock: Clock;
  audit: AuditLog;
  /** The jurisdiction's rules; without them only numbers and ranges are checked. */
  rules?: FlightRules | undefined;
  droneName?: (sysid: number) => string | null;
  patrol?: PatrolHooks | undefined;
}

/** Overridable: a place or height outside the station's rules. Never: a number that is not one. */
const OVERRIDABLE = new Set<FlightIssue['code']>(['outside-boundary', 'no-fly', 'too-high']);
const MIN_OVERRIDE_REASON = 4;
const MAX_OVERRIDE_REASON = 500;

const finite = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
const bad = (what: string, why: string): FlightIssue => ({ code: 'bad-number', what, reason: `${what}: ${why}` });
const show = (x: unknown) => JSON.stringify(x) ?? String(x);

export function actionOf(act: Act): Action {
  switch (act.kind) {
    case 'command':
      if (act.cmd.command === 'camera' || act.cmd.command === 'gimbal') return 'payload';
      if (act.cmd.command === 'release') return 'release';
      return 'flight';
    case 'upload':
    case 'clear':
      return 'upload';
    case 'params':
      return 'params';
    case 'step':
    case 'fly':
      return 'flight';
  }
}

/** The action's short name in the audit: goto, takeoff, upload mission, params set, the runner's own label. */
export function actionName(act: Act): string {
  switch (act.kind) {
    case 'command':
      return act.cmd.command;
    case 'upload':
      return `upload ${act.list}`;
    case 'clear':
      return `clear ${act.list}`;
    case 'params':
      return 'params set';
    case 'fly':
      return 'fly plan';
    case 'step':
      return act.label;
  }
}

/** Numbers in range and the jurisdiction (when there are rules) for one command. */
export function commandIssues(cmd: GatewayCommand, rules: FlightRules | undefined): FlightIssue[] {
  const c = cmd as Record<string, unknown>;
  const ceiling = rules?.maxAltitudeM ?? 120;
  const alt = (v: unknown, what: string): FlightIssue[] =>
    rules ? rules.altitude(v, what) : !finite(v) ? [bad(what, `altitude ${show(v)} is not a number`)] : v <= 0 || v > ceiling ? [bad(what, `altitude ${v} m must be above 0 and at most ${ceiling} m`)] : [];
  const optional = (v: unknown, what: string, lo: number, hi: number): FlightIssue[] => (v === undefined ? [] : !finite(v) || v < lo || v > hi ? [bad(what, `${show(v)} must be a number from ${lo} to ${hi}`)] : []);
  const coords = (what: string): FlightIssue[] =>
    !finite(c.latDeg) || Math.abs(c.latDeg) > 90 ? [bad(what, `latitude ${show(c.latDeg)} is not a latitude`)] : !finite(c.lonDeg) || Math.abs(c.lonDeg) > 180 ? [bad(what, `longitude ${show(c.lonDeg)} is not a longitude`)] : [];
  switch (cmd.command) {
    case 'arm':
    case 'land':
    case 'rtl':
    case 'pause':
    case 'continue':
    case 'release':
    case 'reboot':
      return [];
    case 'disarm':
      return c.force === undefined || typeof c.force === 'boolean' ? [] : [bad('disarm', `force ${show(c.force)} must be true or false`)];
    case 'mode':
      return typeof c.mode === 'string' && /^[A-Za-z_]{2,24}$/.test(c.mode) ? [] : [bad('mode', `${show(c.mode)} is not a mode name`)];
    case 'takeoff':
      return alt(c.altRelM, 'take-off');
    case 'goto':
      return rules ? rules.point(c.latDeg, c.lonDeg, c.altRelM, 'go-to point') : [...coords('go-to point'), ...alt(c.altRelM, 'go-to point')];
    case 'orbit': {
      const v = optional(c.velocityMps, 'orbit speed', 0.5, 20);
      if (rules) return [...rules.orbit(c.latDeg, c.lonDeg, c.radiusM, undefined), ...v];
      const r = !finite(c.radiusM) || c.radiusM === 0 || Math.abs(c.radiusM) > 1000 ? [bad('orbit', `radius ${show(c.radiusM)} must be 0 < |r| ≤ 1000 m`)] : [];
      return [...coords('orbit centre'), ...r, ...v];
    }
    case 'speed':
      return optional(c.groundSpeedMps, 'speed', 0.1, 30).concat(c.groundSpeedMps === undefined ? [bad('speed', 'a ground speed is required')] : []);
    case 'camera':
      if (!['record-start', 'record-stop', 'photo', 'zoom'].includes(c.action as string)) return [bad('camera', `${show(c.action)} is not a camera action`)];
      return optional(c.zoomPct, 'camera zoom', 0, 100);
    case 'gimbal':
      return [...optional(c.pitchDeg, 'gimbal pitch', -180, 180), ...optional(c.yawDeg, 'gimbal yaw', -360, 360)];
    default:
      return [bad('command', `unknown command ${show((cmd as { command?: unknown }).command)}`)];
  }
}

export class CommandGateway {
  private patrol: PatrolHooks | undefined;

  constructor(private readonly o: GatewayOptions) {
    this.patrol = o.patrol;
  }

  get rules(): FlightRules | undefined {
    return this.o.rules;
  }

  get audit(): AuditLog {
    return this.o.audit;
  }

  /** Close the audit (the station is going down). */
  close(): void {
    this.o.audit.close();
  }

  /** The patrol runner, once it runs (its takeover is the gateway's bookkeeping). */
  setPatrol(p: PatrolHooks | undefined): void {
    this.patrol = p;
  }

  /** may they → is it sane (no side effect): what `perform` would decide. */
  check(req: GatewayRequest): Verdict {
    const action = actionOf(req.act);
    const role = principalRole(req.who);
    if (!may(role, action)) {
      return { verdict: 'refused', code: 'forbidden', action, issues: [], reason: `${principalName(req.who)} (${role}) may not send ${ACTION_NAMES[action].en}` };
    }
    const issues = this.issues(req.act);
    if (issues.length === 0) return { verdict: 'allowed', action, issues, reason: '' };
    const overridable = issues.every((i) => OVERRIDABLE.has(i.code));
    if (!overridable) return { verdict: 'refused', code: 'insane', action, issues, reason: describeIssues(issues.filter((i) => !OVERRIDABLE.has(i.code))) };
    const why = typeof req.override?.reason === 'string' ? req.override.reason.trim() : '';
    if (!req.override) return { verdict: 'refused', code: 'outside-rules', action, issues, reason: describeIssues(issues) };
    if (role !== 'pilot' || req.who.kind === 'runner') {
      return { verdict: 'refused', code: 'outside-rules', action, issues, reason: `${describeIssues(issues)}; only a pilot may override the station's rules` };
    }
    if (why.length < MIN_OVERRIDE_REASON || why.length > MAX_OVERRIDE_REASON) {
      return { verdict: 'refused', code: 'outside-rules', action, issues, reason: `${describeIssues(issues)}; an override needs a written reason (${MIN_OVERRIDE_REASON}–${MAX_OVERRIDE_REASON} characters)` };
    }
    return { verdict: 'override', action, issues, reason: `override: ${why} — over: ${describeIssues(issues)}` };
  }

  private issues(act: Act): FlightIssue[] {
    switch (act.kind) {
      case 'command':
        return commandIssues(act.cmd, this.o.rules);
      case 'upload':
        return this.o.rules ? checkList(this.o.rules, act.list, act.items) : [];
      case 'fly': {
        const rules = this.o.rules;
        return rules ? (['mission', 'fence', 'rally'] as const).flatMap((l) => checkList(rules, l, act.lists[l])) : [];
      }
      case 'params':
        return typeof act.name === 'string' && /^[A-Za-z0-9_]{1,16}$/.test(act.name) && finite(act.value) ? [] : [bad('parameter', `${show(act.name)} = ${show(act.value)} is not a parameter name and a finite value`)];
      case 'clear':
      case 'step':
        return [];
    }
  }

  /**
   * Decide, audit, do the patrol's bookkeeping, send, audit the answer. `answer` words the sender's result for
   * the audit. A sender that throws is audited as failed and the error goes on to the caller.
   */
  async perform<R>(req: GatewayRequest, send: () => Promise<R>, answer: (r: R) => { ok: boolean; text: string }): Promise<GatewayOutcome<R>> {
    const v = this.check(req);
    const drone = this.o.droneName?.(req.sysid) ?? null;
    const base = {
      who: principalName(req.who),
      role: principalRole(req.who),
      via: principalVia(req.who),
      from: principalFrom(req.who),
      sysid: req.sysid,
      drone,
      sortie: req.sortie ?? null,
      action: actionName(req.act),
      command: JSON.stringify(req.override ? { ...req.act, override: req.override } : req.act),
    };
    // Patrol bookkeeping is decided before the request row so the row says it: a person's flight command or
    // upload to a drone flying a patrol sortie takes it over from the runner.
    const takes = v.verdict !== 'refused' && req.who.kind !== 'runner' && (v.action === 'flight' || v.action === 'upload') ? (this.patrol?.holds(req.sysid) ?? null) : null;
    const note = takes ? `takes the drone over from ${takes}` : '';
    const auditId = this.o.audit.append({
      ...base,
      atMs: this.o.clock.now(),
      phase: 'request',
      ref: null,
      verdict: v.verdict,
      reason: [v.reason, note].filter(Boolean).join('; '),
      answer: '',
    });
    if (v.verdict === 'refused') return { sent: false, code: v.code!, reason: v.reason, issues: v.issues, auditId };
    if (takes) this.patrol?.takeover(req.sysid);
    let r: R;
    try {
      r = await send();
    } catch (e) {
      this.o.audit.append({ ...base, atMs: this.o.clock.now(), phase: 'result', ref: auditId, verdict: 'failed', reason: '', answer: `threw: ${(e as Error).message}` });
      throw e;
    }
    const a = answer(r);
    this.o.audit.append({ ...base, atMs: this.o.clock.now(), phase: 'result', ref: auditId, verdict: a.ok ? 'accepted' : 'failed', reason: '', answer: a.text });
    return { sent: true, value: r, auditId, takeover: takes };
  }
}

/**
 * The station's gateway on a data folder: the audit in DATA/audit.sqlite, and the rules of the station's
 * GeoJSON when given (without them only numbers and ranges are checked).
 */
export function openGateway(o: { clock: Clock; dataDir: string; geography?: unknown; droneName?: (sysid: number) => string | null; health?: StorageHealth | undefined }): Result<CommandGateway> {
  const audit = openAuditLog(o.dataDir, 'audit.sqlite', o.health ? { health: o.health } : {});
  if (!audit.ok) return audit;
  const rules = o.geography !== undefined ? FlightRules.fromGeoJson(o.geography) : undefined;
  return ok(new CommandGateway({ clock: o.clock, audit: audit.value, rules, ...(o.droneName ? { droneName: o.droneName } : {}) }));
}
