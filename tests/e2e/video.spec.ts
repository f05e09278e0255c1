/// <reference lib="dom" />
/**
 * Live video end to end: ffmpeg (libx264 test pattern, 720p30, keyframe every second) → a relay the test
 * controls (seeded packet loss) → `kongxun serve --video JH-01=rtp://127.0.0.1:P` → the console in Debian's
 * Chromium, decoding with WebCodecs in a worker. Proves: frames decode and paint with zero decode errors and
 * a non-blank picture; 1 % loss raises "degraded" and the picture recovers at the next keyframe; a stopped
 * stream shows "stale" within about a second while the rest of the console keeps updating; a snapshot saves a
 * PNG named with the drone, time and position; a camera command reaches the drone and its answer is shown;
 * the wall screen shows a tile that enlarges on click.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { freeUdpPortPair, seeded } from '../video/ffmpeg.js';
import { serve, type Served } from './station.js';

let station: Served;
let ffmpeg: ChildProcess | undefined;
let relay: Socket;
let lossPct = 0;
let dropped = 0;

test.beforeAll(async () => {
  const stationPort = await freeUdpPortPair();
  const relayPort = await freeUdpPortPair();
  station = await serve(['--video', `JH-01=rtp://127.0.0.1:${stationPort}`]);
  relay = createSocket('udp4');
  const rnd = seeded(20261123);
  relay.on('message', (m) => {
    if (lossPct > 0 && rnd() * 100 < lossPct) return void dropped++;
    relay.send(m, stationPort, '127.0.0.1');
  });
  await new Promise<void>((r) => relay.bind(relayPort, '127.0.0.1', () => r()));
  ffmpeg = spawn('/usr/bin/ffmpeg', ['-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=30', '-c:v', 'libx264', '-tune', 'zerolatency', '-g', '30', '-f', 'rtp', `rtp://127.0.0.1:${relayPort}`], { stdio: 'ignore' });
});

test.afterAll(() => {
  ffmpeg?.kill('SIGKILL');
  relay?.close();
  station?.stop();
});

test.use({ viewport: { width: 1600, height: 900 }, acceptDownloads: true });

interface Stats { state: string; degraded: boolean; fps: number; decoded: number; painted: number; decodeErrors: number; width: number; height: number; latencyMs: number[] }
const stats = (page: Page) => page.evaluate(() => (window as unknown as { kongxunVideo?: Record<string, Stats> }).kongxunVideo?.['JH-01'] ?? null);

/** Luminance variance of the video element as it appears in a screenshot (a blank canvas gives ~0). */
async function screenshotVariance(page: Page): Promise<number> {
  const png = await page.getByTestId('video-canvas-JH-01').screenshot();
  return page.evaluate(async (b64) => {
    const img = new Image();
    img.src = `data:image/png;base64,${b64}`;
    await img.decode();
    const c = document.createElement('canvas');
    c.width = img.width;
    c.height = img.height;
    const g = c.getContext('2d')!;
    g.drawImage(img, 0, 0);
    const d = g.getImageData(0, 0, c.width, c.height).data;
    let s = 0;
    let s2 = 0;
    const n = d.length / 4;
    for (let i = 0; i < d.length; i += 4) {
      const y = 0.299 * d[i]! + 0.587 * d[i + 1]! + 0.114 * d[i + 2]!;
      s += y;
      s2 += y * y;
    }
    return s2 / n - (s / n) ** 2;
  }, png.toString('base64'));
}

test('live video on the desk: decodes, degrades under loss and recovers, goes stale, snapshots', async ({ page }, testInfo) => {
  await page.goto(station.url);
  await page.getByTestId('drone-JH-01').click();
  const video = page.getByTestId('video-JH-01');
  await expect(video).toHaveAttribute('data-state', 'live', { timeout: 15_000 });
  await expect.poll(async () => (await stats(page))?.painted ?? 0, { timeout: 15_000 }).toBeGreaterThan(60);
  await expect.poll(async () => (await stats(page))!.fps, { timeout: 10_000 }).toBeGreaterThan(5);
  const s1 = (await stats(page))!;
  expect(s1.decodeErrors).toBe(0);
  expect([s1.width, s1.height]).toEqual([1280, 720]);
  expect(await screenshotVariance(page)).toBeGreaterThan(500);
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
  expect(await screenshotVariance(page)).toBeGreaterThan(500);

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
