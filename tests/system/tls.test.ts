/**
 * TLS on the LAN, with the real `kongxun serve` process: a non-loopback --host without TLS refuses to start;
 * `--tls self-signed` makes a certificate in DATA/tls/ and serves HTTPS with it (session cookie Secure, HSTS),
 * and a restart keeps the same certificate. Requests are verified against that certificate (no "insecure" flag).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { addTestUser, TEST_PASSWORD } from '../sign-in.js';
import { serveProcess, type ServeProcess } from '../serve-process.js';

const stations: ServeProcess[] = [];
afterEach(async () => {
  for (const st of stations.splice(0)) await st.stop();
});

async function serve(args: string[]): Promise<ServeProcess> {
  const st = await serveProcess(args);
  stations.push(st);
  return st;
}

function https(url: string, ca: string, o: { method?: string; body?: string } = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, method: o.method ?? 'GET', headers: o.body ? { 'content-type': 'application/json' } : {} }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
    });
    req.on('error', reject);
    req.end(o.body);
  });
}

describe('TLS on the LAN', () => {
  it('refuses a non-loopback --host without TLS, and half a certificate', () => {
    const data = mkdtempSync(join(tmpdir(), 'kx-tls-'));
    for (const args of [['--host', '0.0.0.0'], ['--host', '192.168.1.20'], ['--tls-cert', 'x.pem'], ['--tls', 'maybe']]) {
      const r = spawnSync(process.execPath, ['bin/kongxun.mjs', 'serve', '--port', '0', '--no-plan', '--data', data, ...args], { encoding: 'utf8' });
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(/TLS|--tls/);
    }
  });

  it('--tls self-signed: HTTPS with a kept certificate, Secure session cookie', async () => {
    const data = mkdtempSync(join(tmpdir(), 'kx-tls-'));
    await addTestUser(data, 'pilot');
    const first = await serve(['--data', data, '--tls', 'self-signed']);
    const fp = /SHA-256 fingerprint ([0-9A-F:]+)/.exec(first.out())?.[1];
    expect(fp).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    const cert = readFileSync(join(data, 'tls', 'cert.pem'), 'utf8');
    if (process.platform !== 'win32') expect(statSync(join(data, 'tls', 'key.pem')).mode & 0o777).toBe(0o600);
    const home = await https(first.url, cert);
    expect(home.status).toBe(200);
    expect(home.headers['strict-transport-security']).toContain('max-age=');
    const login = await https(`${first.url}api/login`, cert, { method: 'POST', body: JSON.stringify({ user: 'pilot', password: TEST_PASSWORD }) });
    expect(login.status).toBe(200);
    expect(String(login.headers['set-cookie'])).toMatch(/HttpOnly; SameSite=Strict; Secure/);
    for (const st of stations.splice(0)) await st.stop();
    const second = await serve(['--data', data, '--tls', 'self-signed']);
    expect(second.out()).toContain('(kept)');
    expect(second.out()).toContain(fp!);
  });
});
