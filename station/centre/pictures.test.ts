/**
 * Alert pictures to the centre (issue 18) through a real Mosquitto (loopback, the README's ACL) with ffmpeg's
 * pictures: the station's alert snapshot (ffmpeg's JPEG of an H.264 keyframe ffmpeg encoded) follows its alert and
 * is shown with it at the centre, byte for byte, also when the broker was away (store and forward); a picture
 * over 96 KiB is made again smaller by ffmpeg; a picture not yet written waits; a hostile picture is refused.
 * The outbox drops pictures (oldest first) before it would drop an alert.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SystemClock } from '../../common/clock.js';
import type { Result } from '../../common/result.js';
import { AlertSnapshots } from '../video/alert-snapshot.js';
import { Centre } from './centre.js';
import { startCentreServer } from './centre-server.js';
import { addTestUser, signIn, testAuth, withSession } from '../../tests/sign-in.js';
import { SystemClock as WallClock } from '../../common/clock.js';
import { CentreLink } from './link.js';
import { openOutbox } from './outbox.js';
import { readPicture } from './pictures.js';
import { MAX_PICTURE_BYTES } from './schema.js';
import { FakeHost } from './testkit/fake-host.js';
import { startMosquitto, type Broker } from './testkit/mosquitto.js';
import { outTopic } from './topics.js';

const clock = new SystemClock();
let broker: Broker;
let centre: Centre;
const root = mkdtempSync(join(tmpdir(), 'kx-centre-pictures-'));

async function until(what: string, cond: () => boolean, maxMs = 30_000): Promise<void> {
  for (const t0 = performance.now(); !cond(); ) {
    if (performance.now() - t0 > maxMs) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

class PictureHost extends FakeHost {
  constructor(private readonly dir: string) {
    super();
  }
  picture(file: string): Promise<Result<Uint8Array | null>> {
    return readPicture(this.dir, file);
  }
}

/** One H.264 keyframe (Annex B, SPS/PPS + IDR) encoded by ffmpeg/libx264. */
function keyframe(size: string): Uint8Array {
  return execFileSync('/usr/bin/ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=25`, '-frames:v', '1', '-c:v', 'libx264', '-f', 'h264', 'pipe:1'], { maxBuffer: 64 << 20 });
}

beforeAll(async () => {
  broker = await startMosquitto({ users: ['centre', 'st7', 'st8'] });
  const c = Centre.start({ clock, url: broker.url, id: 'centre', username: 'centre', password: broker.password('centre'), reconnectMs: 200 });
  if (!c.ok) throw new Error(c.reason);
  centre = c.value;
  await until('centre connected', () => centre.connected);
});
afterAll(async () => {
  await centre.close();
  await broker.close();
  rmSync(root, { recursive: true, force: true });
});

describe('alert pictures to the centre', () => {
  it('follow their alert over the broker, also after it was away, and are shown with it', async () => {
    const dataDir = join(root, 'st7');
    const snapDir = join(dataDir, 'snapshots');
    const key = keyframe('1280x720');
    let now = Date.now();
    const snaps = new AlertSnapshots({ dir: snapDir, lastKeyframe: () => ({ data: key, atMs: now - 200 }), now: () => now });
    const host = new PictureHost(snapDir);
    host.fleetRows = [['JH-01', 24.6, 118.1, 60, 90, 'AUTO', 80, 'P001', 'up']];
    const l = CentreLink.start({ clock, url: broker.url, station: 'st7', username: 'st7', password: broker.password('st7'), dir: join(dataDir, 'centre'), host, fleetHz: 5, keepaliveS: 5, reconnectMs: 200 });
    if (!l.ok) throw new Error(l.reason);
    await addTestUser(join(dataDir, 'centre-users'), 'dispatcher', 'duty');
    const auth = testAuth(join(dataDir, 'centre-users'));
    const server = await startCentreServer({ centre, auth, clock: new WallClock(), port: 0 });
    if (!server.ok) throw new Error(server.reason);
    const session = withSession(await signIn(server.value.url, 'duty'));
    try {
      await until('st7 online', () => centre.station('st7')?.online === true);
      // The picture is named with the alert at once; ffmpeg writes it a moment later: the link waits for it.
      const s1 = snaps.take('JH-01', now)!;
      host.alerts.push({ atMs: now, level: 'critical', text: 'link lost', sortie: 'P001', drone: 'JH-01', latDeg: 24.6, lonDeg: 118.1, snapshot: s1 });
      await until('alert with its picture at the centre', () => centre.view().alerts.some((a) => a.snapshot === s1.file && a.picture));
      const a1 = centre.view().alerts.find((a) => a.snapshot === s1.file)!;
      expect(a1.picture).toEqual({ file: s1.file, takenAtMs: s1.atMs });
      const sent = readFileSync(join(snapDir, s1.file));
      expect(sent.length).toBeLessThanOrEqual(MAX_PICTURE_BYTES);
      const r = await fetch(`${server.value.url}api/picture/st7/${s1.file}`, session);
      expect(r.headers.get('content-type')).toBe('image/jpeg');
      expect(Buffer.from(await r.arrayBuffer()).equals(sent)).toBe(true);
      expect((await fetch(`${server.value.url}api/picture/st7/nope_1234567890123.jpg`, session)).status).toBe(404);

      // The broker away: the alert and its picture wait in the outbox, in that order, and go when it is back.
      // (Killed only once it has saved the centre's session, as a broker that has run a while has.)
      expect(await broker.persisted()).toBe(true);
      await broker.stop('SIGKILL');
      await until('link sees the broker gone', () => !l.value.connected);
      now = Date.now();
      const s2 = snaps.take('JH-01', now)!;
      host.alerts.push({ atMs: now, level: 'warning', text: 'battery low', sortie: 'P001', drone: 'JH-01', latDeg: null, lonDeg: null, snapshot: s2 });
      await until('alert and picture in the outbox', () => l.value.stats().outbox.pictures === 1 && l.value.stats().outbox.must >= 1);
      await broker.start();
      await until('second picture at the centre', () => centre.view().alerts.some((a) => a.snapshot === s2.file && a.picture), 40_000);
      expect(centre.picture('st7', s2.file)!.jpeg.equals(readFileSync(join(snapDir, s2.file)))).toBe(true);
      await until('outbox emptied by the PUBACKs', () => l.value.stats().outbox.must === 0 && l.value.stats().outbox.pictures === 0);
      expect(l.value.stats().outbox.droppedPictures).toBe(0);

      // A picture over 96 KiB (noise at the best quality) is made again at 320 px by ffmpeg and sent.
      const big = `JH-01_${Date.now()}_99.jpg`;
      execFileSync('/usr/bin/ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'nullsrc=s=1280x720,geq=random(1)*255:random(2)*255:random(3)*255', '-frames:v', '1', '-q:v', '1', '-y', join(snapDir, big)]);
      expect(readFileSync(join(snapDir, big)).length).toBeGreaterThan(MAX_PICTURE_BYTES);
      host.alerts.push({ atMs: Date.now(), level: 'critical', text: 'intruder', sortie: null, drone: 'JH-01', latDeg: null, lonDeg: null, snapshot: { file: big, atMs: Date.now() } });
      await until('the big picture, smaller', () => centre.picture('st7', big) !== undefined);
      const small = centre.picture('st7', big)!.jpeg;
      expect(small.length).toBeLessThanOrEqual(MAX_PICTURE_BYTES);
      const dims = execFileSync('/usr/bin/ffprobe', ['-v', 'error', '-show_entries', 'stream=width,height', '-of', 'csv=p=0', '-i', 'pipe:0'], { input: small }).toString().trim();
      expect(dims).toBe('320,180');
    } finally {
      await server.value.close();
      await l.value.close();
    }
  }, 120_000);

  it('a hostile picture is refused by the centre', async () => {
    const rejected = centre.rejected;
    const c = mqtt.connect(broker.url, { protocolVersion: 5, username: 'st8', password: broker.password('st8'), clientId: 'hostile-st8' });
    await new Promise((r) => c.once('connect', r));
    const base = { v: 1, atMs: 1, drone: 'JH-01', file: 'JH-01_1234567890123_0.jpg', takenAtMs: 1 };
    const bad = [
      { ...base, jpeg: Buffer.from('<svg onload=alert(1)>').toString('base64') }, // not a JPEG
      { ...base, jpeg: Buffer.alloc(MAX_PICTURE_BYTES + 3, 0xff).toString('base64') }, // too large
      { ...base, file: '../../etc/passwd', jpeg: 'AAAAAAAA' }, // not a picture name
      { ...base, jpeg: 'not base64 at all!' },
    ];
    for (const m of bad) await c.publishAsync(outTopic('st8', 'snapshot'), JSON.stringify(m), { qos: 1 });
    await c.endAsync();
    await until('four refused', () => centre.rejected - rejected === 4);
    expect(centre.picture('st8', base.file)).toBeUndefined();
  });

  it('the outbox lets pictures go (oldest first) before it would let an alert go', () => {
    const dir = join(root, 'outbox');
    mkdirSync(dir, { recursive: true });
    const box = openOutbox(dir, { maxPictureRows: 2, maxBytes: 40_000 });
    if (!box.ok) throw new Error(box.reason);
    const b = box.value;
    const pic = (n: number) => JSON.stringify({ n, jpeg: 'x'.repeat(10_000) });
    for (let i = 1; i <= 3; i++) {
      b.must('t/alert', (seq) => JSON.stringify({ seq, alert: i }));
      b.picture('t/snapshot', pic(i));
    }
    // Past two pictures, the oldest went; every alert is there.
    expect(b.counts()).toMatchObject({ must: 3, pictures: 2, droppedPictures: 1 });
    expect(b.next(0, 10).filter((r) => r.cls === 'picture').map((r) => (JSON.parse(r.payload) as { n: number }).n)).toEqual([2, 3]);
    // Past the bytes: alerts stay, pictures go.
    for (let i = 4; i <= 6; i++) b.must('t/alert', (seq) => JSON.stringify({ seq, alert: i, pad: 'y'.repeat(12_000) }));
    expect(b.counts().must).toBe(6);
    expect(b.counts().pictures).toBe(0);
    expect(b.counts().droppedPictures).toBe(3);
    expect(b.next(0, 10).every((r) => r.qos === 1)).toBe(true);
    b.close();
  });
});
