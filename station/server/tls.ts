/**
 * TLS for the console on the LAN. `kongxun serve` binds loopback by default; any other `--host` needs TLS: a
 * certificate and key the operator gives (`--tls-cert/--tls-key`, PEM), or `--tls self-signed`, which makes an
 * EC P-256 certificate for the station's names once and keeps it in DATA/tls/ (key readable by the station's
 * user only), so browsers that were told to trust it keep trusting it. It is made again when it expires within
 * 30 days or does not cover a name the station now answers to. Wall screens and kiosks on the LAN need the
 * secure context anyway (WebCodecs for video).
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { createSecureContext } from 'node:tls';
import { err, ok, type Result } from '../../common/result.js';
import { nodeRequire } from '../node-require.js';
import { realNow } from '../real-time.js';

export interface TlsMaterial {
  cert: string;
  key: string;
  /** SHA-256 fingerprint of the certificate, to compare with what a browser shows. */
  fingerprint: string;
  /** Where it came from (files given, or DATA/tls/ made or reused). */
  source: string;
}

function fingerprintOf(cert: string): string {
  return new X509Certificate(cert).fingerprint256;
}

function usable(cert: string, key: string): string | undefined {
  try {
    createSecureContext({ cert, key });
    const x = new X509Certificate(cert);
    if (!x.checkPrivateKey(createPrivateKey(key))) return 'the key does not belong to the certificate';
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

/** The operator's certificate and key files. */
export function loadTlsFiles(certFile: string, keyFile: string): Result<TlsMaterial> {
  let cert: string;
  let key: string;
  try {
    cert = readFileSync(certFile, 'utf8');
    key = readFileSync(keyFile, 'utf8');
  } catch (e) {
    return err('unreadable', `TLS: ${(e as Error).message}`);
  }
  const bad = usable(cert, key);
  if (bad) return err('bad-tls', `TLS: ${certFile} / ${keyFile}: ${bad}`);
  return ok({ cert, key, fingerprint: fingerprintOf(cert), source: `${certFile}, ${keyFile}` });
}

/** An IP address in one spelling (IPv6 compressed, as the WHATWG URL parser writes it: 0:0:0:0:0:0:0:1 → ::1). */
function normIp(ip: string): string {
  return isIP(ip) === 6 ? new URL(`http://[${ip}]`).hostname.slice(1, -1) : ip;
}

function covers(cert: string, names: string[], nowMs: number): boolean {
  const x = new X509Certificate(cert);
  if (Date.parse(x.validTo) - nowMs < 30 * 86_400_000) return false;
  const have = new Set((x.subjectAltName ?? '').split(', ').map((e) => (e.startsWith('IP Address:') ? `IP:${normIp(e.slice(11))}` : e)));
  return names.every((n) => have.has(isIP(n) ? `IP:${normIp(n)}` : `DNS:${n}`));
}

/** The station's own certificate for `names` (DNS names and IP addresses), kept in `dataDir`/tls/. */
export async function selfSignedTls(dataDir: string, names: string[], nowMs = realNow()): Promise<Result<TlsMaterial>> {
  const dir = join(dataDir, 'tls');
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  const want = [...new Set(['localhost', '127.0.0.1', ...names.map((n) => n.replace(/^\[|\]$/g, ''))])];
  if (existsSync(certFile) && existsSync(keyFile)) {
    const kept = loadTlsFiles(certFile, keyFile);
    if (kept.ok && covers(kept.value.cert, want, nowMs)) return ok({ ...kept.value, source: `${dir} (kept)` });
  }
  let selfsigned: { generate(attrs: { name: string; value: string }[] | null, o: Record<string, unknown>): Promise<{ private: string; cert: string }> };
  try {
    selfsigned = nodeRequire()('selfsigned') as typeof selfsigned;
  } catch (e) {
    return err('unavailable', `TLS: the selfsigned package cannot be loaded: ${(e as Error).message}`);
  }
  try {
    const pems = await selfsigned.generate([{ name: 'commonName', value: want.find((n) => !isIP(n) && n !== 'localhost') ?? 'kongxun-station' }, { name: 'organizationName', value: 'Kongxun station' }], {
      keyType: 'ec',
      curve: 'P-256',
      algorithm: 'sha256',
      notBeforeDate: new Date(nowMs - 60_000),
      notAfterDate: new Date(nowMs + 825 * 86_400_000),
      extensions: [
        { name: 'basicConstraints', cA: false },
        { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
        { name: 'extKeyUsage', serverAuth: true },
        { name: 'subjectAltName', altNames: want.map((n) => (isIP(n) ? { type: 7, ip: n } : { type: 2, value: n })) },
      ],
    });
    mkdirSync(dir, { recursive: true });
    writeFileSync(keyFile, pems.private, { mode: 0o600 });
    if (process.platform !== 'win32') chmodSync(keyFile, 0o600);
    writeFileSync(certFile, pems.cert);
    const bad = usable(pems.cert, pems.private);
    if (bad) return err('bad-tls', `TLS: the certificate made for ${want.join(', ')} is not usable: ${bad}`);
    return ok({ cert: pems.cert, key: pems.private, fingerprint: fingerprintOf(pems.cert), source: `${dir} (made for ${want.join(', ')})` });
  } catch (e) {
    return err('tls-failed', `TLS: cannot make a certificate in ${dir}: ${(e as Error).message}`);
  }
}

/** Loopback addresses and names: the only hosts `kongxun serve` binds without TLS. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}
