/**
 * The one launch-and-watch sequence, used by `kongxun fly` (fly-plan.ts) and the patrol runner
 * (patrol/actions.ts, runner.ts): how a plan gets a copter from the ground into its mission, as ArduPilot allows
 * it without an RC throttle (ARDUPILOT-NOTES.md), and how its progress is followed.
 *
 *   UPLOAD ── mission, fence, rally: each checked (mission-transfer.ts prepareUpload), uploaded and verified
 *   GUIDED ── set mode, confirmed in the heartbeat; before each arm attempt checked again and re-sent if the
 *             vehicle dropped it (a change made during boot can be lost when the RC mode switch becomes valid)
 *   ARM ───── retried while the refusal is transient (TRANSIENT_ARM: still booting, no position yet, GPS, …)
 *   START ─── MAV_CMD_MISSION_START: AUTO, takeoff, run
 *   WATCH ─── MissionProgress: the item the vehicle is on, from MISSION_CURRENT or MISSION_ITEM_REACHED,
 *             whichever arrives (a real ArduPilot sends MISSION_CURRENT only when it is streamed)
 *
 * Every command goes through `perform(label, run)`: the runner binds it to `audited` (an audit row per command,
 * the command gateway), `kongxun fly` to a plain call. Waiting is common/wait.ts on the injected clock.
 */
import type { Clock } from '../../common/clock.js';
import { sleep } from '../../common/wait.js';
import type { MissionType } from '../../mavlink/services/mission/types.js';
import type { CommandReply } from './commands.js';
import type { Station } from '../compose.js';
import type { PlanLists } from '../files/plan-file.js';
import { progressAfter, type MissionReport, type TransferCallOptions, type VehicleMissions } from './mission-transfer.js';

export type StepResult = { ok: true } | { ok: false; reason: string };

/** Runs one command for the sequence and says how it went (the runner: `audited`; fly: a plain call). */
export type Perform = (label: string, run: () => Promise<CommandReply | StepResult>) => Promise<StepResult>;

/** A plain `perform`: the command's own reply, nothing recorded. */
export const performDirectly: Perform = async (_label, run) => {
  try {
    const r = await run();
    return r.ok ? { ok: true } : { ok: false, reason: r.reason };
  } catch (e) {
    return { ok: false, reason: `threw: ${(e as Error).message}` };
  }
};

/** Refusals that pass by themselves while the vehicle boots or finds its position: worth another try. */
export const TRANSIENT_ARM = /Need Position Estimate|waiting for home|inconsistent|not initiali[sz]ed|EKF|GPS|AHRS|Compass|Baro|no answer/i;

export interface LaunchDeps {
  clock: Clock;
  station: Station;
  sysid: number;
  perform: Perform;
  /** Progress lines (fly prints them). */
  say?: (line: string) => void;
}

export interface UploadSummary {
  type: MissionType;
  count: number;
  ok: boolean;
  verifiedBy: string | null;
  resends: number;
  elapsedMs: number;
  reason: string | null;
  warnings: string[];
}

/** Mission, fence and rally, each checked, uploaded and verified; a list the plan leaves empty is cleared. */
export async function uploadPlanVerified(d: LaunchDeps, plan: PlanLists, o: { onProgress?: (type: MissionType) => TransferCallOptions['onProgress'] } = {}): Promise<StepResult & { uploads: UploadSummary[] }> {
  const m = d.station.vehicle(d.sysid)?.missions;
  const uploads: UploadSummary[] = [];
  if (!m) return { ok: false, reason: `no vehicle ${d.sysid}`, uploads };
  for (const type of ['mission', 'fence', 'rally'] as const) {
    // A list the plan leaves empty is uploaded empty: the vehicle must not keep an old fence or rally.
    const items = plan[type];
    const r = await d.perform(`upload ${type} (${items.length} items)`, async () => {
      const onProgress = o.onProgress?.(type);
      const u = await m.upload(type, items, onProgress ? { onProgress } : {}).result;
      for (const w of u.warnings) d.say?.(`${type}: warning: ${w}`);
      uploads.push({ type, count: items.length, ok: u.ok, verifiedBy: u.verifiedBy ?? null, resends: u.upload.resends, elapsedMs: u.elapsedMs, reason: u.reason ?? null, warnings: u.warnings });
      const warned = u.warnings.length > 0 ? ` (${u.warnings.join('; ')})` : '';
      return u.ok
        ? { ok: true, value: { command: `upload ${type}`, mavResult: undefined, text: `${type}: ${items.length} items verified by ${u.verifiedBy}${warned}` } }
        : { ok: false, reason: `${type} upload failed: ${u.reason ?? 'unknown'}` };
    });
    if (!r.ok) return { ...r, uploads };
    d.say?.(`${type}: ${items.length} items uploaded, verified by ${uploads.at(-1)?.verifiedBy}`);
  }
  return { ok: true, uploads };
}

export interface ArmOutcome {
  result: StepResult;
  /** Where it stopped: the mode could not be set, or arming was refused. */
  stage: 'mode' | 'arm' | 'armed';
  attempts: number;
}

/** GUIDED (confirmed, re-sent if lost), then arm, retrying transient refusals for `windowMs`. */
export async function guidedAndArm(d: LaunchDeps, windowMs: number): Promise<ArmOutcome> {
  const cmd = d.station.vehicle(d.sysid)?.commands;
  if (!cmd) return { result: { ok: false, reason: `no vehicle ${d.sysid}` }, stage: 'mode', attempts: 0 };
  const deadline = d.clock.now() + windowMs;
  const mode = () => d.station.vehicle(d.sysid)?.state().mode;
  const pause = () => sleep(d.clock, 2000);
  let attempts = 0;
  for (;;) {
    if (mode() !== 'GUIDED') {
      const g = await d.perform('mode GUIDED', () => cmd.setMode('GUIDED'));
      if (!g.ok) {
        if (d.clock.now() > deadline) return { result: { ok: false, reason: `GUIDED refused: ${g.reason}` }, stage: 'mode', attempts };
        d.say?.(`waiting: ${g.reason}`);
        await pause();
        continue;
      }
    }
    attempts++;
    const a = await d.perform('arm', () => cmd.arm());
    if (a.ok) {
      d.say?.('armed');
      return { result: a, stage: 'armed', attempts };
    }
    if (!TRANSIENT_ARM.test(a.reason) || d.clock.now() > deadline) return { result: a, stage: 'arm', attempts };
    d.say?.(`waiting to arm: ${a.reason}`);
    await pause();
  }
}

/** MAV_CMD_MISSION_START (from GUIDED, armed on the ground: takes off and flies the mission). */
export function startMission(d: LaunchDeps): Promise<StepResult> {
  const m = d.station.vehicle(d.sysid)?.missions;
  if (!m) return Promise.resolve({ ok: false, reason: `no vehicle ${d.sysid}` });
  d.say?.('MISSION_START');
  return d.perform('MISSION_START', async () => {
    const st = await m.start();
    return st.outcome === 'accepted' ? { ok: true } : { ok: false, reason: `MISSION_START ${st.outcome}` };
  });
}

/** GUIDED, arm (transient refusals retried for `windowMs`), MISSION_START. */
export async function launchFromGround(d: LaunchDeps, windowMs: number): Promise<StepResult & { stage: 'mode' | 'arm' | 'start' | 'started'; attempts: number }> {
  const a = await guidedAndArm(d, windowMs);
  if (!a.result.ok) return { ...a.result, stage: a.stage === 'mode' ? 'mode' : 'arm', attempts: a.attempts };
  const s = await startMission(d);
  return { ...s, stage: s.ok ? 'started' : 'start', attempts: a.attempts };
}

/**
 * A vehicle's mission progress as it arrives: the item it is on (MISSION_CURRENT, or the item after a
 * MISSION_ITEM_REACHED), the highest item reached, and whether it reported the mission COMPLETE.
 */
export class MissionProgress {
  /** The item the vehicle is on (0 before any report). */
  current = 0;
  maxReached = -1;
  readonly reached: number[] = [];
  /** Last MISSION_CURRENT seq above 0 (the item named when a flight fails). */
  lastCurrent = 0;
  complete = false;
  private readonly off: () => void;

  constructor(missions: VehicleMissions, private readonly onReport?: (r: MissionReport, p: MissionProgress) => void) {
    this.off = missions.watch((r) => this.apply(r));
  }

  apply(r: MissionReport): void {
    this.current = progressAfter(r);
    if (r.type === 'reached') {
      if (!this.reached.includes(r.seq)) this.reached.push(r.seq);
      this.maxReached = Math.max(this.maxReached, r.seq);
      this.lastCurrent = Math.max(this.lastCurrent, r.seq + 1);
    } else {
      if (r.seq > 0) this.lastCurrent = r.seq;
      if (r.state === 5 && this.lastCurrent > 0) this.complete = true;
    }
    this.onReport?.(r, this);
  }

  /** The vehicle confirmed a set-current: it is on `seq` now (MISSION_CURRENT may be slow, or not come). */
  set(seq: number): void {
    this.current = seq;
  }

  /** Flown to `last` (its MISSION_ITEM_REACHED came, or the vehicle reported the mission COMPLETE). */
  doneTo(last: number): boolean {
    return this.maxReached >= last || this.complete;
  }

  dispose(): void {
    this.off();
  }
}
