/**
 * A Janus of the station's own (`kongxun serve --janus`): found where Debian puts it, given a generated config
 * folder with only the streaming plugin and the HTTP transport (API and admin API on loopback ports), token
 * authentication on, ICE restricted to the addresses given (127.0.0.1 in tests), started and waited for until
 * its admin API answers. janus.ts drives it (or any existing Janus) through that API.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { err, ok, type Result } from '../../common/result.js';
import { JanusGateway } from './janus.js';
import { realDeadline, realNow, realSleep } from '../real-time.js';

/** Where Debian puts Janus's plugins and transports (x86-64 and arm64). */
const LIB_DIRS = ['/usr/lib/x86_64-linux-gnu/janus', '/usr/lib/aarch64-linux-gnu/janus', '/usr/lib/janus', '/opt/janus/lib/janus'];
const BINARIES = ['/usr/bin/janus', '/opt/janus/bin/janus', '/usr/local/bin/janus'];

/** The janus binary and its library folder, or why not. */
export function findJanus(): Result<{ bin: string; lib: string }> {
  const bin = process.env.KONGXUN_JANUS ?? BINARIES.find((b) => existsSync(b));
  const lib = LIB_DIRS.find((d) => existsSync(join(d, 'plugins', 'libjanus_streaming.so')) && existsSync(join(d, 'transports', 'libjanus_http.so')));
  if (!bin || !existsSync(bin)) return err('no-janus', 'janus is not installed (Debian/Ubuntu: apt-get install janus)');
  if (!lib) return err('no-janus', `janus is at ${bin} but its streaming plugin or HTTP transport is not (looked in ${LIB_DIRS.join(', ')})`);
  return ok({ bin, lib });
}

export interface JanusConfig {
  httpPort: number;
  adminPort: number;
  adminSecret: string;
  /** The streaming plugin's admin_key: needed to create mountpoints. */
  streamingKey: string;
  /** The address Janus's HTTP API and admin API listen on. */
  bindIp: string;
  /** ICE: the only interfaces/addresses Janus gathers candidates on (e.g. "127.0.0.1"); empty = all. */
  iceEnforce: string;
  /** RTP ports for mountpoints and for WebRTC, "min-max". */
  rtpPortRange: string;
  /** CORS origin allowed to call the API from a browser ("*" or the console's origin). */
  allowOrigin: string;
}

/** Writes a config folder for Janus with only the streaming plugin and the HTTP transport (libconfig syntax). */
export function writeJanusConfig(dir: string, lib: string, c: JanusConfig): void {
  mkdirSync(join(dir, 'plugins'), { recursive: true });
  mkdirSync(join(dir, 'transports'), { recursive: true });
  for (const [sub, so] of [['plugins', 'libjanus_streaming.so'], ['transports', 'libjanus_http.so']] as const) {
    const link = join(dir, sub, so);
    if (!existsSync(link)) symlinkSync(join(lib, sub, so), link);
  }
  const q = (s: string) => JSON.stringify(s);
  writeFileSync(
    join(dir, 'janus.jcfg'),
    `general: {
  configs_folder = ${q(dir)}
  plugins_folder = ${q(join(dir, 'plugins'))}
  transports_folder = ${q(join(dir, 'transports'))}
  events_folder = ${q(join(dir, 'none'))}
  loggers_folder = ${q(join(dir, 'none'))}
  debug_level = 3
  admin_secret = ${q(c.adminSecret)}
  token_auth = true
  server_name = "kongxun"
}
certificates: {
}
media: {
  rtp_port_range = ${q(c.rtpPortRange)}
}
nat: {
  nice_debug = false
  ignore_mdns = true
${c.iceEnforce ? `  ice_enforce_list = ${q(c.iceEnforce)}\n` : ''}}
plugins: {
}
transports: {
}
events: {
}
`,
  );
  writeFileSync(
    join(dir, 'janus.transport.http.jcfg'),
    `general: {
  json = "plain"
  base_path = "/janus"
  http = true
  port = ${c.httpPort}
  ip = ${q(c.bindIp)}
  https = false
}
admin: {
  admin_base_path = "/admin"
  admin_http = true
  admin_port = ${c.adminPort}
  admin_ip = ${q(c.bindIp)}
  admin_https = false
}
cors: {
  allow_origin = ${q(c.allowOrigin)}
}
`,
  );
  writeFileSync(
    join(dir, 'janus.plugin.streaming.jcfg'),
    `general: {
  admin_key = ${q(c.streamingKey)}
  rtp_port_range = ${q(c.rtpPortRange)}
  events = false
}
`,
  );
}

export interface JanusProcess {
  gateway: JanusGateway;
  /** The Janus API URL viewers use (http://ip:port/janus). */
  url: string;
  proc: ChildProcess;
  stop(): Promise<void>;
}

export interface SpawnJanusOptions extends Partial<JanusConfig> {
  dir: string;
  httpPort: number;
  adminPort: number;
  log?: (line: string) => void;
  /** How long to wait for Janus to answer (ms). */
  startTimeoutMs?: number;
}

/** Starts Janus with a generated config in `dir` and waits until its admin API answers. */
export async function spawnJanus(o: SpawnJanusOptions): Promise<Result<JanusProcess>> {
  const found = findJanus();
  if (!found.ok) return found;
  const c: JanusConfig = {
    httpPort: o.httpPort,
    adminPort: o.adminPort,
    adminSecret: o.adminSecret ?? randomBytes(16).toString('hex'),
    streamingKey: o.streamingKey ?? randomBytes(16).toString('hex'),
    bindIp: o.bindIp ?? '127.0.0.1',
    iceEnforce: o.iceEnforce ?? '127.0.0.1',
    rtpPortRange: o.rtpPortRange ?? '20000-40000',
    allowOrigin: o.allowOrigin ?? '*',
  };
  writeJanusConfig(o.dir, found.value.lib, c);
  const proc = spawn(found.value.bin, ['-C', join(o.dir, 'janus.jcfg'), '-F', o.dir, '-o'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (b: Buffer) => {
    out = (out + b.toString()).slice(-4000);
    for (const l of b.toString().split('\n')) if (/\[ERR\]|FATAL|error/i.test(l)) o.log?.(`janus: ${l.trim()}`);
  };
  proc.stdout.on('data', keep);
  proc.stderr.on('data', keep);
  let exited: number | null = null;
  proc.on('exit', (code) => (exited = code ?? -1));
  const host = c.bindIp.includes(':') ? `[${c.bindIp}]` : c.bindIp;
  const gateway = new JanusGateway({ url: `http://${host}:${c.httpPort}/janus`, adminUrl: `http://${host}:${c.adminPort}/admin`, adminSecret: c.adminSecret, streamingKey: c.streamingKey });
  const stop = async () => {
    if (exited !== null) return;
    const gone = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGTERM');
    const cancel = realDeadline(3000, () => proc.kill('SIGKILL'));
    await gone;
    cancel();
  };
  const deadline = realNow() + (o.startTimeoutMs ?? 15_000);
  for (;;) {
    if (exited !== null) return err('janus-exited', `janus exited (${exited as number}) at start: ${out.trim().split('\n').slice(-5).join(' | ')}`);
    const info = await gateway.info();
    if (info.ok) break;
    if (realNow() > deadline) {
      await stop();
      return err('janus-timeout', `janus did not answer on ${gateway.adminUrl}: ${info.reason}`);
    }
    await realSleep(100);
  }
  o.log?.(`kongxun: janus (WebRTC for kiosks and the centre) at ${gateway.url}, config in ${o.dir}`);
  return ok({ gateway, url: gateway.url, proc, stop });
}
