/**
 * `npx tsx bench/ui-frames.ts [seconds=10] [hours=1]` — the console in Debian's Chromium under fleet load.
 *
 * A fake station (HTTP for the bundled renderer + the /ws API of common/api/contract.ts) feeds the real
 * console synthetic snapshots: N drones flying circles over the sample station at 10 Hz, plus an event a
 * second. Each case is measured in the same run against the same page with no drone (the empty map):
 *   1. frames: requestAnimationFrame intervals (median, p95) and main-thread busy time per second (Chromium's
 *      own TaskDuration via CDP), for the wall screen (map + fleet table) and the dispatch desk (map + cards).
 *   2. memory: JS heap after GC at the start and after an hour of simulated telemetry (36 000 snapshots of
 *      50 drones and 3 600 events, fed at 100× speed), on the desk view. Trails, events and results are
 *      capped in the renderer; this shows the cap holds.
 * Prints figures and ratios; asserts nothing.
 */
import { chromium, type Page } from '@playwright/test';
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ServerMessage, StationEvent, VehicleView } from '../common/api/contract.js';
import { buildRenderer, rendererOut } from '../scripts/build.mjs';

const SECONDS = Number(process.argv[2] ?? 10);
const HOURS = Number(process.argv[3] ?? 1);
const CENTRE = { lat: 24.592, lon: 118.265 };

function drone(i: number, tMs: number): VehicleView {
  const a = (tMs / 1000) * 0.05 + i;
  const r = 0.004 + (i % 7) * 0.001;
  return {
    id: `D-${String(i + 1).padStart(2, '0')}`, sysid: 100 + i, compid: 1, autopilot: 'ArduPilot', vehicleType: 'quadrotor',
    connected: true, links: ['sim'], mode: 'AUTO', armed: true, systemStatus: 'ACTIVE',
    latDeg: CENTRE.lat + r * Math.sin(a), lonDeg: CENTRE.lon + r * Math.cos(a), altRelM: 60, altAmslM: 80,
    headingDeg: ((a * 180) / Math.PI + 90) % 360, rollDeg: 5 * Math.sin(a), pitchDeg: -3, groundSpeedMps: 10, climbMps: 0,
    batteryPct: 80 - (tMs / 60_000) % 60, batteryV: 15.6, batteryTimeLeftS: 900, gpsFixType: 3, gpsSatellites: 14, gpsHdop: 0.7,
    linkLossPct: 0.5, rttMs: 30, homeLatDeg: CENTRE.lat, homeLonDeg: CENTRE.lon, unhealthySensors: [], lastText: null, landed: 'in-air',
  };
}

interface Feed {
  url: string;
  setDrones(n: number): void;
  /** Send `count` snapshots (and an event every 10th) as fast as `perSecond` allows, advancing 100 ms each. */
  burst(count: number, perSecond: number): Promise<void>;
  close(): Promise<void>;
}

async function fakeStation(): Promise<Feed> {
  const geography = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'resources', 'samples', 'jinhai.geojson'), 'utf8')) as unknown;
  const http = createServer((req, res) => {
    const p = (req.url ?? '/').split('?')[0]!;
    const file = join(rendererOut, p === '/' ? 'index.html' : p.slice(1));
    if (!existsSync(file)) return void res.writeHead(404).end();
    const type = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' }[extname(file)] ?? 'application/octet-stream';
    res.writeHead(200, { 'content-type': type });
    createReadStream(file).pipe(res);
  });
  const wss = new WebSocketServer({ server: http, path: '/ws' });
  let n = 0;
  let tMs = Date.now();
  const snapshot = (): ServerMessage => ({ type: 'snapshot', atMs: tMs, station: 'bench', simulated: true, vehicles: Array.from({ length: n }, (_, i) => drone(i, tMs)) });
  const send = (ws: WebSocket, m: ServerMessage) => ws.send(JSON.stringify(m));
  const all = (m: ServerMessage) => wss.clients.forEach((c) => send(c, m));
  wss.on('connection', (ws) => {
    send(ws, { type: 'hello', station: 'bench', geography, simulated: true, version: 'bench', tiles: null });
    send(ws, snapshot());
  });
  let seq = 0;
  const tick = () => {
    tMs += 100;
    all(snapshot());
    if (++seq % 10 === 0 && n > 0) {
      const e: StationEvent = { atMs: tMs, sysid: 100 + (seq % n), kind: 'statustext', severity: 'info', text: 'x', args: { drone: `D-${(seq % n) + 1}`, text: `Reached waypoint #${seq}` } };
      all({ type: 'event', event: e });
    }
  };
  const live = setInterval(tick, 100);
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/`,
    setDrones: (k) => void (n = k),
    burst: async (count, perSecond) => {
      clearInterval(live);
      const batch = Math.max(1, Math.round(perSecond / 100));
      for (let i = 0; i < count; i += batch) {
        for (let j = 0; j < batch && i + j < count; j++) tick();
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    close: async () => {
      clearInterval(live);
      wss.clients.forEach((c) => c.terminate());
      wss.close();
      await new Promise<void>((r) => http.close(() => r()));
    },
  };
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};

async function frames(page: Page, seconds: number): Promise<{ median: number; p95: number; busyPct: number }> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  const metric = async () => ((await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'TaskDuration')?.value ?? 0);
  const t0 = await metric();
  // A string, not a function: tsx's name-keeping helper does not exist in the page.
  const intervals = (await page.evaluate(`new Promise((resolve) => {
    const out = [];
    let last = performance.now();
    const end = last + ${seconds * 1000};
    const step = (t) => { out.push(t - last); last = t; if (t < end) requestAnimationFrame(step); else resolve(out.slice(1)); };
    requestAnimationFrame(step);
  })`)) as number[];
  const busy = (await metric()) - t0;
  await cdp.detach();
  return { median: pct(intervals, 50), p95: pct(intervals, 95), busyPct: (100 * busy) / seconds };
}

async function heapMB(page: Page): Promise<number> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('HeapProfiler.collectGarbage');
  const { usedSize } = await cdp.send('Runtime.getHeapUsage');
  await cdp.detach();
  return usedSize / 1e6;
}

async function main() {
  await buildRenderer();
  const feed = await fakeStation();
  const browser = await chromium.launch({
    executablePath: process.env.KONGXUN_CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-timer-throttling', '--disable-renderer-backgrounding'],
  });
  const page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
  const open = async (view: string, drones: number) => {
    feed.setDrones(drones);
    await page.goto(`${feed.url}?view=${view}`);
    await page.waitForSelector('.leaflet-container');
    await page.waitForFunction(`document.querySelectorAll('.kx-drone').length === ${drones}`);
    await page.waitForTimeout(1500);
  };
  console.log(`ui-frames: Chromium ${browser.version()}, ${SECONDS} s per case, 10 Hz snapshots`);
  console.log('case                         frame median   frame p95   main thread busy');
  const rows: Record<string, Awaited<ReturnType<typeof frames>>> = {};
  for (const view of ['wall', 'desk']) {
    for (const n of [0, 50]) {
      await open(view, n);
      const r = (rows[`${view}:${n}`] = await frames(page, SECONDS));
      console.log(`${`${view}, ${n} drones`.padEnd(28)} ${r.median.toFixed(1).padStart(9)} ms ${r.p95.toFixed(1).padStart(9)} ms ${r.busyPct.toFixed(1).padStart(12)} %`);
    }
    const e = rows[`${view}:0`]!;
    const f = rows[`${view}:50`]!;
    console.log(`  ${view}: 50 drones / empty map: median ×${(f.median / e.median).toFixed(2)}, p95 ×${(f.p95 / e.p95).toFixed(2)}, busy ×${(f.busyPct / Math.max(0.1, e.busyPct)).toFixed(1)}`);
  }

  await open('desk', 50);
  const before = await heapMB(page);
  const snapshots = Math.round(HOURS * 36_000);
  const t0 = Date.now();
  const quarters: number[] = [];
  for (let q = 0; q < 4; q++) {
    await feed.burst(snapshots / 4, 1000);
    await page.waitForTimeout(1000);
    quarters.push(await heapMB(page));
  }
  const after = quarters[3]!;
  console.log(
    `memory (desk, 50 drones): ${before.toFixed(1)} MB at start; after each quarter of ${HOURS} h: ${quarters.map((q) => q.toFixed(1)).join(', ')} MB ` +
      `(${snapshots} snapshots in ${((Date.now() - t0) / 1000).toFixed(0)} s): end/start ×${(after / before).toFixed(2)}, end/first quarter ×${(after / quarters[0]!).toFixed(2)}`,
  );
  await browser.close();
  await feed.close();
}

await main();
