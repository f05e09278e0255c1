/**
 * The station's Janus, watched (issue 18), against a real `janus` (Debian's) on loopback, killed with SIGKILL
 * twice: each death is an alert naming the cause; Janus is started again after a backoff that doubles; the
 * drones' mountpoints are made again (Janus's `watch` on the same id gives an H.264 offer) and a viewer's token
 * issued before the death opens the new Janus. Stopped on purpose, it is not started again.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freeUdpPortPair } from '../../tests/video/ffmpeg.js';
import { JanusForwarder, mountpointId } from './janus.js';
import { findJanus } from './janus-process.js';
import { JanusSupervisor } from './janus-supervisor.js';

type Json = Record<string, unknown>;
async function janusPost(url: string, body: Json, token: string): Promise<Json> {
  const r = await fetch(url, { method: 'POST', body: JSON.stringify({ ...body, transaction: Math.random().toString(36).slice(2), token }) });
  return (await r.json()) as Json;
}

/** Watch a mountpoint with a token: Janus's SDP offer, or the error it answered. */
async function offer(url: string, token: string, id: number): Promise<string> {
  const c = await janusPost(url, { janus: 'create' }, token);
  if (c.janus !== 'success') return `refused ${JSON.stringify(c.error)}`;
  const session = (c.data as { id: number }).id;
  const handle = ((await janusPost(`${url}/${session}`, { janus: 'attach', plugin: 'janus.plugin.streaming' }, token)).data as { id: number }).id;
  await janusPost(`${url}/${session}/${handle}`, { janus: 'message', body: { request: 'watch', id } }, token);
  for (let i = 0; i < 10; i++) {
    const ev = (await (await fetch(`${url}/${session}?token=${encodeURIComponent(token)}&maxev=5`)).json()) as Json | Json[];
    for (const e of Array.isArray(ev) ? ev : [ev]) {
      if (e.jsep) {
        await janusPost(`${url}/${session}`, { janus: 'destroy' }, token);
        return (e.jsep as { sdp: string }).sdp;
      }
      const err = (e.plugindata as { data?: { error?: string } } | undefined)?.data?.error;
      if (err) return `error ${err}`;
    }
  }
  return 'no offer';
}

async function until(what: string, cond: () => boolean, maxMs = 30_000): Promise<void> {
  for (const t0 = performance.now(); !cond(); ) {
    if (performance.now() - t0 > maxMs) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('Janus supervised', () => {
  it('killed, it is said with its cause, started again with backoff, its mountpoints and tokens made again', async () => {
    if (!findJanus().ok) throw new Error('janus is not installed (apt-get install janus): this test needs it');
    const dir = mkdtempSync(join(tmpdir(), 'kx-janus-sup-'));
    const port = await freeUdpPortPair();
    const alerts: { text: string; what: string }[] = [];
    const sup = await JanusSupervisor.start({ dir, httpPort: port, adminPort: port + 1, backoffMs: 200, onAlert: (text, what) => alerts.push({ text, what }) });
    if (!sup.ok) throw new Error(sup.reason);
    const s = sup.value;
    const fwd = new JanusForwarder({ gateway: s.gateway });
    s.attach(fwd);
    try {
      fwd.forward('JH-01', new Uint8Array(12));
      await until('JH-01 mountpoint', () => fwd.mountpoints().length === 1);
      const a = await fwd.issue();
      if (!a.ok) throw new Error(a.reason);
      expect(await offer(s.url, a.value.token, mountpointId('JH-01'))).toMatch(/H264\/90000/);

      const pid1 = s.pid!;
      process.kill(pid1, 'SIGKILL');
      await until('first restart', () => s.restarts === 1 && alerts.some((x) => x.what === 'back'));
      expect(alerts[0]).toMatchObject({ what: 'died', text: expect.stringContaining('killed by SIGKILL') });
      expect(alerts[1]).toMatchObject({ what: 'back', text: expect.stringContaining('1 mountpoints made again, 1 viewer tokens registered again') });
      expect(s.pid).not.toBe(pid1);
      // The same mountpoint id on the new Janus (its port is the new Janus's), and the old token opens it.
      expect(fwd.mountpoints().map((m) => m.id)).toEqual([mountpointId('JH-01')]);
      expect(fwd.mountpoints()[0]!.port).toBeGreaterThan(0);
      expect(await offer(s.url, a.value.token, mountpointId('JH-01'))).toMatch(/H264\/90000/);

      // Killed again soon after: the backoff doubled.
      process.kill(s.pid!, 'SIGKILL');
      await until('second restart', () => s.restarts === 2);
      expect(s.waits).toEqual([200, 400]);
      expect(alerts.filter((x) => x.what === 'died')).toHaveLength(2);
    } finally {
      const pid = s.pid;
      await fwd.close();
      await s.stop();
      // Stopped on purpose: not started again.
      await new Promise((r) => setTimeout(r, 500));
      expect(s.pid).toBe(pid);
      expect(alerts.filter((x) => x.what === 'died')).toHaveLength(2);
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);
});
