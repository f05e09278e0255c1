/**
 * What the centre's system tests share (the e2e specs and tests/centre/embedded.test.ts): child processes started
 * and awaited on their ready line, the command lines of `kongxun centre` and of a station linked to it, and the
 * whole setup most of them use — a real Mosquitto on a free loopback port (startMosquitto), `kongxun centre` and
 * the sample station as `kongxun serve --no-plan --centre …`, their password files, accounts and data folders in
 * one temporary folder.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMosquitto, type Broker } from '../../station/centre/testkit/mosquitto.js';
import type { Role } from '../../station/gateway/principal.js';
import { addTestUser } from '../sign-in.js';

/** The child processes of a test: each started and awaited until it says it is ready; all stopped at the end. */
export class Children {
  private readonly procs: ChildProcess[] = [];

  /** Start `cmd args…` (node by default) and wait, 60 s at most, until its output matches `ready`: the match. */
  start(args: string[], ready: RegExp, cmd: string = process.execPath): Promise<RegExpExecArray> {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    this.procs.push(p);
    return new Promise((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`no "${ready.source}" from ${args.join(' ')}: ${out}`)), 60_000);
      p.stdout!.on('data', (b: Buffer) => {
        out += b.toString();
        const m = ready.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m);
        }
      });
      p.on('exit', (code) => reject(new Error(`${args.join(' ')} exited ${code}: ${out}`)));
    });
  }

  /** A process started otherwise (ffmpeg), stopped with the others. */
  adopt(p: ChildProcess): void {
    this.procs.push(p);
  }

  /** SIGTERM to each; resolves when every one has exited. */
  async stop(): Promise<void> {
    for (const p of this.procs) p.kill('SIGTERM');
    await Promise.all(this.procs.map((p) => (p.exitCode !== null ? undefined : new Promise((r) => p.once('exit', r)))));
  }
}

/** A `kongxun …` ready line: the console's URL. */
export const CONSOLE_AT = /console at (http:\S+)/;

/** `kongxun centre` on a free port, signed in to `broker` as `user`; `extra` e.g. the embedded broker's options. */
export function centreArgs(o: { broker: string; user: string; passwordFile: string; data: string; ca?: string; extra?: string[] }): string[] {
  return ['bin/kongxun.mjs', 'centre', '--broker', o.broker, ...(o.extra ?? []), '--user', o.user, '--password-file', o.passwordFile, ...(o.ca ? ['--ca', o.ca] : []), '--port', '0', '--data', o.data];
}

/** `kongxun serve` of the sample station (no patrol) on a free port, linked to the centre at `broker` as `user`. */
export function linkedStationArgs(o: { broker: string; user: string; passwordFile: string; data: string; ca?: string; serve?: string[]; link?: string[] }): string[] {
  return ['bin/kongxun.mjs', 'serve', '--port', '0', '--no-plan', '--data', o.data, ...(o.serve ?? []),
    '--centre', o.broker, '--centre-user', o.user, '--centre-password-file', o.passwordFile, ...(o.ca ? ['--centre-ca', o.ca] : []), ...(o.link ?? [])];
}

export interface CentreStack {
  broker: Broker;
  /** The temporary folder: `<user>.pw` password files, `ca.pem` (with TLS), `centre-data/`, `station/`. */
  dir: string;
  /** The broker's CA file, with TLS. */
  ca: string | undefined;
  centreUrl: string;
  stationUrl: string;
  children: Children;
  close(): Promise<void>;
}

/**
 * A Mosquitto (with TLS, or not), then `kongxun centre` (user `centre`) — first, so that from its first connection
 * on the broker keeps what stations send it — then the sample station `jinhai` linked to it. Accounts are made
 * with tests/sign-in.ts (password TEST_PASSWORD): `centreAccounts` on the centre, `stationAccounts` on the station.
 */
export async function centreStack(o: {
  /** The temporary folder's name, after `kongxun-e2e-`. */
  name: string;
  tls?: boolean;
  /** Broker accounts beyond `centre` and `jinhai` (stations the test starts itself). */
  brokerUsers?: string[];
  centreAccounts: [Role, string][];
  stationAccounts?: [Role, string][];
  /** Arguments of `kongxun serve` beyond the centre link (e.g. `--sim-warmup 3`, video). */
  serve: string[];
}): Promise<CentreStack> {
  const broker = await startMosquitto({ users: ['centre', 'jinhai', ...(o.brokerUsers ?? [])], ...(o.tls ? { tls: true } : {}) });
  const dir = mkdtempSync(join(tmpdir(), `kongxun-e2e-${o.name}-`));
  const children = new Children();
  const close = async () => {
    await children.stop();
    await broker.close();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const ca = o.tls ? join(dir, 'ca.pem') : undefined;
    if (ca) writeFileSync(ca, broker.ca!);
    for (const u of ['centre', 'jinhai']) writeFileSync(join(dir, `${u}.pw`), `${broker.password(u)}\n`);
    for (const [role, name] of o.centreAccounts) await addTestUser(join(dir, 'centre-data'), role, name);
    for (const [role, name] of o.stationAccounts ?? []) await addTestUser(join(dir, 'station'), role, name);
    const link = { broker: broker.url, ...(ca ? { ca } : {}) };
    const [, centreUrl] = await children.start(centreArgs({ ...link, user: 'centre', passwordFile: join(dir, 'centre.pw'), data: join(dir, 'centre-data') }), CONSOLE_AT);
    const [, stationUrl] = await children.start(linkedStationArgs({ ...link, user: 'jinhai', passwordFile: join(dir, 'jinhai.pw'), data: join(dir, 'station'), serve: o.serve }), CONSOLE_AT);
    return { broker, dir, ca, centreUrl: centreUrl!, stationUrl: stationUrl!, children, close };
  } catch (e) {
    await close();
    throw e;
  }
}
