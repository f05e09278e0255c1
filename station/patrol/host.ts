/**
 * What the runner's helpers may ask of the patrol: one narrow face, built once by the runner (runner.ts) and
 * given to the dispatcher (dispatch.ts) and the reassigner (reassign.ts), each of which takes the part it uses.
 * No helper imports the runner; a test may build a host of its own.
 */
import type { Clock } from '../../common/clock.js';
import type { VehicleSnapshot } from '../vehicle/vehicle-state.js';
import type { Candidate } from './policy.js';
import type { Said } from './said.js';
import type { GateReport, Sortie, SortieEvent } from './sortie.js';

export interface PatrolHost {
  readonly clock: Clock;
  /** Battery % a drone must keep for its way home. */
  readonly reservePct: number;
  /** The day's sorties as they are now. */
  sorties(): readonly Sortie[];
  /** What the station sees of a drone (this tick's look while a tick runs). */
  view(sysid: number): VehicleSnapshot | undefined;
  /** The pilot has taken the drone over: the patrol makes no move with it. */
  isTakenOver(sysid: number): boolean;
  /** Drones in their docks that could fly a slot like this one now, best first (policy.ts `candidates`). */
  candidates(slot: Pick<Sortie, 'kind' | 'needPct' | 'landMs'>, nowMs: number, fromDock: string | null): Candidate[];
  /** The planned drone's dock and cruise speed of a sortie's plan, when the plan is known. */
  planned(s: Sortie): { dock: string; cruiseMps: number } | undefined;
  /** Keep a sortie (new or changed) in the day and the store. */
  put(s: Sortie): void;
  /** Feed a sortie's machine an event and carry out its effects. */
  apply(s: Sortie, e: SortieEvent): void;
  /** The launch gates of a sortie now. */
  gates(s: Sortie, nowMs: number): GateReport;
  /** An event of the record, by code (said.ts). */
  event(sortie: string | null, sysid: number | null, kind: string, sd: Said): void;
  /** An alert, by code (the console words it). */
  alert(sortie: string | null, sysid: number | null, level: string, sd: Said): void;
}
