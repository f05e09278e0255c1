/**
 * The store's kv "run" row: when this station run started, when it was last alive (every `ALIVE_EVERY_MS`)
 * and whether it stopped. A run that finds the previous one never stopped (a crash, kill -9, power cut) notes
 * a restart after an unclean stop (warning, with the time it was down); after a clean stop, a notice. Pure:
 * the runner reads and writes the row.
 */
import { said, type Said } from './said.js';
export interface RunMark { startedMs: number; aliveMs: number; stoppedMs: number | null }

export const ALIVE_EVERY_MS = 30_000;

/** The row as saved, or undefined when there is none or it is not one (a hand-edited or damaged store). */
export function parseRunMark(text: string | undefined | null): RunMark | undefined {
  try {
    const v = JSON.parse(text ?? 'null') as Partial<RunMark> | null;
    if (v && Number.isFinite(v.startedMs) && Number.isFinite(v.aliveMs)) return { startedMs: v.startedMs!, aliveMs: v.aliveMs!, stoppedMs: Number.isFinite(v.stoppedMs) ? v.stoppedMs! : null };
  } catch {
    return undefined;
  }
  return undefined;
}

/** What a run started at `nowMs` says about the previous one (null: there was none). */
export function restartNote(prev: RunMark | undefined, nowMs: number): { level: 'warning' | 'notice'; said: Said } | null {
  if (!prev) return null;
  const at = (ms: number) => new Date(ms).toISOString().slice(11, 19) + 'Z';
  if (prev.stoppedMs === null) return { level: 'warning', said: said('restart-unclean', { lastAlive: at(prev.aliveMs), seconds: Math.round((nowMs - prev.aliveMs) / 1000) }) };
  return { level: 'notice', said: said('restart', { stopped: at(prev.stoppedMs), seconds: Math.round((nowMs - prev.stoppedMs) / 1000) }) };
}
