/**
 * An embedded MQTT broker for a one-machine trial (`kongxun broker`, `kongxun centre --broker embedded`):
 * aedes on 127.0.0.1 by default, with the same credentials and topic ACL as the Mosquitto setup the README
 * shows — it reads Mosquitto's own files: the password file made by `mosquitto_passwd` (PBKDF2-SHA512 `$7$`
 * hashes, and the older salted SHA-512 `$6$`) and an ACL file in Mosquitto's syntax (`user`, `topic` and
 * `pattern` lines with read/write/readwrite, `%u` and `%c`); without an ACL file, the README's ACL.
 *
 * - A client must give a user name and password from the file (no anonymous clients).
 * - A publish is refused unless a `write` line of its user (or a pattern) matches its topic: aedes then closes
 *   the client (MQTT 3.1.1 has no refusal code for a publish); Mosquitto drops it. Either way no one sees it.
 * - A subscription may name any filter, but only messages on topics a `read` line allows reach the client
 *   (Mosquitto checks reading per message the same way): a station that subscribes to another's requests
 *   gets nothing.
 * - aedes speaks MQTT 3.1.1, not 5: the stations and the centre then run with `--mqtt 3.1.1` (requests name
 *   their centre in the payload instead of a response topic; resources/formats/centre.md). Sessions and
 *   retained messages live in memory: they do not outlive the broker. Production is Mosquitto or EMQX.
 */
import { pbkdf2, createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { promisify } from 'node:util';
import { Aedes, type AuthenticateError } from 'aedes';
import { err, ok, type Result } from '../../common/result.js';

/** The README's Mosquitto ACL (station/centre/testkit/mosquitto.ts carries the same text to Mosquitto). */
export const DEFAULT_ACL = `user centre
topic read kongxun/v1/s/+/out/#
topic write kongxun/v1/s/+/in/#
pattern write kongxun/v1/s/%u/out/#
pattern read kongxun/v1/s/%u/in/#
`;

type Access = 'read' | 'write';
interface AclRule { access: Set<Access>; topic: string; pattern: boolean }
export interface Acl { users: Map<string, AclRule[]>; patterns: AclRule[] }

const pbkdf2Async = promisify(pbkdf2);

/** Mosquitto's password file: `user:$7$iterations$salt$hash` (or `$6$salt$hash`) per line. */
export function parsePasswordFile(text: string): Result<Map<string, string>> {
  const users = new Map<string, string>();
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const c = line.indexOf(':');
    if (c <= 0) return err('password-file', `line ${i + 1}: expected user:hash`);
    const hash = line.slice(c + 1);
    if (!/^\$7\$\d{1,7}\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/.test(hash) && !/^\$6\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/.test(hash)) return err('password-file', `line ${i + 1}: not a mosquitto_passwd hash ($7$ or $6$)`);
    users.set(line.slice(0, c), hash);
  }
  return ok(users);
}

/** Whether `password` matches a mosquitto_passwd hash. */
export async function verifyMosquittoPassword(hash: string, password: Buffer): Promise<boolean> {
  const p = hash.split('$');
  let got: Buffer;
  let want: Buffer;
  if (p[1] === '7') {
    const iterations = Number(p[2]);
    if (!Number.isInteger(iterations) || iterations < 1 || iterations > 10_000_000) return false;
    want = Buffer.from(p[4]!, 'base64');
    got = await pbkdf2Async(password, Buffer.from(p[3]!, 'base64'), iterations, want.length || 64, 'sha512');
  } else {
    want = Buffer.from(p[3]!, 'base64');
    got = createHash('sha512').update(password).update(Buffer.from(p[2]!, 'base64')).digest();
  }
  return got.length === want.length && want.length > 0 && timingSafeEqual(got, want);
}

/** Mosquitto's ACL syntax (the lines the README uses): `user NAME`, `topic [read|write|readwrite] T`, `pattern [read|write|readwrite] T`. */
export function parseAcl(text: string): Result<Acl> {
  const acl: Acl = { users: new Map(), patterns: [] };
  let user: string | null = null;
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^(user|topic|pattern)\s+(.+)$/.exec(line);
    if (!m) return err('acl', `line ${i + 1}: expected user, topic or pattern: ${line.slice(0, 80)}`);
    if (m[1] === 'user') {
      user = m[2]!.trim();
      if (!acl.users.has(user)) acl.users.set(user, []);
      continue;
    }
    const a = /^(?:(read|write|readwrite|deny)\s+)?(\S+)$/.exec(m[2]!.trim());
    if (!a) return err('acl', `line ${i + 1}: expected [read|write|readwrite] TOPIC`);
    if (a[1] === 'deny') return err('acl', `line ${i + 1}: deny lines are not supported by the embedded broker`);
    const mode = a[1] ?? 'readwrite';
    const rule: AclRule = { access: new Set(mode === 'readwrite' ? ['read', 'write'] : [mode as Access]), topic: a[2]!, pattern: m[1] === 'pattern' };
    if (rule.pattern) acl.patterns.push(rule);
    // A topic line before any user line is for anonymous clients, which this broker refuses anyway.
    else if (user !== null) acl.users.get(user)!.push(rule);
  }
  return ok(acl);
}

/** MQTT filter matching: `+` one level, `#` the rest (and the parent level). */
export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

/** Whether `user` (client id `clientId`) may read or write `topic` under the ACL, as Mosquitto decides. */
export function allowed(acl: Acl, user: string, clientId: string, topic: string, access: Access): boolean {
  // $SYS and other $ topics are not part of this tree; wildcards never appear in a published topic.
  if (topic.startsWith('$') || /[+#]/.test(topic)) return false;
  for (const r of acl.users.get(user) ?? []) if (r.access.has(access) && topicMatches(r.topic, topic)) return true;
  // Mosquitto refuses %u/%c substitution for names that would change the topic's shape.
  const safe = (s: string) => !/[/+#]/.test(s);
  for (const r of acl.patterns) {
    if (!r.access.has(access)) continue;
    if ((r.topic.includes('%u') && !safe(user)) || (r.topic.includes('%c') && !safe(clientId))) continue;
    if (topicMatches(r.topic.replaceAll('%u', user).replaceAll('%c', clientId), topic)) return true;
  }
  return false;
}

export interface EmbeddedBroker {
  url: string;
  port: number;
  /** Clients connected now. */
  clients(): number;
  close(): Promise<void>;
}

export interface EmbeddedBrokerOptions {
  /** mosquitto_passwd's file. */
  passwordFile: string;
  /** Mosquitto's ACL syntax; the README's ACL when absent. */
  aclFile?: string;
  host?: string;
  port?: number;
  log?: (line: string) => void;
}

export async function startEmbeddedBroker(o: EmbeddedBrokerOptions): Promise<Result<EmbeddedBroker>> {
  let pwText: string;
  let aclText = DEFAULT_ACL;
  try {
    pwText = readFileSync(o.passwordFile, 'utf8');
    if (o.aclFile !== undefined) aclText = readFileSync(o.aclFile, 'utf8');
  } catch (e) {
    return err('broker', (e as Error).message);
  }
  const users = parsePasswordFile(pwText);
  if (!users.ok) return err('broker', `${o.passwordFile}: ${users.reason}`);
  if (users.value.size === 0) return err('broker', `${o.passwordFile}: no users (make them with mosquitto_passwd)`);
  const acl = parseAcl(aclText);
  if (!acl.ok) return err('broker', `${o.aclFile ?? 'ACL'}: ${acl.reason}`);
  const who = new WeakMap<object, string>();
  const broker = await Aedes.createBroker({
    authenticate: (client, username, password, done) => {
      const refuse = () => done(Object.assign(new Error('bad user name or password'), { returnCode: 4 }) as AuthenticateError, false);
      const hash = username === undefined ? undefined : users.value.get(username);
      if (!hash || !password || password.length > 1024) return refuse();
      verifyMosquittoPassword(hash, password).then(
        (good) => {
          if (!good) return refuse();
          who.set(client, username!);
          done(null, true);
        },
        () => refuse(),
      );
    },
    authorizePublish: (client, packet, done) => {
      if (!client) return done(null);
      const user = who.get(client);
      if (user !== undefined && allowed(acl.value, user, client.id, packet.topic, 'write')) return done(null);
      o.log?.(`kongxun broker: ${user ?? '?'} may not publish to ${packet.topic.slice(0, 200)}`);
      done(new Error('not authorised'));
    },
    authorizeSubscribe: (_client, sub, done) => done(null, sub),
    authorizeForward: (client, packet) => {
      const user = who.get(client);
      return user !== undefined && allowed(acl.value, user, client.id, packet.topic, 'read') ? packet : null;
    },
  });
  const server: Server = createServer(broker.handle);
  const host = o.host ?? '127.0.0.1';
  const listening = await new Promise<Result<number>>((res) => {
    server.once('error', (e) => res(err('broker', `${host}:${o.port ?? 1883}: ${e.message}`)));
    server.listen(o.port ?? 1883, host, () => res(ok((server.address() as AddressInfo).port)));
  });
  if (!listening.ok) {
    await new Promise<void>((r) => broker.close(() => r()));
    return listening;
  }
  const port = listening.value;
  return ok({
    url: `mqtt://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    clients: () => broker.connectedClients,
    close: async () => {
      await new Promise<void>((r) => broker.close(() => r()));
      await new Promise<void>((r) => server.close(() => r()));
    },
  });
}
