/// <reference lib="dom" />
/**
 * Flight replay end to end: `kongxun serve` on the built-in simulated fleet with JH-01's video from ffmpeg
 * (libx264 test pattern → RTP), a real flight of JH-01 flown through the station's WebSocket API as a console
 * sends it (arm, take off, go to a point, land: the simulator disarms on landing), then the console's Replay
 * view in Debian's Chromium: the flight is listed (drone, video icon), opens with its track on the map, the
 * altitude chart, the events with arm and disarm; play advances the clock; the recorded video decodes and
 * paints; clicking an event moves the drone on the map; ←/→ step 5 s; an unknown flight id is said plainly.
 * Screenshots in Chinese and English.
 */
import type { ChildProcess } from 'node:child_process';
import { expect, test, type Page } from '@playwright/test';
import WebSocket from 'ws';
import { groundDistanceM } from '../../common/geo.js';
import type { FlightSummary, ServerMessage, StationSnapshot, VehicleCommand, VehicleView } from '../../common/api/contract.js';
import { ffmpegRtp, freeUdpPortPair } from '../video/ffmpeg.js';
import { signIn, signInPage, withSession } from '../sign-in.js';
import { serve, type Served } from './station.js';
import { screenshotVariance } from './pixels.js';

let station: Served;
let ffmpeg: ChildProcess | undefined;

test.beforeAll(async () => {
  const port = await freeUdpPortPair();
  station = await serve(['--video', `JH-01=rtp://127.0.0.1:${port}`]);
  // After the station, so the first keyframe's SPS/PPS reach it; a keyframe every second.
  ffmpeg = ffmpegRtp(port, { size: '640x360', rate: 30, gop: 30 });
});

test.afterAll(() => {
  ffmpeg?.kill('SIGKILL');
  station?.stop();
});

// Every page of this spec is the pilot's, signed in (tests/sign-in.ts).
test.beforeEach(async ({ page }) => signInPage(page, station.url, 'pilot'));

test.use({ viewport: { width: 1600, height: 900 } });

/** The station's console API as any console speaks it: snapshots in, commands out with their results. */
class Api {
  private snap: StationSnapshot | undefined;
  private readonly waiting = new Map<string, (r: { ok: boolean; result: string; reason: string }) => void>();
  private n = 0;
  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const m = JSON.parse(String(data)) as ServerMessage;
      if (m.type === 'snapshot') this.snap = m;
      else if (m.type === 'result') this.waiting.get(m.requestId)?.(m);
    });
  }

  static async open(url: string): Promise<Api> {
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}ws`, withSession(await signIn(url, 'pilot')));
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    return new Api(ws);
  }

  vehicle(id: string): VehicleView | undefined {
    return this.snap?.vehicles.find((v) => v.id === id);
  }

  command(sysid: number, cmd: VehicleCommand): Promise<{ ok: boolean; result: string; reason: string }> {
    const requestId = `replay-e2e-${++this.n}`;
    return new Promise((resolve) => {
      this.waiting.set(requestId, resolve);
      this.ws.send(JSON.stringify({ type: 'command', requestId, sysid, ...cmd }));
    });
  }

  close(): void {
    this.ws.close();
  }
}


/** JH-01: arm (again until the simulator's position estimate lets it), take off to 20 m, fly ~150 m, land. */
async function flyJh01(url: string): Promise<void> {
  const api = await Api.open(url);
  try {
    await expect.poll(() => api.vehicle('JH-01')?.latDeg ?? null, { timeout: 30_000 }).not.toBeNull();
    const sysid = api.vehicle('JH-01')!.sysid;
    await expect.poll(async () => (await api.command(sysid, { command: 'mode', mode: 'GUIDED' })).ok, { timeout: 60_000, intervals: [1000] }).toBe(true);
    await expect.poll(async () => (await api.command(sysid, { command: 'arm' })).ok, { timeout: 60_000, intervals: [1000] }).toBe(true);
    expect(await api.command(sysid, { command: 'takeoff', altRelM: 20 })).toMatchObject({ ok: true });
    await expect.poll(() => api.vehicle('JH-01')?.altRelM ?? 0, { timeout: 60_000 }).toBeGreaterThan(15);
    const v = api.vehicle('JH-01')!;
    const target = { latDeg: v.latDeg! + 0.001, lonDeg: v.lonDeg! + 0.001 };
    expect(await api.command(sysid, { command: 'goto', ...target, altRelM: 20 })).toMatchObject({ ok: true });
    await expect.poll(() => groundDistanceM(api.vehicle('JH-01') as { latDeg: number; lonDeg: number }, target), { timeout: 60_000 }).toBeLessThan(15);
    expect(await api.command(sysid, { command: 'land' })).toMatchObject({ ok: true });
    await expect.poll(() => api.vehicle('JH-01')?.armed, { timeout: 90_000 }).toBe(false);
  } finally {
    api.close();
  }
}

interface Stats { painted: number; decodeErrors: number; width: number; height: number }
const videoStats = (page: Page) => page.evaluate(() => (window as unknown as { kongxunReplayVideo?: Stats }).kongxunReplayVideo ?? null);
const markerAt = async (page: Page) => {
  const m = page.getByTestId('replay-drone');
  return { latDeg: Number(await m.getAttribute('data-lat')), lonDeg: Number(await m.getAttribute('data-lon')) };
};
/** The cursor: flight time (Unix ms) and the scrubber's offset from the start. */
const cursorMs = async (page: Page) => Number(await page.getByTestId('replay-time').getAttribute('data-t'));
const scrubberMs = async (page: Page) => Number(await page.getByTestId('replay-scrubber').inputValue());

test('replay a flight: listed, track, charts, events, play, video, seek by event', async ({ page }, testInfo) => {
  test.setTimeout(300_000);
  // Before any flight: the list says so.
  await page.goto(`${station.url}?view=replay`);
  await expect(page.getByTestId('view-replay')).toHaveClass(/active/);
  await expect(page.getByTestId('flight-list-empty')).toContainText('尚无飞行记录');
  await expect.poll(async () => ((await (await fetch(`${station.url}api/video`, withSession(await signIn(station.url, 'reviewer')))).json()) as { state: string }[])[0]?.state, { timeout: 20_000 }).toBe('live');

  await flyJh01(station.url);
  await expect
    .poll(async () => ((await (await fetch(`${station.url}api/flights`, withSession(await signIn(station.url, 'reviewer')))).json()) as FlightSummary[]).filter((f) => f.drone === 'JH-01' && !f.truncated && f.video.length > 0).length, { timeout: 30_000 })
    .toBeGreaterThan(0);

  // The list: JH-01's flight, newest first, with its video icon.
  await page.getByTestId('flight-refresh').click();
  const row = page.locator('[data-testid="flight"][data-drone="JH-01"]').first();
  await expect(row).toBeVisible();
  await expect(row.getByTestId('flight-video')).toBeVisible();
  await expect(row).toContainText(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/);
  await page.getByTestId('flight-filter').selectOption('JH-01');
  await expect(page.locator('[data-testid="flight"]').first()).toHaveAttribute('data-drone', 'JH-01');

  // Open it: the track, the altitude chart, the events with arm and disarm.
  await row.click();
  await expect(page).toHaveURL(/[?&]flight=/);
  const map = page.getByTestId('replay-map');
  await expect.poll(async () => Number(await map.getAttribute('data-track-points')), { timeout: 30_000 }).toBeGreaterThan(10);
  await expect(map.locator('path.replay-track')).toHaveCount(1);
  await expect(page.getByTestId('replay-drone')).toBeVisible();
  expect(Number(await page.getByTestId('chart-alt').getAttribute('data-points'))).toBeGreaterThan(10);
  await expect(page.getByTestId('chart-alt').locator('canvas')).toHaveCount(1);
  await expect(page.locator('[data-testid="replay-event"][data-kind="armed"]')).toHaveCount(1);
  await expect(page.locator('[data-testid="replay-event"][data-kind="disarmed"]')).toHaveCount(1);
  await expect(page.locator('[data-testid="replay-event"][data-kind="armed"]')).toContainText('解锁');

  // Play at 4×: the clock runs, and the recorded video follows it, decoding and painting a non-blank picture.
  const time = page.getByTestId('replay-time');
  const before = await time.textContent();
  await page.getByTestId('rate-4').click();
  await expect(page.getByTestId('rate-4')).toHaveClass(/active/);
  await page.getByTestId('replay-play').click();
  await expect(page.getByTestId('replay-play')).toHaveAttribute('data-playing', 'true');
  await expect(time).not.toHaveText(before ?? '', { timeout: 5_000 });
  await expect(page.getByTestId('replay-video')).toHaveAttribute('data-painted', 'true', { timeout: 20_000 });
  await expect.poll(async () => (await videoStats(page))?.painted ?? 0, { timeout: 15_000 }).toBeGreaterThan(10);
  expect(await screenshotVariance(page, 'replay-video-canvas')).toBeGreaterThan(500);
  expect(await scrubberMs(page)).toBeGreaterThan(0);
  await page.keyboard.press('Space');
  await expect(page.getByTestId('replay-play')).toHaveAttribute('data-playing', 'false');
  const paused = await time.textContent();
  await page.waitForTimeout(600);
  await expect(time).toHaveText(paused ?? '');
  const s = (await videoStats(page))!;
  expect(s.decodeErrors).toBe(0);
  expect([s.width, s.height]).toEqual([640, 360]);

  // Seek by clicking events: at the arm the drone is home, at the disarm it is where it landed, ~150 m away.
  await page.locator('[data-testid="replay-event"][data-kind="armed"]').click();
  const atArm = await markerAt(page);
  const paintedBeforeSeek = (await videoStats(page))!.painted;
  await page.locator('[data-testid="replay-event"][data-kind="disarmed"]').click();
  await expect.poll(async () => groundDistanceM(await markerAt(page), atArm)).toBeGreaterThan(100);
  // The video shows the picture of that point too.
  await expect.poll(async () => (await videoStats(page))!.painted, { timeout: 10_000 }).toBeGreaterThan(paintedBeforeSeek);
  await expect(page.locator('[data-testid="replay-event"][data-kind="disarmed"]')).toHaveClass(/current/);
  // ← steps back 5 s, → forward again.
  const atDisarm = await cursorMs(page);
  await page.keyboard.press('ArrowLeft');
  await expect.poll(() => cursorMs(page)).toBe(atDisarm - 5000);
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('ArrowRight');
  await expect.poll(() => cursorMs(page)).toBe(atDisarm - 5000);
  await page.waitForTimeout(1000);
  await page.screenshot({ path: testInfo.outputPath('replay-zh.png') });

  // English.
  await page.getByTestId('lang').click();
  await expect(page.getByTestId('view-replay')).toHaveText('Replay');
  await expect(page.locator('[data-testid="replay-event"][data-kind="disarmed"]')).toContainText('Disarmed');
  await expect(page.getByTestId('replay-play')).toContainText('Play');
  await page.waitForTimeout(500);
  await page.screenshot({ path: testInfo.outputPath('replay-en.png') });
});

test('an unknown flight is said plainly, with its id', async ({ page }) => {
  await page.goto(`${station.url}?view=replay&flight=${encodeURIComponent('no-such-log~7')}&lang=zh-CN`);
  const err = page.getByTestId('replay-error');
  await expect(err).toContainText('找不到飞行记录 no-such-log~7');
  await page.getByTestId('lang').click();
  await expect(err).toContainText('Flight no-such-log~7 not found');
});
