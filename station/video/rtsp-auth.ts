/**
 * RTSP authentication (RTSP borrows HTTP's, RFC 2326 §D.2.1): the credentials are the URL's userinfo
 * (rtsp://user:pass@host/path, percent-decoded, so a password with `@`, `:` or `/` is written %40, %3A, %2F).
 * Nothing is sent until a 401 challenges; then Digest is preferred over Basic when both are offered. Digest is
 * RFC 2617 / RFC 7616 with MD5, MD5-sess or SHA-256, qop=auth or the legacy form without qop that many IP
 * cameras still send. Once challenged, every later request carries an Authorization (with the next nonce-count);
 * a 401 to it with a new nonce or `stale=true` (an expired nonce) is answered once more before giving up.
 *
 * The password must never reach a log, an error or the station's status: `redactUrl` is the form of a URL to
 * show anywhere, and `requestUrl` is the one sent to the server (no userinfo, scheme rtsp).
 */
import { createHash, randomBytes } from 'node:crypto';

export interface Credentials {
  user: string;
  pass: string;
}

const decode = (s: string) => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};

export function credentialsFromUrl(url: string): Credentials | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  if (!u.username && !u.password) return undefined;
  return { user: decode(u.username), pass: decode(u.password) };
}

/** The URL with its password replaced by `***` (the user name stays): the form to log or show. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (!u.password) return url;
    u.password = '***';
    return u.href;
  } catch {
    // Not a URL (so no parser to trust): hide everything between `//` and the last `@`.
    return url.replace(/^([^:/?#]*:\/\/)[\s\S]*@/, '$1***@');
  }
}

/** The URL as sent in requests: no userinfo, scheme rtsp (rtspu:// and rtspt:// only choose our transport). */
export function requestUrl(url: string): string {
  const u = new URL(url);
  u.username = '';
  u.password = '';
  return `rtsp:${u.href.slice(u.protocol.length)}`;
}

export interface Challenge {
  scheme: string;
  params: Map<string, string>;
}

/** The challenges in WWW-Authenticate values (several headers, or several challenges in one). */
export function parseChallenges(values: string[]): Challenge[] {
  const out: Challenge[] = [];
  for (const v of values) {
    let cur: Challenge | undefined;
    const re = /[\s,]*([!#$%&'*+.^_`|~\w-]+)(?:\s*=\s*("(?:[^"\\]|\\.)*"|[^\s,]*))?/y;
    for (let m = re.exec(v); m; m = re.exec(v)) {
      if (m[2] === undefined) out.push((cur = { scheme: m[1]!.toLowerCase(), params: new Map() }));
      else cur?.params.set(m[1]!.toLowerCase(), m[2].startsWith('"') ? m[2].slice(1, -1).replace(/\\(.)/g, '$1') : m[2]);
    }
  }
  return out;
}

export interface DigestInput {
  user: string;
  pass: string;
  realm: string;
  nonce: string;
  method: string;
  uri: string;
  /** MD5 (default), MD5-sess, SHA-256, SHA-256-sess */
  algorithm?: string | undefined;
  /** 'auth', or absent for the legacy RFC 2069 form */
  qop?: 'auth' | undefined;
  nc?: string;
  cnonce?: string;
}

/** The Digest `response` value (RFC 2617 §3.2.2.1, RFC 7616 §3.4.1). */
export function digestResponse(d: DigestInput): string {
  const alg = (d.algorithm ?? 'MD5').toUpperCase();
  const H = (s: string) => createHash(alg.startsWith('SHA-256') ? 'sha256' : 'md5').update(s, 'utf8').digest('hex');
  let ha1 = H(`${d.user}:${d.realm}:${d.pass}`);
  if (alg.endsWith('-SESS')) ha1 = H(`${ha1}:${d.nonce}:${d.cnonce ?? ''}`);
  const ha2 = H(`${d.method}:${d.uri}`);
  return d.qop ? H(`${ha1}:${d.nonce}:${d.nc ?? ''}:${d.cnonce ?? ''}:${d.qop}:${ha2}`) : H(`${ha1}:${d.nonce}:${ha2}`);
}

const DIGEST_ALGORITHMS = ['SHA-256', 'SHA-256-SESS', 'MD5', 'MD5-SESS'];
const quote = (s: string) => `"${s.replace(/["\\]/g, '\\$&')}"`;

/** One RTSP session's authentication state: which challenge to answer and the Digest nonce-count. */
export class RtspAuth {
  private challenge: Challenge | undefined;
  private nc = 0;
  /** Why the last challenge could not be answered. */
  private problem: 'no-credentials' | 'unsupported' | 'rejected' = 'rejected';
  private offered = '';

  constructor(private readonly creds: Credentials | undefined) {}

  /** The Authorization header for a request, once a challenge has said how to make it. */
  header(method: string, uri: string): string | undefined {
    const c = this.challenge;
    if (!c || !this.creds) return undefined;
    const { user, pass } = this.creds;
    if (c.scheme === 'basic') return `Basic ${Buffer.from(`${user}:${pass}`, 'utf8').toString('base64')}`;
    const realm = c.params.get('realm') ?? '';
    const nonce = c.params.get('nonce') ?? '';
    const algorithm = c.params.get('algorithm');
    const qop = (c.params.get('qop') ?? '').split(',').some((q) => q.trim().toLowerCase() === 'auth') ? 'auth' : undefined;
    const nc = (++this.nc).toString(16).padStart(8, '0');
    const cnonce = randomBytes(8).toString('hex');
    const response = digestResponse({ user, pass, realm, nonce, method, uri, algorithm, qop, nc, cnonce });
    const fields = [`username=${quote(user)}`, `realm=${quote(realm)}`, `nonce=${quote(nonce)}`, `uri=${quote(uri)}`, `response=${quote(response)}`];
    if (algorithm) fields.push(`algorithm=${algorithm}`);
    const opaque = c.params.get('opaque');
    if (opaque !== undefined) fields.push(`opaque=${quote(opaque)}`);
    if (qop) fields.push(`qop=${qop}`, `nc=${nc}`, `cnonce=${quote(cnonce)}`);
    return `Digest ${fields.join(', ')}`;
  }

  /**
   * Takes a 401's WWW-Authenticate values; true when the request is worth sending again. A request that carried
   * an Authorization is not repeated with the same answer (Basic, or Digest with the same nonce and no
   * `stale=true`): cameras lock accounts out after a few failed logins.
   */
  accept(values: string[], hadAuthorization = false): boolean {
    const all = parseChallenges(values);
    this.offered = [...new Set(all.map((c) => c.scheme))].join(', ') || 'none';
    const digest = DIGEST_ALGORITHMS.map((a) => all.find((c) => c.scheme === 'digest' && (c.params.get('algorithm') ?? 'MD5').toUpperCase() === a)).find(Boolean);
    const next = digest ?? all.find((c) => c.scheme === 'basic');
    this.problem = !next ? 'unsupported' : !this.creds ? 'no-credentials' : 'rejected';
    if (!next || !this.creds) return false;
    const same = next.scheme === this.challenge?.scheme && next.params.get('nonce') === this.challenge.params.get('nonce');
    if (hadAuthorization && same && next.params.get('stale')?.toLowerCase() !== 'true') return false;
    if (next.params.get('nonce') !== this.challenge?.params.get('nonce')) this.nc = 0;
    this.challenge = next;
    return true;
  }

  /** Why a request ended in 401, for the stream's error (never with the password). */
  explain(method: string, shownUrl: string): string {
    if (this.problem === 'no-credentials') return `rtsp: ${shownUrl} needs a user name and password (${method} answered 401); give them in the URL: rtsp://user:password@host/path`;
    if (this.problem === 'unsupported') return `rtsp: ${shownUrl} asks for authentication this station does not speak (${this.offered}; Basic and Digest are supported)`;
    return `rtsp: authentication failed for user "${this.creds?.user ?? ''}" at ${shownUrl} (${method} answered 401): check the user name and password`;
  }
}
