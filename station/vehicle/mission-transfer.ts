/**
 * The station's mission transfers for one vehicle: upload (always verified), download, clear and set-current
 * of the mission, fence and rally lists. Transfers to one vehicle queue here, one at a time in order (the
 * protocol has one transfer per list at a time and the vehicle's answers name no transaction); transfers to
 * different vehicles run at the same time, each on its own queue. Commands have their own queue
 * (command-queue.ts): a COMMAND_ACK cannot be mistaken for a mission message, so both may run together.
 *
 * Every call returns a value, never throws. Timeouts start from the vehicle's measured RTT when there is one.
 */
import { quirksFor } from '../../mavlink/quirks.js';
import type { DownloadResult } from '../../mavlink/services/mission/download.js';
import type { SimpleResult } from '../../mavlink/services/mission/clear.js';
import * as transfer from '../../mavlink/services/mission/transfer.js';
import type { MissionType, TransferOptions, TransferProgress, WireItem } from '../../mavlink/services/mission/types.js';
import type { Running } from '../../mavlink/services/driver.js';
import type { CommandResult } from '../../mavlink/services/command.js';
import { common } from 'mavlink-mappings';
import { checkItemArduPilot, describeProblem, storedInLocation } from '../../mavlink/services/mission/item-rules.js';
import type { VehicleHandle } from './vehicle-types.js';

/** What the mission transfers use of their vehicle (the Vehicle). */
export type MissionVehicle = Pick<VehicleHandle, 'sysid' | 'compid' | 'clock' | 'link' | 'state' | 'gcsSysid' | 'gcsCompid' | 'run'>;

/** What the vehicle reports of a running mission. */
export type MissionReport =
  | { type: 'current'; seq: number; total: number; state: number; missionId: number }
  | { type: 'reached'; seq: number };

/**
 * The item the vehicle is on after a report: MISSION_CURRENT says it; MISSION_ITEM_REACHED n means it has moved
 * on from n (ArduPilot sends only the reached events unless MISSION_CURRENT is streamed). The latest report wins,
 * so a set-current (hold) going back is followed too.
 */
export function progressAfter(r: MissionReport): number {
  return r.type === 'current' ? r.seq : r.seq + 1;
}

/** MISSION_COUNT is a uint16: a longer list cannot be sent at all (it would wrap). */
export const MAX_LIST_ITEMS = 65_535;
/**
 * Sane altitude bounds of a located item, metres: above home/terrain (frames 2, 3, 6, 10, 11) and above mean sea
 * level (frames 0, 5). A copter flies within a few hundred metres of its dock; anything beyond is a typo or a
 * corrupt file. (ArduPilot itself refuses only |z| ≥ 83 km; the jurisdiction's ceiling is the planner's.)
 */
export const ALT_BOUNDS_M = { relative: [-1000, 10_000], amsl: [-500, 10_000] } as const;

export interface PreparedUpload {
  /** The items to send (NaNs replaced where safe). */
  items: WireItem[];
  /** Every replacement, naming item and field ("item 4 (NAV_LOITER_TIME) param4 = NaN: … sent as 0"). */
  warnings: string[];
  /** Why the list cannot be sent, naming item, field and ArduPilot's code; empty when it can. */
  errors: string[];
}

/**
 * A list checked against ArduPilot's item rules (the simulator answers with the same codes) and the station's
 * bounds before anything is sent: a NaN with a safe default is replaced (with a warning), anything else refuses
 * the list.
 */
export function prepareUpload(type: MissionType, items: readonly WireItem[]): PreparedUpload {
  const errors: string[] = [];
  const warnings: string[] = [];
  if (items.length > MAX_LIST_ITEMS) {
    return { items: [], warnings, errors: [`${type}: ${items.length} items, more than MISSION_COUNT can carry (${MAX_LIST_ITEMS})`] };
  }
  const out: WireItem[] = [];
  for (const [i, orig] of items.entries()) {
    let it: WireItem = { ...orig, seq: i, params: [...orig.params] as WireItem['params'] };
    // Item 0 of the mission is home: ArduPilot overwrites it, so it is not judged.
    const judged = !(type === 'mission' && i === 0);
    let bad = false;
    for (let guard = 0; judged && guard < 8; guard++) {
      const p = checkItemArduPilot(type, it);
      if (!p) break;
      if (p.coerceTo === undefined) {
        errors.push(describeProblem(p));
        bad = true;
        break;
      }
      warnings.push(`${describeProblem(p)}, sent as ${p.coerceTo} (the field's default)`);
      const k = Number(p.field.slice(5)) - 1;
      it = { ...it, params: it.params.map((v, j) => (j === k ? p.coerceTo! : v)) as WireItem['params'] };
    }
    if (judged && !bad && (storedInLocation(it.command) || type !== 'mission') && Number.isFinite(it.z)) {
      const amsl = it.frame === 0 || it.frame === 5;
      const [lo, hi] = amsl ? ALT_BOUNDS_M.amsl : ALT_BOUNDS_M.relative;
      if (it.z < lo || it.z > hi) errors.push(`item ${i} (${commandName(it.command)}) z = ${it.z}: altitude outside ${lo}…${hi} m (${amsl ? 'above sea level' : 'above home'})`);
    }
    out.push(it);
  }
  const shown = errors.length > 10 ? [...errors.slice(0, 10), `(+${errors.length - 10} more)`] : errors;
  return { items: out, warnings, errors: shown };
}

const commandName = (c: number): string => (common.MavCmd as unknown as Record<number, string>)[c] ?? `command ${c}`;

export type StationUpload = transfer.VerifiedUpload & {
  /** NaNs replaced before sending (prepareUpload). */
  warnings: string[];
};

export type ProgressEvent = TransferProgress & { phase: 'upload' | 'verify' | 'download'; type: MissionType };

export interface QueuedTransfer<R> {
  result: Promise<R>;
  /** Waiting: resolves without sending anything; running: the machine's cancel. */
  cancel(): void;
}

export interface TransferCallOptions {
  onProgress?: (p: ProgressEvent) => void;
  options?: TransferOptions;
}

export class VehicleMissions {
  private tail: Promise<unknown> = Promise.resolve();
  private closed = false;
  private readonly running = new Set<() => void>();

  constructor(private readonly t: MissionVehicle) {}

  private context(type: MissionType, o: TransferCallOptions): transfer.TransferContext {
    const { rttMs: rtt, autopilot } = this.t.state();
    return {
      clock: this.t.clock,
      link: this.t.link,
      peer: { targetSystem: this.t.sysid, targetComponent: this.t.compid, gcsSysid: this.t.gcsSysid, gcsCompid: this.t.gcsCompid },
      quirks: quirksFor(autopilot),
      options: { ...(rtt !== null ? { rttMs: rtt } : {}), ...o.options },
      onProgress: (p) => o.onProgress?.({ ...p, type }),
    };
  }

  private enqueue<R>(start: () => Running<R>, cancelled: () => R): QueuedTransfer<R> {
    let wasCancelled = false;
    let cancelRunning: (() => void) | undefined;
    const result = this.tail.then(async (): Promise<R> => {
      if (wasCancelled || this.closed) return cancelled();
      const r = start();
      cancelRunning = r.cancel;
      this.running.add(r.cancel);
      try {
        return await r.result;
      } finally {
        this.running.delete(r.cancel);
      }
    });
    this.tail = result.catch(() => undefined);
    return {
      result,
      cancel: () => {
        wasCancelled = true;
        cancelRunning?.();
      },
    };
  }

  /**
   * Check (prepareUpload), upload and verify (read-back by default; `verify: 'identity'` uses the mission id where
   * offered). A list that fails the checks is refused without sending anything, every problem named.
   */
  upload(type: MissionType, items: readonly WireItem[], o: TransferCallOptions & transfer.UploadVerifiedOptions = {}): QueuedTransfer<StationUpload> {
    const prep = prepareUpload(type, items);
    const failed = (reason: string, warnings: string[]): StationUpload => ({
      ok: false, type, count: items.length, verifiedBy: undefined, mismatches: [], reason, opaqueId: undefined, elapsedMs: 0, warnings,
      upload: { outcome: 'cancelled', type, count: items.length, ackResult: undefined, reason, opaqueId: undefined, itemsDone: 0, sent: 0, resends: 0, srttMs: undefined, elapsedMs: 0 },
    });
    if (prep.errors.length > 0) {
      return { result: Promise.resolve(failed(`${type} refused before upload, nothing sent: ${prep.errors.join('; ')}`, prep.warnings)), cancel: () => {} };
    }
    const q = this.enqueue(
      () => transfer.uploadVerified(this.context(type, o), type, prep.items, o),
      () => ({ ...failed('cancelled', []) }),
    );
    return { result: q.result.then((r) => ({ ...r, warnings: prep.warnings })), cancel: q.cancel };
  }

  download(type: MissionType, o: TransferCallOptions = {}): QueuedTransfer<DownloadResult> {
    return this.enqueue(
      () => transfer.download(this.context(type, o), type),
      () => ({ outcome: 'cancelled', type, items: [], count: undefined, opaqueId: undefined, reason: 'cancelled', ackResult: undefined, sent: 0, resends: 0, srttMs: undefined, elapsedMs: 0 }),
    );
  }

  clear(type: MissionType, o: TransferCallOptions = {}): QueuedTransfer<SimpleResult> {
    return this.enqueue(() => transfer.clear(this.context(type, o), type), () => ({ outcome: 'cancelled', reason: 'cancelled', ackResult: undefined, attempts: 0, elapsedMs: 0 }));
  }

  setCurrent(seq: number, o: TransferCallOptions = {}): QueuedTransfer<SimpleResult> {
    return this.enqueue(() => transfer.setCurrent(this.context('mission', o), seq), () => ({ outcome: 'cancelled', reason: 'cancelled', ackResult: undefined, attempts: 0, elapsedMs: 0 }));
  }

  /** MAV_CMD_MISSION_START (ArduPilot: from GUIDED, armed on the ground: takes off and flies the mission). */
  start(firstItem = 0, lastItem = 0): Promise<CommandResult> {
    return this.t.run({ kind: 'long', command: common.MavCmd.MISSION_START, params: [firstItem, lastItem], targetSystem: this.t.sysid, targetComponent: this.t.compid });
  }

  /** MISSION_CURRENT and MISSION_ITEM_REACHED of this vehicle, as they arrive. */
  watch(cb: (r: MissionReport) => void): () => void {
    return this.t.link.onMessage((rx) => {
      if (rx.frame.sysid !== this.t.sysid) return;
      const m = rx.message;
      if (m instanceof common.MissionCurrent) cb({ type: 'current', seq: m.seq, total: m.total, state: m.missionState, missionId: m.missionId });
      else if (m instanceof common.MissionItemReached) cb({ type: 'reached', seq: m.seq });
    });
  }

  /** Cancel everything running or waiting. */
  close(): void {
    this.closed = true;
    for (const c of [...this.running]) c();
  }
}
