/**
 * CPU profiling of one measurement window of bench/fleet.ts (`--profile DIR`), through node:inspector so that
 * only the window is sampled (not start-up, not the baselines). Writes DIR/<label>.cpuprofile (open it in
 * Chrome DevTools → Performance) and returns the functions with the most self time.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples?: number[];
  timeDeltas?: number[];
  startTime: number;
  endTime: number;
}

function post<T>(s: Session, method: string, params?: object): Promise<T> {
  return new Promise((resolve, reject) => s.post(method, params ?? {}, (e, r) => (e ? reject(e) : resolve(r as T))));
}

export class WindowProfiler {
  private readonly session = new Session();

  async start(): Promise<void> {
    this.session.connect();
    await post(this.session, 'Profiler.enable');
    // 1 ms: coarse enough that the sampler's own cost stays small next to the station's.
    await post(this.session, 'Profiler.setSamplingInterval', { interval: 1000 });
    await post(this.session, 'Profiler.start');
  }

  /** Stop, write the profile, and return the top self-time lines ("12.3 %  fn  file:line"). */
  async stop(dir: string, label: string, top = 20): Promise<string[]> {
    const { profile } = await post<{ profile: Profile }>(this.session, 'Profiler.stop');
    this.session.disconnect();
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `${label}.cpuprofile`);
    writeFileSync(file, JSON.stringify(profile));
    return [`profile: ${file}`, ...selfTime(profile, top)];
  }
}

const IDLE = new Set(['(idle)', '(program)']);

function fnKey(n: ProfileNode): string {
  const url = n.callFrame.url.replace(/^file:\/\/.*?node_modules\//, 'node_modules/').replace(/^file:\/\/.*\/(?=(mavlink|station|sitl|bench)\/)/, '');
  return `${n.callFrame.functionName || '(anonymous)'}${url ? `  ${url}` : ''}`;
}

/**
 * Self and total (inclusive) time per function, summed over call sites, as % of the busy samples (idle and
 * "(program)" left out). A function whose self time is mostly esbuild's `__name` helper (tsx keeps names)
 * shows it under total.
 */
export function selfTime(p: Profile, top: number): string[] {
  const hits = new Map<number, number>();
  for (const id of p.samples ?? []) hits.set(id, (hits.get(id) ?? 0) + 1);
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  let busy = 0;
  let all = 0;
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  for (const n of p.nodes) {
    const h = hits.get(n.id) ?? 0;
    all += h;
    if (h === 0 || IDLE.has(n.callFrame.functionName)) continue;
    busy += h;
    const k = fnKey(n);
    self.set(k, (self.get(k) ?? 0) + h);
    const seen = new Set<string>();
    for (let id: number | undefined = n.id; id !== undefined; id = parent.get(id)) {
      const a = byId.get(id)!;
      const ka = fnKey(a);
      if (seen.has(ka)) continue;
      seen.add(ka);
      total.set(ka, (total.get(ka) ?? 0) + h);
    }
  }
  const pct = (h: number): string => `${((100 * h) / (busy || 1)).toFixed(1).padStart(5)} %`;
  const lines = [`busy samples: ${busy} of ${all} (${((100 * busy) / (all || 1)).toFixed(1)} %); percentages below are of the busy ones`, 'self time:'];
  for (const [k, h] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`  ${pct(h)}  ${k}`);
  lines.push('total time (inclusive):');
  const skip = /^\(root\)|^\(anonymous\)$|^(processTicksAndRejections|listOnTimeout|processTimers|emit|addChunk|readableAddChunk|onStreamRead)\b/;
  for (const [k, h] of [...total].filter(([k]) => !skip.test(k)).sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`  ${pct(h)}  ${k}`);
  return lines;
}
