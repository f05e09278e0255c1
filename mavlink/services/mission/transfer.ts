/**
 * Transfers as callers want them: run the machines through the driver and verify every upload.
 *
 *   uploadVerified: upload ──► ok / unconfirmed ──► verify ──► ok only if verified
 *                                                    ├─ 'readback': download and compare what matters
 *                                                    └─ 'identity': MISSION_ACK opaque_id = the id in the
 *                                                       next MISSION_CURRENT (mission_id / fence_id /
 *                                                       rally_points_id); falls back to read-back when the
 *                                                       vehicle gives no id
 * A transfer is a success or a failure with a reason: never a partial success. An 'unconfirmed' upload (all
 * items sent, final ACK never seen) is a success only when the read-back matches.
 */
import { common } from 'mavlink-mappings';
import type { Clock } from '../../../common/clock.js';
import type { PeerId } from '../../transport/types.js';
import { drive, type MessageLink, type Running } from '../driver.js';
import { createClear, createSetCurrent, simpleMachine, type SimpleResult } from './clear.js';
import { createDownload, downloadMachine, type DownloadResult } from './download.js';
import { MISSION_TYPE_CODE, MISSION_TRANSFER_DEADLINE_MS, type MissionPeer, type MissionType, type TransferOptions, type TransferProgress, type WireItem } from './types.js';
import { createUpload, uploadMachine, type MissionQuirks, type UploadResult } from './upload.js';
import { describeMismatch, verifyItems, type Mismatch } from './verify.js';

export type VerifyMethod = 'readback' | 'identity' | 'none';

export interface TransferContext {
  clock: Clock;
  link: MessageLink;
  peer: MissionPeer;
  quirks: MissionQuirks;
  sendTo?: PeerId;
  options?: TransferOptions;
  onProgress?: (p: TransferProgress & { phase: 'upload' | 'verify' | 'download' }) => void;
}

export interface VerifiedUpload {
  ok: boolean;
  type: MissionType;
  count: number;
  upload: UploadResult;
  verifiedBy: VerifyMethod | undefined;
  mismatches: Mismatch[];
  reason: string | undefined;
  opaqueId: number | undefined;
  elapsedMs: number;
}

function run<S, R>(ctx: TransferContext, machine: Parameters<typeof drive<S, R>>[0], state: S, phase: 'upload' | 'verify' | 'download'): Running<R> {
  return drive(machine, state, {
    clock: ctx.clock,
    link: ctx.link,
    ...(ctx.sendTo !== undefined ? { peer: ctx.sendTo } : {}),
    deadlineMs: ctx.options?.deadlineMs ?? MISSION_TRANSFER_DEADLINE_MS,
    onProgress: (_pct, items) => {
      if (items) ctx.onProgress?.({ ...items, phase });
    },
  });
}

export function download(ctx: TransferContext, type: MissionType, phase: 'verify' | 'download' = 'download'): Running<DownloadResult> {
  return run(ctx, downloadMachine, createDownload(ctx.peer, type, ctx.options), phase);
}

export function clear(ctx: TransferContext, type: MissionType): Running<SimpleResult> {
  return run(ctx, simpleMachine, createClear(ctx.peer, type, ctx.options), 'upload');
}

export function setCurrent(ctx: TransferContext, seq: number): Running<SimpleResult> {
  return run(ctx, simpleMachine, createSetCurrent(ctx.peer, seq, ctx.options), 'upload');
}

export function upload(ctx: TransferContext, type: MissionType, items: readonly WireItem[]): Running<UploadResult> {
  return run(ctx, uploadMachine, createUpload(ctx.peer, type, items, ctx.quirks, ctx.options), 'upload');
}

/** The id the vehicle reports for a list in MISSION_CURRENT, or undefined when none comes in `waitMs`. */
function nextReportedId(ctx: TransferContext, type: MissionType, waitMs: number): { result: Promise<number | undefined>; cancel(): void } {
  let off: () => void = () => {};
  let timer: number | undefined;
  let resolve!: (v: number | undefined) => void;
  const result = new Promise<number | undefined>((r) => (resolve = r));
  const end = (v: number | undefined) => {
    off();
    if (timer !== undefined) ctx.clock.clearTimeout(timer);
    timer = undefined;
    resolve(v);
  };
  off = ctx.link.onMessage((r) => {
    const m = r.message;
    if (r.frame.sysid !== ctx.peer.targetSystem || !(m instanceof common.MissionCurrent)) return;
    const id = type === 'mission' ? m.missionId : type === 'fence' ? m.fenceId : m.rallyPointsId;
    end(id ? id : undefined);
  });
  timer = ctx.clock.setTimeout(() => end(undefined), waitMs);
  return { result, cancel: () => end(undefined) };
}

export interface UploadVerifiedOptions {
  verify?: VerifyMethod;
  /** How long to wait for a MISSION_CURRENT with the identity. Default 3000 ms. */
  identityWaitMs?: number;
}

/** Upload and verify; `cancel` stops whichever phase is running. */
export function uploadVerified(ctx: TransferContext, type: MissionType, items: readonly WireItem[], o: UploadVerifiedOptions = {}): Running<VerifiedUpload> {
  const t0 = ctx.clock.now();
  let cancelled = false;
  let cancelCurrent: () => void = () => {};
  const result = (async (): Promise<VerifiedUpload> => {
    const up = upload(ctx, type, items);
    cancelCurrent = up.cancel;
    const u = await up.result;
    const base = { type, count: items.length, upload: u, opaqueId: u.opaqueId };
    const fail = (reason: string, verifiedBy: VerifyMethod | undefined, mismatches: Mismatch[] = []): VerifiedUpload => ({
      ...base, ok: false, verifiedBy, mismatches, reason, elapsedMs: ctx.clock.now() - t0,
    });
    if (u.outcome !== 'ok' && u.outcome !== 'unconfirmed') return fail(u.reason ?? u.outcome, undefined);
    const method = o.verify ?? 'readback';
    if (method === 'none') {
      return u.outcome === 'ok'
        ? { ...base, ok: true, verifiedBy: 'none', mismatches: [], reason: undefined, elapsedMs: ctx.clock.now() - t0 }
        : fail(u.reason ?? 'unconfirmed', 'none');
    }
    if (method === 'identity' && u.outcome === 'ok' && ctx.quirks.missionOpaqueId && u.opaqueId !== undefined && !cancelled) {
      const id = nextReportedId(ctx, type, o.identityWaitMs ?? 3000);
      cancelCurrent = id.cancel;
      const reported = await id.result;
      if (reported !== undefined) {
        if (reported === u.opaqueId) return { ...base, ok: true, verifiedBy: 'identity', mismatches: [], reason: undefined, elapsedMs: ctx.clock.now() - t0 };
        return fail(`the vehicle reports ${type} id ${reported}, the upload was acknowledged as ${u.opaqueId}`, 'identity');
      }
      // No id reported: fall through to the read-back.
    }
    if (cancelled) return fail('cancelled', undefined);
    const down = download(ctx, type, 'verify');
    cancelCurrent = down.cancel;
    const d = await down.result;
    if (d.outcome !== 'ok') return fail(`read-back failed: ${d.reason ?? d.outcome}`, 'readback');
    const v = verifyItems(type, items, d.items, ctx.quirks);
    if (!v.ok) return fail(`read-back differs: ${v.mismatches.slice(0, 3).map(describeMismatch).join('; ')}${v.mismatches.length > 3 ? ` (+${v.mismatches.length - 3} more)` : ''}`, 'readback', v.mismatches);
    return { ...base, ok: true, verifiedBy: 'readback', mismatches: [], reason: undefined, opaqueId: u.opaqueId ?? d.opaqueId, elapsedMs: ctx.clock.now() - t0 };
  })();
  return {
    result,
    cancel: () => {
      cancelled = true;
      cancelCurrent();
    },
  };
}

export { MISSION_TYPE_CODE };
