/**
 * A real Mosquitto (Debian's /usr/sbin/mosquitto) for the centre's tests and bench: its own folder with a
 * config file, a password file (mosquitto_passwd), the ACL of the README (a station writes only under its
 * own `out/`, reads only its own `in/`; the centre reads every `out/`, writes every `in/`) and, with `tls`, a
 * self-signed certificate for 127.0.0.1 made with openssl. Listens on a free loopback port; `stop()` and
 * `start()` again keep the port (the broker killed and back).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const MOSQUITTO = process.env.KONGXUN_MOSQUITTO ?? '/usr/sbin/mosquitto';

export const ACL = `# Kongxun: the sub-bureau centre reads every station's out/ and writes every station's in/
user centre
topic read kongxun/v1/s/+/out/#
topic write kongxun/v1/s/+/in/#

# Every station (user name = station id): writes only under its own out/, reads only its own in/
pattern write kongxun/v1/s/%u/out/#
pattern read kongxun/v1/s/%u/in/#
`;

export interface Broker {
  url: string;
  port: number;
  dir: string;
  /** PEM of the broker's certificate (its own CA) when tls. */
  ca: string | undefined;
  password(user: string): string;
  /** The running broker's process id (for CPU figures), if running. */
  pid(): number | undefined;
  start(): Promise<void>;
  /** SIGKILL (as a crash) or SIGTERM; resolves when the process is gone. */
  stop(signal?: 'SIGKILL' | 'SIGTERM'): Promise<void>;
  /**
   * Waits (at most 5 s) until the broker has saved its sessions after this call: it saves every second
   * (autosave_interval 1), and a crash before the first save after a client subscribed loses that client's
   * session and all the broker would have kept for it. A test that kills the broker waits for this first.
   * True when a save was seen.
   */
  persisted(): Promise<boolean>;
  close(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => res(p));
    });
  });
}

async function waitForPort(port: number, proc: ChildProcess, log: () => string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (proc.exitCode !== null) throw new Error(`mosquitto exited (${proc.exitCode}): ${log()}`);
    const up = await new Promise<boolean>((res) => {
      const c = createConnection({ port, host: '127.0.0.1' }, () => (c.destroy(), res(true)));
      c.once('error', () => res(false));
    });
    if (up) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`mosquitto did not listen on ${port}: ${log()}`);
}

export async function startMosquitto(o: { users: string[]; tls?: boolean; acl?: string }): Promise<Broker> {
  const dir = mkdtempSync(join(tmpdir(), 'kongxun-mosquitto-'));
  const port = await freePort();
  const passwords = new Map(o.users.map((u, i) => [u, `pw-${u}-${i}-${port}`] as const));
  const pwFile = join(dir, 'passwd');
  writeFileSync(pwFile, '');
  for (const [u, p] of passwords) execFileSync('mosquitto_passwd', ['-b', pwFile, u, p], { stdio: 'ignore' });
  writeFileSync(join(dir, 'acl'), o.acl ?? ACL);
  let ca: string | undefined;
  const tlsLines: string[] = [];
  if (o.tls) {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    ca = readFileSync(join(dir, 'cert.pem'), 'utf8');
    tlsLines.push(`cafile ${join(dir, 'cert.pem')}`, `certfile ${join(dir, 'cert.pem')}`, `keyfile ${join(dir, 'key.pem')}`, 'tls_version tlsv1.2');
  }
  writeFileSync(join(dir, 'mosquitto.conf'), [
    // Started as root, mosquitto would drop to the user "mosquitto", who cannot read this private folder.
    ...(process.getuid?.() === 0 ? ['user root'] : []),
    'per_listener_settings false',
    'allow_anonymous false',
    `password_file ${pwFile}`,
    `acl_file ${join(dir, 'acl')}`,
    // Sessions (the centre's subscription and what is queued for it) survive a broker restart; saved every
    // second so that even a SIGKILL loses at most a second of session changes.
    'persistence true',
    `persistence_location ${dir}/`,
    'autosave_interval 1',
    'log_dest stderr',
    'log_type error',
    'log_type warning',
    'max_keepalive 120',
    `listener ${port} 127.0.0.1`,
    ...tlsLines,
    '',
  ].join('\n'));
  let proc: ChildProcess | undefined;
  let stderr = '';
  const broker: Broker = {
    url: `${o.tls ? 'mqtts' : 'mqtt'}://127.0.0.1:${port}`,
    port,
    dir,
    ca,
    password: (u) => passwords.get(u) ?? '',
    pid: () => proc?.pid,
    start: async () => {
      stderr = '';
      const p = spawn(MOSQUITTO, ['-c', join(dir, 'mosquitto.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
      p.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
      proc = p;
      await waitForPort(port, p, () => stderr);
    },
    persisted: async () => {
      const db = join(dir, 'mosquitto.db');
      const after = performance.timeOrigin + performance.now();
      for (let i = 0; i < 100; i++) {
        if (existsSync(db) && statSync(db).mtimeMs > after) return true;
        await new Promise((r) => setTimeout(r, 50));
      }
      return false;
    },
    stop: async (signal = 'SIGKILL') => {
      const p = proc;
      proc = undefined;
      if (!p || p.exitCode !== null) return;
      await new Promise<void>((res) => {
        p.once('exit', () => res());
        p.kill(signal);
      });
    },
    close: async () => {
      await broker.stop('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await broker.start();
  return broker;
}
