/**
 * `npx tsx bench/video-wall.ts [seconds=10] [streams=7]` — the wall screen with every drone's video (issue 18):
 * 7 streams at 720p30, one tile in focus, against today's wall where every tile decodes every frame, in the same
 * run on the same streams.
 *
 * ffmpeg sends one pre-encoded libx264 test pattern (zerolatency, keyframe every 30 frames, SPS/PPS in band) with
 * `-c copy -re -stream_loop -1` to each of N ports of `kongxun serve --video …` (the encoder's CPU does not compete
 * with what is measured). One Chromium (Debian's, software decoding, --disable-gpu) opens the wall:
 *   - previews (`?view=wall`): JH-01 clicked into focus (full rate), the other tiles previews (keyframes only);
 *   - all full rate (`?view=wall&previews=off`, today's wall): JH-01 enlarged, every tile decodes every frame.
 * For each: the focused tile's arrival in the station → painted median/p95 (the decoder worker's samples) and
 * its frames skipped by the latency guard; the other tiles' refresh interval (between painted pictures, median
 * and p95) and pictures painted per second; browser CPU (the Chromium process tree, /proc) and station CPU (the
 * serve process) over the window, in % of one core. Then the ratios previews / all-full-rate.
 * Prints figures; asserts nothing.
 */
import { chromium } from '@playwright/test';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeUdpPortPair } from '../tests/video/ffmpeg.js';
import { serve } from '../tests/e2e/station.js';

const SECONDS = Number(process.argv[2] ?? 10);
const STREAMS = Number(process.argv[3] ?? 7);
const dir = mkdtempSync(join(tmpdir(), 'kx-wall-bench-'));
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
const TAG = `--kx-wall-bench=${process.pid}`;

function cpuTicks(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return Number(f[11]) + Number(f[12]);
  } catch {
    return 0; // gone
  }
}

/** The browser's main process (found by a tag in its command line) and every process under it. */
function browserTree(): number[] {
  const ppid = new Map<number, number>();
  let root = 0;
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      ppid.set(Number(d), Number(readFileSync(`/proc/${d}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]));
      if (!root && readFileSync(`/proc/${d}/cmdline`, 'utf8').includes(TAG)) root = Number(d);
    } catch {
      /* gone */
    }
  }
  const out = new Set([root]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [p, pp] of ppid) if (!out.has(p) && out.has(pp)) grew = out.add(p).size > 0;
  }
  return [...out].filter((p) => p > 0);
}
const treeTicks = (pids: number[]) => pids.reduce((a, p) => a + cpuTicks(p), 0);

interface Stats { painted: number; skipped: number; decodeErrors: number; latencyMs: number[]; refreshMs: number[]; showing: string }
const q = (a: number[], p: number) => {
  const s = [...a].sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? NaN;
};

const file = join(dir, '720p.mkv');
execFileSync('/usr/bin/ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=30', '-t', '10', '-c:v', 'libx264', '-tune', 'zerolatency', '-g', '30', '-x264-params', 'repeat-headers=1', '-y', file]);
const ports: number[] = [];
for (let i = 0; i < STREAMS; i++) ports.push(await freeUdpPortPair());
const drones = ports.map((_, i) => `JH-0${i + 1}`);
const station = await serve(ports.flatMap((p, i) => ['--video', `${drones[i]}=rtp://127.0.0.1:${p}`]));
const senders: ChildProcess[] = ports.map((p) => spawn('/usr/bin/ffmpeg', ['-hide_banner', '-loglevel', 'error', '-re', '-stream_loop', '-1', '-i', file, '-c', 'copy', '-f', 'rtp', `rtp://127.0.0.1:${p}`], { stdio: 'ignore' }));
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', TAG] });

interface Result { median: number; p95: number; skipped: number; errors: number; refreshMed: number; refreshP95: number; otherFps: number; focusFps: number; browserPct: number; stationPct: number; showing: string }

async function runCase(query: string): Promise<Result> {
  const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
  await page.goto(`${station.url}?view=wall${query}`);
  await page.getByTestId('video-JH-01').click();
  await wait(5000);
  const read = () => page.evaluate((ds) => ds.map((d) => (window as unknown as { kongxunVideo?: Record<string, Stats> }).kongxunVideo?.[d] ?? null), drones);
  const pids = browserTree();
  const b0 = treeTicks(pids);
  const s0 = cpuTicks(station.proc.pid!);
  const before = await read();
  await wait(SECONDS * 1000);
  const after = await read();
  const b1 = treeTicks(pids);
  const s1 = cpuTicks(station.proc.pid!);
  await page.close();
  const focus = after[0]!;
  const n0 = before[0]?.latencyMs.length ?? 0;
  const lat = focus.latencyMs.slice(n0 >= focus.latencyMs.length ? -Math.round(SECONDS * 30) : n0 - focus.latencyMs.length);
  const others = after.slice(1);
  const refresh = others.flatMap((s) => s?.refreshMs.slice(-Math.round(SECONDS * 30)) ?? []);
  const painted = (i: number) => (after[i]?.painted ?? 0) - (before[i]?.painted ?? 0);
  return {
    median: q(lat, 0.5),
    p95: q(lat, 0.95),
    skipped: focus.skipped - (before[0]?.skipped ?? 0),
    errors: after.reduce((a, s) => a + (s?.decodeErrors ?? 0), 0),
    refreshMed: q(refresh, 0.5),
    refreshP95: q(refresh, 0.95),
    otherFps: others.reduce((a, _, i) => a + painted(i + 1), 0) / others.length / SECONDS,
    focusFps: painted(0) / SECONDS,
    browserPct: (b1 - b0) / SECONDS,
    stationPct: (s1 - s0) / SECONDS,
    showing: [...new Set(others.map((s) => s?.showing))].join('/'),
  };
}

const line = (name: string, r: Result) =>
  console.log(
    `${name.padEnd(26)} focused tile: painted median ${r.median.toFixed(1)} ms, p95 ${r.p95.toFixed(1)} ms, ${r.focusFps.toFixed(1)} fps, skipped ${r.skipped} | ` +
      `other ${STREAMS - 1} tiles (${r.showing}): refresh median ${r.refreshMed.toFixed(0)} ms, p95 ${r.refreshP95.toFixed(0)} ms, ${r.otherFps.toFixed(1)} pictures/s each | ` +
      `browser CPU ${r.browserPct.toFixed(0)} % | station CPU ${r.stationPct.toFixed(0)} % | decode errors ${r.errors}`,
  );

try {
  await wait(2000);
  const full = await runCase('&previews=off');
  line(`${STREAMS}×720p30, all full rate`, full);
  const prev = await runCase('');
  line(`${STREAMS}×720p30, previews`, prev);
  const x = (a: number, b: number) => `×${(a / b).toFixed(2)}`;
  console.log(
    `${'previews / all full rate'.padEnd(26)} focused median ${x(prev.median, full.median)}, p95 ${x(prev.p95, full.p95)} | skipped ${prev.skipped} vs ${full.skipped} | ` +
      `browser CPU ${x(prev.browserPct, full.browserPct)} | station CPU ${x(prev.stationPct, full.stationPct)} | other tiles' refresh ${x(prev.refreshMed, full.refreshMed)}`,
  );
} finally {
  for (const s of senders) s.kill('SIGKILL');
  await browser.close();
  station.stop();
}
