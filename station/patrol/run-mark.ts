/**
 * The store's kv "run" row: when this station run started, when it was last alive (every `ALIVE_EVERY_MS`)
 * and whether it stopped. A run that finds the previous one never stopped (a crash, kill -9, power cut) notes
 * a restart after an unclean stop (warning, with the time it was down); after a clean stop, a notice. Pure:
 * the runner reads and writes the row.
 */
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
export function restartNote(prev: RunMark | undefined, nowMs: number): { level: 'warning' | 'notice'; text: string } | null {
  if (!prev) return null;
  const at = (ms: number) => new Date(ms).toISOString().slice(11, 19) + 'Z';
  if (prev.stoppedMs === null) return { level: 'warning', text: `station restarted after an unclean stop (crash, kill or power cut): last alive ${at(prev.aliveMs)}, down about ${Math.round((nowMs - prev.aliveMs) / 1000)} s` };
  return { level: 'notice', text: `station restarted: stopped ${at(prev.stoppedMs)}, down ${Math.round((nowMs - prev.stoppedMs) / 1000)} s` };
}
