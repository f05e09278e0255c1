/**
 * The one place where protocol machines meet I/O. `drive` binds a sans-IO machine (start / onMessage /
 * onTimeout / onCancel → state + effects) to a connection-like sender and a Clock:
 *   send     → link.send(message, peer)
 *   armTimer → one timer per transaction on the Clock (re-arming replaces it)
 *   progress → the caller's onProgress
 *   done     → resolves the Promise (exactly once), unsubscribes and clears the timer.
 * Received messages are offered to the machine with the sender's ids; machines ignore what is not theirs.
 * `deadlineMs` bounds the whole transaction on the same Clock: a vehicle that keeps answering without ever
 * finishing (or a link that trickles) cannot hold a transfer forever. At the deadline the machine's
 * `onDeadline` ends it (a timeout naming the deadline), or `onCancel` for machines without one.
 */
import type { Clock, TimerId } from '../../common/clock.js';
import type { MavLinkData } from '../codec/messages.js';
import type { Received } from '../connection.js';
import type { PeerId } from '../transport/types.js';
import {
  commandMachine,
  createCommand,
  type CommandOptions,
  type CommandResult,
  type CommandSpec,
  type Inbound,
} from './command.js';

/** What the driver needs of a MavConnection (a subset, so tests and routers can stand in). */
export interface MessageLink {
  send(message: MavLinkData, peer?: PeerId): unknown;
  onMessage(listener: (r: Received) => void): () => void;
}

export type DriverEffect<R> =
  | { type: 'send'; message: MavLinkData }
  | { type: 'armTimer'; delayMs: number }
  | { type: 'progress'; progressPct: number; resultParam2?: number; done?: number; total?: number }
  | { type: 'done'; result: R };

export interface MachineStep<S, R> {
  state: S;
  effects: DriverEffect<R>[];
}

/**
 * The overall deadline as a machine's cancel (`onDeadline` of the mission transfers): the cancel's step, with
 * its 'done' saying timeout and why, so a caller tells a deadline from a cancel.
 */
export function deadlineStep<S, R extends { outcome: string; reason?: string }>(step: MachineStep<S, R>): MachineStep<S, R> {
  const reason = "not finished within the transfer's deadline";
  return { state: step.state, effects: step.effects.map((e) => (e.type === 'done' ? { ...e, result: { ...e.result, outcome: 'timeout', reason } as R } : e)) };
}

export interface Machine<S, R> {
  start(state: S, now: number): MachineStep<S, R>;
  onMessage(state: S, msg: Inbound, now: number): MachineStep<S, R>;
  onTimeout(state: S, now: number): MachineStep<S, R>;
  onCancel(state: S, now: number): MachineStep<S, R>;
  /** The overall deadline passed: finish as a timeout that says so. */
  onDeadline?(state: S, now: number): MachineStep<S, R>;
}

export interface DriveOptions {
  clock: Clock;
  link: MessageLink;
  /** Send to this peer only (e.g. the vehicle's address on a UDP server link). */
  peer?: PeerId;
  /** `items` is given by item transfers (mission, parameters): items done of total. */
  onProgress?: (progressPct: number, items?: { done: number; total: number }) => void;
  /** Called with every frame sent by this transaction (statistics, tests). */
  onSend?: (message: MavLinkData) => void;
  /** End the transaction this long after it started, whatever the vehicle does (see onDeadline). */
  deadlineMs?: number;
}

export interface Running<R> {
  result: Promise<R>;
  cancel(): void;
}

export function drive<S, R>(machine: Machine<S, R>, initial: S, o: DriveOptions): Running<R> {
  let state = initial;
  let timer: TimerId | undefined;
  let deadline: TimerId | undefined;
  let finished = false;
  let resolve!: (r: R) => void;
  const result = new Promise<R>((res) => (resolve = res));
  let unsubscribe: () => void = () => {};

  const clearTimer = (): void => {
    if (timer !== undefined) o.clock.clearTimeout(timer);
    timer = undefined;
  };
  const apply = (step: MachineStep<S, R>): void => {
    state = step.state;
    for (const e of step.effects) {
      if (finished) break;
      switch (e.type) {
        case 'send':
          o.link.send(e.message, o.peer);
          o.onSend?.(e.message);
          break;
        case 'armTimer':
          clearTimer();
          timer = o.clock.setTimeout(() => {
            timer = undefined;
            if (!finished) apply(machine.onTimeout(state, o.clock.now()));
          }, e.delayMs);
          break;
        case 'progress':
          o.onProgress?.(e.progressPct, e.done !== undefined && e.total !== undefined ? { done: e.done, total: e.total } : undefined);
          break;
        case 'done':
          finished = true;
          clearTimer();
          if (deadline !== undefined) o.clock.clearTimeout(deadline);
          deadline = undefined;
          unsubscribe();
          resolve(e.result);
          break;
      }
    }
  };

  unsubscribe = o.link.onMessage((r) => {
    if (finished) return;
    apply(machine.onMessage(state, { sysid: r.frame.sysid, compid: r.frame.compid, message: r.message }, r.atMs));
  });
  if (o.deadlineMs !== undefined && Number.isFinite(o.deadlineMs)) {
    deadline = o.clock.setTimeout(() => {
      deadline = undefined;
      if (finished) return;
      const now = o.clock.now();
      apply(machine.onDeadline ? machine.onDeadline(state, now) : machine.onCancel(state, now));
    }, Math.max(0, o.deadlineMs));
  }
  apply(machine.start(state, o.clock.now()));
  return {
    result,
    cancel: () => {
      if (!finished) apply(machine.onCancel(state, o.clock.now()));
    },
  };
}

/** Run one command transaction on a link. */
export function runCommand(spec: CommandSpec, o: DriveOptions & { options?: CommandOptions }): Running<CommandResult> {
  return drive(commandMachine, createCommand(spec, o.options), o);
}
