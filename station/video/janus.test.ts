/**
 * The station's side of Janus against a real `janus` (Debian's) started on loopback with the generated config:
 * the admin API answers with token authentication on; a mountpoint per drone on a port Janus picks, made again
 * on a second call (a station restart); tokens the station issues open the Janus API, a revoked or made-up one
 * does not; the forwarder sends packets once the mountpoint exists. Skipped without janus installed; without it
 * spawnJanus is an error value that says how to install it.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freeUdpPortPair } from '../../tests/video/ffmpeg.js';
import { JanusForwarder, mountpointId } from './janus.js';
import { findJanus, spawnJanus } from './janus-process.js';

const hasJanus = findJanus().ok;

async function createSession(url: string, token?: string): Promise<{ janus: string; error?: { code: number } }> {
  const r = await fetch(url, { method: 'POST', body: JSON.stringify({ janus: 'create', transaction: 't', ...(token ? { token } : {}) }) });
  return (await r.json()) as { janus: string; error?: { code: number } };
}

describe('Janus', () => {
  it('mountpoint ids are stable per drone and distinct', () => {
    expect(mountpointId('JH-01')).toBe(mountpointId('JH-01'));
    expect(mountpointId('JH-01')).not.toBe(mountpointId('JH-02'));
    expect(mountpointId('JH-01')).toBeGreaterThan(0);
    expect(mountpointId('JH-01')).toBeLessThan(2 ** 31);
  });

  it('without janus: an error value naming the package', async () => {
    const before = process.env.KONGXUN_JANUS;
    process.env.KONGXUN_JANUS = '/nonexistent/janus';
    try {
      const r = await spawnJanus({ dir: mkdtempSync(join(tmpdir(), 'kx-janus-')), httpPort: 1, adminPort: 2 });
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.reason).toContain('apt-get install janus');
    } finally {
      if (before === undefined) delete process.env.KONGXUN_JANUS;
      else process.env.KONGXUN_JANUS = before;
    }
  });

  it.skipIf(!hasJanus)('real janus: config, mountpoints, tokens, forwarding', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kx-janus-'));
    const port = await freeUdpPortPair();
    const j = await spawnJanus({ dir, httpPort: port, adminPort: port + 1 });
    if (!j.ok) throw new Error(j.reason);
    try {
      // Only the streaming plugin and the HTTP transport; ICE on loopback only; token auth on.
      const cfg = readFileSync(join(dir, 'janus.jcfg'), 'utf8');
      expect(cfg).toMatch(/token_auth = true/);
      expect(cfg).toMatch(/ice_enforce_list = "127.0.0.1"/);
      const info = await j.value.gateway.info();
      expect(info.ok && info.value.token_auth).toBe(true);

      const m1 = await j.value.gateway.mountpoint('JH-01');
      const again = await j.value.gateway.mountpoint('JH-01');
      expect(m1.ok && again.ok).toBe(true);
      if (!m1.ok || !again.ok) return;
      expect(again.value.id).toBe(m1.value.id);
      expect(m1.value.port).toBeGreaterThan(0);

      // No token, no session; the station's token opens one; revoked, it no longer does.
      expect((await createSession(j.value.url)).error?.code).toBe(403);
      expect((await createSession(j.value.url, 'made-up')).error?.code).toBe(403);
      const fwd = new JanusForwarder({ gateway: j.value.gateway });
      const a = await fwd.issue();
      if (!a.ok) throw new Error(a.reason);
      expect((await createSession(j.value.url, a.value.token)).janus).toBe('success');
      await fwd.revoke(a.value.token);
      expect((await createSession(j.value.url, a.value.token)).error?.code).toBe(403);

      // The forwarder: the first packet makes the mountpoint, the next ones go to its port (Janus owns the port:
      // the end-to-end test proves the picture arrives; here, what was sent).
      fwd.forward('JH-02', new Uint8Array(12));
      await expect.poll(() => fwd.mountpoints().map((m) => m.drone), { timeout: 5000 }).toEqual(['JH-02']);
      const pkt = new Uint8Array([0x80, 96, 0, 1, 0, 0, 0, 1, 0, 0, 0, 7]);
      for (let i = 0; i < 5; i++) fwd.forward('JH-02', pkt);
      expect(fwd.sent.get('JH-02')).toBe(5);
      const b = await fwd.issue();
      expect(b.ok && b.value.mountpoints).toEqual([{ drone: 'JH-02', id: mountpointId('JH-02') }]);
      await fwd.close();
      if (b.ok) expect((await createSession(j.value.url, b.value.token)).error?.code).toBe(403);
    } finally {
      await j.value.stop();
    }
  });
});
