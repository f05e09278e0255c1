/// <reference lib="dom" />
/**
 * Live video end to end: ffmpeg (libx264 test pattern, 720p30, keyframe every second) → a relay the test
 * controls (seeded packet loss) → `kongxun serve --video JH-01=rtp://127.0.0.1:P` → the console in Debian's
 * Chromium, decoding with WebCodecs in a worker. Proves: frames decode and paint with zero decode errors and
 * a non-blank picture; 1 % loss raises "degraded" and the picture recovers at the next keyframe; a stopped
 * stream shows "stale" within about a second while the rest of the console keeps updating; a snapshot saves a
 * PNG named with the drone, time and position; a camera command reaches the drone and its answer is shown;
 * the wall screen shows a tile that enlarges on click. Desktop app, emulated: frames come to the page over a
 * MessagePort (as electron/main.ts posts them) and the worker decodes them without a socket of its own. "Open in
 * window" opens the drone's video alone in a window that decodes it too.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { freeUdpPortPair, seeded } from '../video/ffmpeg.js';
import { signInPage } from '../sign-in.js';
import { serve, type Served } from './station.js';
import { screenshotVariance } from './pixels.js';

let station: Served;
let ffmpeg: ChildProcess | undefined;
let relay: Socket;
let lossPct = 0;
let dropped = 0;

let relayPort = 0;

/** ffmpeg sending to the relay (started again by the tests after the first one stopped it). */
function startSource(): void {
  if (ffmpeg && ffmpeg.exitCode === null && ffmpeg.signalCode === null) return;
  ffmpeg = spawn('/usr/bin/ffmpeg', ['-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=30', '-c:v', 'libx264', '-tune', 'zerolatency', '-g', '30', '-f', 'rtp', `rtp://127.0.0.1:${relayPort}`], { stdio: 'ignore' });
}

test.beforeAll(async () => {
  const stationPort = await freeUdpPortPair();
  relayPort = await freeUdpPortPair();
  station = await serve(['--video', `JH-01=rtp://127.0.0.1:${stationPort}`]);
  relay = createSocket('udp4');
  const rnd = seeded(20261123);
  relay.on('message', (m) => {
    if (lossPct > 0 && rnd() * 100 < lossPct) return void dropped++;
    relay.send(m, stationPort, '127.0.0.1');
  });
  await new Promise<void>((r) => relay.bind(relayPort, '127.0.0.1', () => r()));
  startSource();
});

test.afterAll(() => {
  ffmpeg?.kill('SIGKILL');
  relay?.close();
  station?.stop();
});

// Every page of this spec is the pilot's, signed in (tests/sign-in.ts).
test.beforeEach(async ({ page }) => signInPage(page, station.url, 'pilot'));

test.use({ viewport: { width: 1600, height: 900 }, acceptDownloads: true });

interface Stats { feed: string; state: string; degraded: boolean; fps: number; decoded: number; painted: number; decodeErrors: number; width: number; height: number; latencyMs: number[] }
const stats = (page: Page) => page.evaluate(() => (window as unknown as { kongxunVideo?: Record<string, Stats> }).kongxunVideo?.['JH-01'] ?? null);

test('live video on the desk: decodes, degrades under loss and recovers, goes stale, snapshots', async ({ page }, testInfo) => {
  const sockets: string[] = [];
  page.on('websocket', (ws) => sockets.push(ws.url()));
  await page.goto(station.url);
  await page.getByTestId('drone-JH-01').click();
  const video = page.getByTestId('video-JH-01');
  await expect(video).toHaveAttribute('data-state', 'live', { timeout: 15_000 });
  await expect.poll(async () => (await stats(page))?.painted ?? 0, { timeout: 15_000 }).toBeGreaterThan(60);
  await expect.poll(async () => (await stats(page))!.fps, { timeout: 10_000 }).toBeGreaterThan(5);
  const s1 = (await stats(page))!;
  expect(s1.decodeErrors).toBe(0);
  // The web console's worker reads its own socket (and Playwright sees a worker's sockets: the desktop test relies on it).
  expect(s1.feed).toBe('socket');
  expect(sockets.some((u) => u.endsWith('/ws/video?drone=JH-01'))).toBe(true);
  expect([s1.width, s1.height]).toEqual([1280, 720]);
  expect(await screenshotVariance(page, 'video-canvas-JH-01')).toBeGreaterThan(500);
  await video.screenshot({ path: testInfo.outputPath('video-desk.png') });
  await page.screenshot({ path: testInfo.outputPath('desk-with-video.png') });
  const lat = [...s1.latencyMs].sort((a, b) => a - b);
  testInfo.annotations.push({ type: 'latency', description: `arrival→painted median ${lat[lat.length >> 1]?.toFixed(1)} ms over ${lat.length} frames` });

  // 1 % seeded loss for 3 s: the badge appears, no decode error, and the picture keeps coming after.
  lossPct = 1;
  await expect(page.getByTestId('video-degraded')).toBeVisible({ timeout: 10_000 });
  await page.waitForTimeout(3000);
  lossPct = 0;
  expect(dropped).toBeGreaterThan(0);
  await expect(page.getByTestId('video-degraded')).toHaveCount(0, { timeout: 5_000 });
  const before = (await stats(page))!.painted;
  await expect.poll(async () => (await stats(page))!.painted - before, { timeout: 5_000 }).toBeGreaterThan(30);
  expect((await stats(page))!.decodeErrors).toBe(0);
  expect(await screenshotVariance(page, 'video-canvas-JH-01')).toBeGreaterThan(500);

  // Snapshot: a PNG named with the drone, the time and the position, tagged inside.
  const dl = page.waitForEvent('download');
  await page.getByTestId('video-snapshot').click();
  const file = await dl;
  expect(file.suggestedFilename()).toMatch(/^JH-01_\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ_\d+\.\d{6}N_\d+\.\d{6}E\.png$/);
  const png = readFileSync((await file.path())!);
  expect(png.subarray(1, 4).toString()).toBe('PNG');
  expect(png.includes(Buffer.from('tEXtLocation'))).toBe(true);

  // Camera control goes to the drone through MAVLink; its answer (accepted, or the simulator's refusal) is shown.
  await page.getByTestId('camera-bar').getByRole('button', { name: '拍照' }).click();
  await expect(page.getByTestId('result').first()).toContainText('JH-01 相机: 拍照');
  await expect(page.getByTestId('result').first()).not.toHaveClass(/pending/, { timeout: 10_000 });
  // The gimbal: one arrow key on the pitch slider sends pitch −5°, yaw 0°; the simulator's gimbal accepts it.
  await page.getByTestId('gimbal-pitch').focus();
  await page.keyboard.press('ArrowLeft');
  await expect(page.getByTestId('result').first()).toContainText('JH-01 云台: 俯仰 -5°, 偏航 0°');
  await expect(page.getByTestId('result').first()).toHaveClass(/ok/, { timeout: 10_000 });

  // Stop the source: "stale" within about a second, and the rest of the console keeps updating.
  const atBefore = await page.evaluate(() => (window as unknown as { kongxunStore: { getState(): { atMs: number } } }).kongxunStore.getState().atMs);
  ffmpeg!.kill('SIGKILL');
  const stoppedAt = Date.now();
  // Polled every 20 ms in the page, so the figure is the console's, not the test runner's polling.
  await page.waitForFunction(() => document.querySelector('[data-testid="video-stale"]') !== null, null, { polling: 20, timeout: 3_000 });
  const staleAfterMs = Date.now() - stoppedAt;
  testInfo.annotations.push({ type: 'stale', description: `stale badge ${staleAfterMs} ms after the source stopped` });
  expect(staleAfterMs).toBeLessThan(1500);
  await expect.poll(() => page.evaluate(() => (window as unknown as { kongxunStore: { getState(): { atMs: number } } }).kongxunStore.getState().atMs), { timeout: 3_000 }).toBeGreaterThan(atBefore + 500);
  await expect(page.locator('.kx-drone')).toHaveCount(7);
  await video.screenshot({ path: testInfo.outputPath('video-stale.png') });
});

test('wall screen: a tile per drone with video, click to enlarge', async ({ page }) => {
  await page.goto(`${station.url}?view=wall`);
  const tile = page.getByTestId('video-JH-01');
  await expect(tile).toBeVisible();
  await tile.click();
  await expect(tile).toHaveClass(/enlarged/);
  await tile.click();
  await expect(tile).not.toHaveClass(/enlarged/);
});

test('desktop video port: frames relayed over a MessagePort decode in the worker, which opens no socket of its own', async ({ page }, testInfo) => {
  startSource();
  const sockets: string[] = [];
  page.on('websocket', (ws) => sockets.push(ws.url()));
  // What electron/preload.ts and electron/main.ts do, emulated in Chromium: announce IPC, then post the page its
  // two ports. The console port is bridged to /ws; the video port honours the page's subscribe message with a
  // /ws/video socket for exactly those drones (marked relay=1) and relays each frame's ArrayBuffer onto the port.
  await page.addInitScript(() => {
    type Relay = { subscribes: string[][]; frames: number; acked: number };
    const relay: Relay = { subscribes: [], frames: 0, acked: 0 };
    (window as unknown as { kongxun: unknown; kongxunRelay: Relay }).kongxun = { desktop: true, ipc: true };
    (window as unknown as { kongxunRelay: Relay }).kongxunRelay = relay;
    const ch = new MessageChannel();
    const ws = new WebSocket(`ws://${location.host}/ws`);
    ws.onmessage = (e) => ch.port1.postMessage(e.data);
    ch.port1.onmessage = (e) => ws.send(e.data);
    const video = new MessageChannel();
    let vws: WebSocket | undefined;
    video.port1.onmessage = (e: MessageEvent<{ type: string; drones?: string[]; bytes?: number }>) => {
      const m = e.data;
      if (m.type === 'ack') return void (relay.acked = m.bytes!);
      if (m.type !== 'subscribe') return;
      relay.subscribes.push(m.drones!);
      vws?.close();
      vws = undefined;
      if (m.drones!.length === 0) return;
      const s = new WebSocket(`ws://${location.host}/ws/video?relay=1&${m.drones!.map((d) => `drone=${encodeURIComponent(d)}`).join('&')}`);
      s.binaryType = 'arraybuffer';
      s.onmessage = (ev: MessageEvent<ArrayBuffer | string>) => {
        if (vws !== s) return;
        if (typeof ev.data === 'string') return video.port1.postMessage(ev.data);
        relay.frames++;
        video.port1.postMessage(ev.data, [ev.data]);
      };
      vws = s;
    };
    // The main process posts on did-finish-load (after the page's scripts ran): the console port, then video.
    const opened = new Promise((r) => (ws.onopen = r));
    const loaded = new Promise((r) => window.addEventListener('load', r));
    void Promise.all([opened, loaded]).then(() => {
      window.postMessage('kongxun:port', location.origin, [ch.port2]);
      window.postMessage('kongxun:video-port', location.origin, [video.port2]);
    });
  });
  await page.goto(`${station.url}?view=desk`);
  await expect(page.locator('html')).toHaveAttribute('data-transport', 'ipc');
  await page.getByTestId('drone-JH-01').click();
  await expect(page.getByTestId('video-JH-01')).toHaveAttribute('data-state', 'live', { timeout: 15_000 });
  await expect.poll(async () => (await stats(page))?.painted ?? 0, { timeout: 15_000 }).toBeGreaterThan(60);
  await expect.poll(async () => (await stats(page))!.fps, { timeout: 10_000 }).toBeGreaterThan(5);
  const s = (await stats(page))!;
  expect(s.feed).toBe('posted');
  expect(s.decodeErrors).toBe(0);
  expect([s.width, s.height]).toEqual([1280, 720]);
  expect(await screenshotVariance(page, 'video-canvas-JH-01')).toBeGreaterThan(500);
  await page.getByTestId('video-JH-01').screenshot({ path: testInfo.outputPath('video-desktop-port.png') });
  const relay = await page.evaluate(() => (window as unknown as { kongxunRelay: { subscribes: string[][]; frames: number; acked: number } }).kongxunRelay);
  expect(relay.subscribes.at(-1)).toEqual(['JH-01']);
  expect(relay.frames).toBeGreaterThan(60);
  expect(relay.acked).toBeGreaterThan(0);
  // Every video socket is the relay's: the worker opened none of its own.
  const videoSockets = sockets.filter((u) => u.includes('/ws/video'));
  expect(videoSockets.length).toBeGreaterThan(0);
  expect(videoSockets.filter((u) => !u.includes('relay=1'))).toEqual([]);
  // Leaving the desk unmounts the video: the page subscribes to nothing.
  await page.getByTestId('view-timeline').click();
  await expect.poll(() => page.evaluate(() => (window as unknown as { kongxunRelay: { subscribes: string[][] } }).kongxunRelay.subscribes.at(-1))).toEqual([]);
});

test('open in window: the drone\'s video alone in a popup, decoding, with its telemetry and snapshot', async ({ page }, testInfo) => {
  startSource();
  await page.goto(`${station.url}?view=desk`);
  await page.getByTestId('drone-JH-01').click();
  await expect(page.getByTestId('video-JH-01')).toHaveAttribute('data-state', 'live', { timeout: 15_000 });
  await expect(page.getByTestId('video-popout')).toHaveText('弹出窗口');
  const [popup] = await Promise.all([page.waitForEvent('popup'), page.getByTestId('video-popout').click()]);
  expect(new URL(popup.url()).search).toBe('?view=video&drone=JH-01');
  await expect(popup.getByTestId('video-window')).toBeVisible();
  await expect(popup.locator('header')).toHaveCount(0);
  await expect(popup.getByTestId('video-popout')).toHaveCount(0);
  await expect(popup.getByTestId('video-JH-01')).toHaveAttribute('data-state', 'live', { timeout: 15_000 });
  await expect.poll(async () => (await stats(popup))?.painted ?? 0, { timeout: 15_000 }).toBeGreaterThan(30);
  await expect.poll(async () => (await stats(popup))!.fps, { timeout: 10_000 }).toBeGreaterThan(5);
  const s = (await stats(popup))!;
  expect(s.decodeErrors).toBe(0);
  expect(await screenshotVariance(popup, 'video-canvas-JH-01')).toBeGreaterThan(500);
  // The video fills the window; the label, a telemetry line from the store and the snapshot button are on it.
  const box = (await popup.getByTestId('video-JH-01').boundingBox())!;
  const viewport = await popup.evaluate(() => [innerWidth, innerHeight]);
  expect([Math.round(box.width), Math.round(box.height)]).toEqual(viewport);
  await expect(popup.locator('.video-label')).toHaveText('JH-01');
  await expect(popup.getByTestId('video-mode')).not.toHaveText('—', { timeout: 15_000 });
  await expect(popup.getByTestId('video-alt')).toHaveText(/^-?\d+\.\d m$/);
  await expect(popup.getByTestId('video-telemetry')).toContainText('电池');
  await expect(popup.getByTestId('video-snapshot')).toBeEnabled();
  await expect(popup).toHaveTitle(/JH-01/);
  await popup.screenshot({ path: testInfo.outputPath('video-window.png') });
});
