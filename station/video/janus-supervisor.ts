/**
 * The Janus the station starts (`serve --janus`) is watched (issue 18): when it dies — a crash, a kill, the OOM
 * killer — the station says so as an alert with the cause (exit code or signal, Janus's last lines), starts it
 * again with the same config (ports, secrets) after a backoff (1 s, doubling to 60 s; back to 1 s once it has
 * run for a minute), and then makes every drone's mountpoint again and registers the viewers' tokens again (a
 * new Janus knows neither), so kiosks and the centre get their pictures back without asking anew. A Janus
 * that does not come back is tried again with the next backoff, each failure said once.
 */
import { randomBytes } from 'node:crypto';
import { ok, type Result } from '../../common/result.js';
import type { JanusForwarder, JanusGateway } from './janus.js';
import { spawnJanus, type JanusProcess, type SpawnJanusOptions } from './janus-process.js';
import { realDeadline, realNow, type Cancel } from '../real-time.js';

export interface JanusSupervisorOptions extends SpawnJanusOptions {
  /** An alert (the station's events, the patrol's alerts): Janus died, with the cause; `back` when it runs again. */
  onAlert: (text: string, what: 'died' | 'restart-failed' | 'back') => void;
  /** First backoff (ms); default 1000. Doubles to `maxBackoffMs` (default 60 000). */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** Running this long (ms) resets the backoff; default 60 000. */
  stableMs?: number;
}

export class JanusSupervisor {
  private cur: JanusProcess;
  private forwarder: JanusForwarder | undefined;
  private stopping = false;
  private timer: Cancel | undefined;
  private backoff: number;
  private startedAt = realNow();
  /** Restarts that succeeded, and the backoffs waited before each attempt (ms), for the log and tests. */
  restarts = 0;
  readonly waits: number[] = [];

  private constructor(private readonly o: JanusSupervisorOptions & { adminSecret: string; streamingKey: string }, first: JanusProcess) {
    this.cur = first;
    this.backoff = o.backoffMs ?? 1000;
    this.watch(first);
  }

  /** Starts Janus (as spawnJanus) and watches it. */
  static async start(o: JanusSupervisorOptions): Promise<Result<JanusSupervisor>> {
    const fixed = { ...o, adminSecret: o.adminSecret ?? randomBytes(16).toString('hex'), streamingKey: o.streamingKey ?? randomBytes(16).toString('hex') };
    const first = await spawnJanus(fixed);
    if (!first.ok) return first;
    return ok(new JanusSupervisor(fixed, first.value));
  }

  get gateway(): JanusGateway {
    return this.cur.gateway;
  }
  get url(): string {
    return this.cur.url;
  }
  /** The running Janus's process id (tests kill it). */
  get pid(): number | undefined {
    return this.cur.proc.pid;
  }

  /** The forwarder whose mountpoints and tokens are made again after a restart. */
  attach(f: JanusForwarder): void {
    this.forwarder = f;
  }

  private watch(p: JanusProcess): void {
    let tail = '';
    const keep = (b: Buffer) => (tail = (tail + b.toString()).slice(-2000));
    p.proc.stdout?.on('data', keep);
    p.proc.stderr?.on('data', keep);
    p.proc.once('exit', (code, signal) => {
      if (this.stopping || p !== this.cur) return;
      const last = tail.trim().split('\n').filter((l) => l.trim()).slice(-3).join(' | ').slice(0, 300);
      const cause = signal ? `killed by ${signal}` : `exited with code ${code}`;
      if (realNow() - this.startedAt >= (this.o.stableMs ?? 60_000)) this.backoff = this.o.backoffMs ?? 1000;
      this.o.onAlert(`视频网关 Janus 已停止 · Janus (WebRTC for kiosks and the centre) ${cause}${last ? ` (${last})` : ''}; restarting in ${Math.round(this.backoff / 100) / 10} s`, 'died');
      this.schedule();
    });
  }

  private schedule(): void {
    const wait = this.backoff;
    this.waits.push(wait);
    this.backoff = Math.min(this.o.maxBackoffMs ?? 60_000, this.backoff * 2);
    this.timer = realDeadline(wait, () => void this.restart());
  }

  private async restart(): Promise<void> {
    this.timer = undefined;
    if (this.stopping) return;
    const r = await spawnJanus(this.o);
    if (this.stopping) {
      if (r.ok) await r.value.stop();
      return;
    }
    if (!r.ok) {
      this.o.onAlert(`视频网关 Janus 未能重启 · Janus did not start again: ${r.reason}; next try in ${Math.round(this.backoff / 100) / 10} s`, 'restart-failed');
      return this.schedule();
    }
    this.cur = r.value;
    this.startedAt = realNow();
    this.restarts++;
    this.watch(r.value);
    const again = this.forwarder ? await this.forwarder.renew() : ok({ mountpoints: 0, tokens: 0 });
    this.o.onAlert(`视频网关 Janus 已恢复 · Janus runs again${again.ok ? `: ${again.value.mountpoints} mountpoints made again, ${again.value.tokens} viewer tokens registered again` : `, but: ${again.reason}`}`, 'back');
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) this.timer();
    await this.cur.stop();
  }
}

