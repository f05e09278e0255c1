/// <reference lib="dom" />
/**
 * The wall's video (issue 18), end to end: three ffmpeg/libx264 sources → `kongxun serve --video …` → the wall
 * screen in Debian's Chromium. Every tile not in focus is a preview: the station sends it keyframes only, and the
 * tile says 每秒刷新; the tile clicked into focus gets every frame and says 实时; the tooltip names the decoder
 * (this Chromium runs with --disable-gpu: the hardware request is refused and the tile says software, and why).
 * An alert of a drone with video brings its tile into focus.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { freeUdpPortPair } from '../video/ffmpeg.js';
import { serve, type Served } from './station.js';
import { signInPage } from '../sign-in.js';

let station: Served;
const senders: ChildProcess[] = [];
const DRONES = ['JH-01', 'JH-02', 'JH-03'];

test.beforeAll(async () => {
  const ports: number[] = [];
  for (const _ of DRONES) ports.push(await freeUdpPortPair());
  station = await serve(DRONES.flatMap((d, i) => ['--video', `${d}=rtp://127.0.0.1:${ports[i]}`]));
  for (const p of ports) {
    senders.push(spawn('/usr/bin/ffmpeg', ['-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=30', '-c:v', 'libx264', '-tune', 'zerolatency', '-g', '30', '-x264-params', 'repeat-headers=1', '-f', 'rtp', `rtp://127.0.0.1:${p}`], { stdio: 'ignore' }));
  }
});

test.afterAll(() => {
  for (const s of senders) s.kill('SIGKILL');
  station?.stop();
});

test.use({ viewport: { width: 1600, height: 900 } });

interface Stats { showing: string; painted: number; decoded: number; decodeErrors: number; decoder: string; decoderNote: string }
const stats = (page: Page) => page.evaluate((ds) => Object.fromEntries(ds.map((d) => [d, (window as unknown as { kongxunVideo?: Record<string, Stats> }).kongxunVideo?.[d] ?? null])), DRONES) as Promise<Record<string, Stats | null>>;

test.beforeAll(() => {
  // A picture such as station/video/alert-snapshot.ts writes, for the alert injected below.
  mkdirSync(join(station.data, 'snapshots'), { recursive: true });
  execFileSync('/usr/bin/ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=320x180', '-frames:v', '1', '-y', join(station.data, 'snapshots', 'JH-03_1796600000000_0.jpg')]);
});

test('wall: previews refresh on keyframes, the tile in focus is live, an alert brings its drone into focus', async ({ page }, testInfo) => {
  await signInPage(page, station.url, 'viewer');
  await page.goto(`${station.url}?view=wall`);
  for (const d of DRONES) {
    const tile = page.getByTestId(`video-${d}`);
    await expect(tile).toHaveAttribute('data-showing', 'key', { timeout: 20_000 });
    await expect(tile.getByTestId('video-mode-label')).toHaveText('每秒刷新');
  }
  await expect.poll(async () => Object.values(await stats(page)).every((s) => (s?.painted ?? 0) >= 2), { timeout: 20_000 }).toBe(true);
  // The tooltip names the decoder: with --disable-gpu the hardware request fails and the software path decodes.
  const tip = await page.getByTestId('video-JH-01').getAttribute('title');
  expect(tip).toContain('每秒刷新');
  expect(tip).toMatch(/软件解码|硬件解码/);
  const s0 = await stats(page);
  expect(Object.values(s0).every((s) => s!.decodeErrors === 0)).toBe(true);

  // JH-02 into focus: every frame, 实时.
  const focus = page.getByTestId('video-JH-02');
  await focus.click();
  await expect(focus).toHaveClass(/enlarged/);
  await expect(focus).toHaveAttribute('data-showing', 'full', { timeout: 10_000 });
  await expect(focus.getByTestId('video-mode-label')).toHaveText('实时');
  const a = await stats(page);
  await expect.poll(async () => (await stats(page))['JH-02']!.painted - a['JH-02']!.painted, { timeout: 20_000 }).toBeGreaterThan(90);
  const b = await stats(page);
  const focusPainted = b['JH-02']!.painted - a['JH-02']!.painted;
  // In the same window each preview painted about one picture per keyframe (every 30 frames).
  for (const d of ['JH-01', 'JH-03']) {
    const n = b[d]!.painted - a[d]!.painted;
    expect(n).toBeGreaterThan(0);
    expect(n * 10).toBeLessThan(focusPainted);
    expect(b[d]!.showing).toBe('key');
  }
  expect(Object.values(b).every((s) => s!.decodeErrors === 0)).toBe(true);
  await page.screenshot({ path: testInfo.outputPath('wall-focus.png') });

  // An alert of JH-03 (as the station's event stream delivers it to the store): JH-03 comes into focus, JH-02 leaves it.
  await page.evaluate(() => {
    const store = (window as unknown as { kongxunStore: { getState(): { events: unknown[] }; setState(p: unknown): void } }).kongxunStore;
    const e = { atMs: Date.now(), sysid: 3, kind: 'vehicle-lost', severity: 'alert', text: 'JH-03: link lost', args: { drone: 'JH-03' }, snapshot: { file: 'JH-03_1796600000000_0.jpg', atMs: Date.now() } };
    store.setState({ events: [e, ...store.getState().events] });
  });
  await expect(page.getByTestId('video-JH-03')).toHaveClass(/enlarged/);
  await expect(page.getByTestId('video-JH-03')).toHaveAttribute('data-showing', 'full', { timeout: 10_000 });
  await expect(focus).toHaveAttribute('data-showing', 'key', { timeout: 10_000 });
  expect((await stats(page))['JH-03']!.decodeErrors).toBe(0);
  // The alert's picture (as the station stores it in DATA/snapshots) is shown in the event list.
  const img = page.getByTestId('alert-snapshot').first().locator('img');
  await expect.poll(() => img.evaluate((i: HTMLImageElement) => i.naturalWidth), { timeout: 10_000 }).toBe(320);
});
