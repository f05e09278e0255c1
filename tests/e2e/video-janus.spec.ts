/// <reference lib="dom" />
/**
 * Kiosks through Janus (issue 18), end to end with real things: ffmpeg (libx264, 640x360 at 30 fps) →
 * `kongxun serve --video … --janus` (the station starts Debian's `janus` on loopback with a generated config: only
 * the streaming plugin and the HTTP transport, token authentication, ICE on 127.0.0.1) → the station forwards
 * each RTP packet, unchanged, to the drone's mountpoint → the kiosk page (`?view=kiosk`) in Debian's Chromium
 * plays it over WebRTC. Proves: no token, no stream (Janus refuses the request); the token from /api/janus plays
 * the drone; frames are painted in the kiosk; and, in the same page and run, the added latency of the Janus path
 * against the desk's WebSocket path, both from the frame's arrival in the station (matched by RTP timestamp: the
 * station forwards packets unchanged) — printed as an annotation, not asserted. Skipped when janus is absent.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { expect, test } from '@playwright/test';
import { findJanus } from '../../station/video/janus-process.js';
import { freeUdpPortPair } from '../video/ffmpeg.js';
import { codedLatencies, FRAME_CODE_VF, readFrameCodes, stationArrivals } from './frame-code.js';
import { screenshotVariance } from './pixels.js';
import { serve, type Served } from './station.js';
import { signIn, signInPage, withSession } from '../sign-in.js';

let station: Served;
let ffmpeg: ChildProcess | undefined;

test.beforeAll(async () => {
  // `npm test` installs Debian's janus (scripts/test.sh): without it this is a failure that says so, not a skip.
  const janus = findJanus();
  if (!janus.ok) throw new Error(janus.reason);
  const port = await freeUdpPortPair();
  // A port pair free on this machine (Janus's HTTP API on the first, its admin API on the second).
  const janusPort = await freeUdpPortPair();
  station = await serve(['--video', `JH-01=rtp://127.0.0.1:${port}`, '--janus', '--janus-port', String(janusPort)]);
  ffmpeg = spawn('/usr/bin/ffmpeg', ['-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=30', '-vf', FRAME_CODE_VF, '-c:v', 'libx264', '-tune', 'zerolatency', '-profile:v', 'baseline', '-g', '30', '-x264-params', 'repeat-headers=1', '-f', 'rtp', `rtp://127.0.0.1:${port}`], { stdio: 'ignore' });
});

test.afterAll(() => {
  ffmpeg?.kill('SIGKILL');
  station?.stop();
});

test('kiosk: WebRTC through Janus with a token the station issues; no token, no stream', async ({ page }, testInfo) => {
  // Access: a token per request, the Janus URL, the drone's mountpoint (made when its first packet arrived).
  let access: { url: string; token: string; mountpoints: { drone: string; id: number }[] } | undefined;
  // A kiosk is a signed-in viewer: the station issues Janus tokens to sessions only.
  const session = withSession(await signIn(station.url, 'viewer'));
  expect((await fetch(`${station.url}api/janus`)).status).toBe(401);
  await expect
    .poll(async () => {
      const r = await fetch(`${station.url}api/janus`, session);
      access = r.ok ? ((await r.json()) as typeof access) : undefined;
      return access?.mountpoints.map((m) => m.drone) ?? [];
    }, { timeout: 20_000 })
    .toEqual(['JH-01']);
  const second = (await (await fetch(`${station.url}api/janus`, session)).json()) as { token: string };
  expect(second.token).not.toBe(access!.token);
  // Janus refuses a request without a token, and one with a made-up token.
  for (const token of [undefined, 'not-a-token']) {
    const r = (await (await fetch(new URL(access!.url, station.url), { method: 'POST', headers: session.headers, body: JSON.stringify({ janus: 'create', transaction: 't', ...(token ? { token } : {}) }) })).json()) as { janus: string; error?: { code: number } };
    expect(r.janus).toBe('error');
    expect(r.error?.code).toBe(403);
  }

  // The kiosk: WebRTC from Janus. The frame number drawn in each picture matches it to its arrival in the station.
  await signInPage(page, station.url, 'viewer');
  await page.goto(`${station.url}?view=kiosk`);
  const tile = page.getByTestId('kiosk-JH-01');
  await expect(tile).toHaveAttribute('data-state', 'live', { timeout: 30_000 });
  await readFrameCodes(page, '[data-testid="kiosk-JH-01"] video');
  await expect.poll(() => page.evaluate(() => (window as unknown as { kongxunJanus: Record<string, { frames: number }> }).kongxunJanus['JH-01']?.frames ?? 0), { timeout: 20_000 }).toBeGreaterThan(150);
  expect(await screenshotVariance(page, 'kiosk-JH-01')).toBeGreaterThan(500);
  const { painted: janus, received } = await codedLatencies(page, stationArrivals(station.data, 'JH-01'));
  expect(janus.length).toBeGreaterThan(60);
  // Frames read were painted after they arrived in the station (the match is right, not off by frames; a block
  // misread through compression may give a wrong number now and then).
  expect(janus.filter((x) => x > 0).length).toBeGreaterThanOrEqual(janus.length * 0.95);

  // The desk's WebSocket path, same stream, same run: the decoder worker's own arrival → painted samples.
  const desk = await page.context().newPage();
  await desk.goto(station.url);
  await desk.getByTestId('drone-JH-01').click();
  await expect.poll(async () => (await desk.evaluate(() => (window as unknown as { kongxunVideo?: Record<string, { latencyMs: number[] }> }).kongxunVideo?.['JH-01']?.latencyMs.length ?? 0)), { timeout: 20_000 }).toBeGreaterThan(90);
  const ws = await desk.evaluate(() => (window as unknown as { kongxunVideo: Record<string, { latencyMs: number[] }> }).kongxunVideo['JH-01']!.latencyMs);
  const med = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1]!;
  testInfo.annotations.push({ type: 'latency', description: `arrival in station → painted, median: Janus/WebRTC ${med(janus).toFixed(1)} ms (${janus.length} frames), desk WebSocket ${med(ws).toFixed(1)} ms (${ws.length}); Janus adds ${(med(janus) - med(ws)).toFixed(1)} ms (arrival in station → received in the kiosk ${received.length ? med(received).toFixed(1) : '?'} ms)` });
  console.log(testInfo.annotations.at(-1)!.description);
  await page.screenshot({ path: testInfo.outputPath('kiosk.png') });
});
