/**
 * One vehicle's command queue. COMMAND_ACK names only the command id, so two open transactions with the
 * same id to one vehicle cannot be told apart: commands to a vehicle run one at a time, in order.
 * Each runs through the driver on a MessageLink (the registry's best-link router), so resends follow the
 * best link of the moment. Measured RTTs are reported back for the link-quality display and timeouts.
 */
import type { Clock } from '../../common/clock.js';
import type { CommandOptions, CommandResult, CommandSpec } from '../../mavlink/services/command.js';
import { runCommand, type MessageLink } from '../../mavlink/services/driver.js';

export interface QueueOptions {
  clock: Clock;
  link: MessageLink;
  gcsSysid: number;
  gcsCompid: number;
  /** Latest smoothed RTT to adapt timeouts, if known. */
  rttMs?: () => number | null;
  onRtt?: (rttMs: number) => void;
}

export interface QueuedCommand {
  result: Promise<CommandResult>;
  /** Cancel: waiting (not yet started) → resolves 'cancelled' without sending; running → machine cancel. */
  cancel(): void;
}

export class CommandQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private closed = false;
  private readonly running = new Set<() => void>();

  constructor(private readonly o: QueueOptions) {}

  run(spec: CommandSpec, options: CommandOptions = {}, onProgress?: (pct: number) => void): QueuedCommand {
    let cancelled = false;
    let cancelRunning: (() => void) | undefined;
    const result = this.tail.then(async (): Promise<CommandResult> => {
      if (cancelled || this.closed) {
        return { outcome: 'cancelled', mavResult: undefined, resultParam2: undefined, progressPct: undefined, attempts: 0, rttMs: undefined, elapsedMs: 0 };
      }
      const rtt = this.o.rttMs?.() ?? null;
      const r = runCommand(spec, {
        clock: this.o.clock,
        link: this.o.link,
        onProgress,
        options: { gcsSysid: this.o.gcsSysid, gcsCompid: this.o.gcsCompid, ...(rtt !== null ? { rttMs: rtt } : {}), ...options },
      });
      cancelRunning = r.cancel;
      this.running.add(r.cancel);
      const out = await r.result;
      this.running.delete(r.cancel);
      if (out.rttMs !== undefined) this.o.onRtt?.(out.rttMs);
      return out;
    });
    this.tail = result.catch(() => undefined);
    return {
      result,
      cancel: () => {
        cancelled = true;
        cancelRunning?.();
      },
    };
  }

  /** Cancel everything running or waiting (vehicle removed, station closing). */
  close(): void {
    this.closed = true;
    for (const c of [...this.running]) c();
  }
}
