/**
 * Serial transport over a socat pty pair: bytes both ways, then socat is killed and restarted and both ends
 * must reconnect by themselves; a device that appears only after the transport opened is waited for. socat is required: without it these tests fail (CI installs it).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SystemClock } from '../../common/clock.js';
import { SerialTransport, serialPeerId } from './serial.js';
import { Recorder, waitFor } from './testing.js';

const clock = new SystemClock();
const backoff = { initialMs: 20, maxMs: 160 };
const dir = mkdtempSync(join(tmpdir(), 'kongxun-serial-'));
const pathA = join(dir, 'a');
const pathB = join(dir, 'b');

function findSocat(): string | undefined {
  const dirs = [...(process.env['PATH'] ?? '').split(delimiter), '/usr/bin', '/usr/local/bin', '/opt/homebrew/bin'];
  return dirs.map((d) => join(d, 'socat')).find((p) => existsSync(p));
}

let socat: ChildProcess | undefined;
let socatLog = '';

async function startSocat(): Promise<void> {
  const bin = findSocat();
  if (!bin) {
    throw new Error('socat is not installed: the serial transport tests need it to make a pty pair (apt-get install socat)');
  }
  socatLog = '';
  const child = spawn(bin, ['-d', '-d', `pty,raw,echo=0,link=${pathA}`, `pty,raw,echo=0,link=${pathB}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr?.on('data', (d: Buffer) => {
    socatLog += d.toString();
  });
  child.on('error', (e) => {
    socatLog += `spawn failed: ${e.message}`;
  });
  socat = child;
  await waitFor(() => (existsSync(pathA) && existsSync(pathB)) || child.exitCode !== null || socatLog.includes('spawn failed'), 'socat to create the pty pair');
  if (!existsSync(pathA) || !existsSync(pathB)) throw new Error(`socat did not create the pty pair:\n${socatLog}`);
}

async function stopSocat(): Promise<void> {
  const child = socat;
  socat = undefined;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM'); // SIGTERM, so socat removes its links
  await exited;
}

const ends: SerialTransport[] = [];
function serial(path: string, waitForDevice?: boolean): SerialTransport {
  const t = new SerialTransport(`serial://${path}:57600`, { path, baud: 57600 }, clock, { backoff, ...(waitForDevice !== undefined ? { waitForDevice } : {}) });
  ends.push(t);
  return t;
}

/** Why the pty pair could not be made (socat missing, or it failed): every pty test then fails with it. */
let setupError: unknown;
function requirePtyPair(): void {
  if (setupError !== undefined) throw setupError;
}

beforeAll(async () => {
  try {
    await startSocat();
  } catch (e) {
    setupError = e;
  }
});

afterAll(async () => {
  await Promise.all(ends.map((t) => t.close()));
  await stopSocat();
  rmSync(dir, { recursive: true, force: true });
});

describe('serial over a socat pty pair', () => {
  const a = serial(pathA);
  const b = serial(pathB);
  const ra = new Recorder();
  const rb = new Recorder();

  it('opens both ends and exchanges bytes both ways', async () => {
    requirePtyPair();
    expect(await a.open(ra)).toEqual({ ok: true, value: undefined });
    expect(await b.open(rb)).toEqual({ ok: true, value: undefined });
    expect(ra.statuses).toEqual([{ state: 'opening' }, { state: 'connected', peer: serialPeerId(pathA) }]);
    expect(a.peers()).toEqual([serialPeerId(pathA)]);

    const ab = Array.from({ length: 300 }, (_, i) => i & 0xff);
    expect(a.send(new Uint8Array(ab))).toBe(true);
    expect(b.send(new Uint8Array([0xfd, 9, 0]))).toBe(true);
    await waitFor(() => rb.bytes().length >= ab.length && ra.bytes().length >= 3, 'bytes across the pty pair');
    expect(rb.bytes()).toEqual(ab);
    expect(ra.bytes()).toEqual([0xfd, 9, 0]);
    expect([...ra.data, ...rb.data].every((d) => !d.datagram && d.peer.startsWith('serial:'))).toBe(true);
  });

  it('reconnects with backoff when the device goes away and comes back', async () => {
    requirePtyPair();
    await stopSocat();
    await waitFor(() => ra.count('disconnected') === 1 && rb.count('disconnected') === 1, 'both ends to notice the device is gone');
    expect(a.peers()).toEqual([]);
    expect(a.send(new Uint8Array([1]))).toBe(false);
    // While the device is missing, each reopen fails and the delay grows.
    await waitFor(() => ra.count('reconnecting') >= 3, 'a few reopen attempts');
    const delays = ra.statuses.flatMap((s) => (s.state === 'reconnecting' ? [s.inMs] : []));
    expect(delays.slice(0, 3)).toEqual([20, 40, 80]);

    await startSocat();
    await waitFor(() => ra.count('connected') === 2 && rb.count('connected') === 2, 'both ends to reopen the device');
    const before = { a: ra.bytes().length, b: rb.bytes().length };
    a.send(new Uint8Array([1, 2, 3]));
    b.send(new Uint8Array([4, 5, 6]));
    await waitFor(() => rb.bytes().length >= before.b + 3 && ra.bytes().length >= before.a + 3, 'bytes after reconnecting');
    expect(rb.bytes().slice(before.b)).toEqual([1, 2, 3]);
    expect(ra.bytes().slice(before.a)).toEqual([4, 5, 6]);
  });

  it('close stops reconnecting and reports closed', async () => {
    requirePtyPair();
    await a.close();
    expect(ra.states().at(-1)).toBe('closed');
    expect(a.send(new Uint8Array([1]))).toBe(false);
  });
});

describe('a device plugged in after the start', () => {
  it('is waited for, with the reason, and connects when it appears', async () => {
    const late = join(dir, 'late');
    const t = serial(late);
    const rec = new Recorder();
    const r = await t.open(rec);
    expect(r.ok).toBe(true);
    await waitFor(() => rec.count('reconnecting') >= 2, 'a few tries while the device is missing');
    const first = rec.statuses.find((x) => x.state === 'reconnecting');
    expect(first && 'reason' in first ? first.reason : '').toMatch(/late.*not found.*plugged in/);
    expect(t.peers()).toEqual([]);
    // The radio is plugged in: socat makes the device (and its other end) appear.
    const bin = findSocat();
    if (!bin) throw new Error('socat is not installed (apt-get install socat)');
    const other = join(dir, 'late-other');
    const child = spawn(bin, [`pty,raw,echo=0,link=${late}`, `pty,raw,echo=0,link=${other}`], { stdio: 'ignore' });
    try {
      await waitFor(() => existsSync(other), 'socat to make the late device');
      await waitFor(() => rec.count('connected') === 1, 'the transport to open the late device');
      const b = serial(other);
      const rb = new Recorder();
      expect((await b.open(rb)).ok).toBe(true);
      expect(t.send(new Uint8Array([7, 8, 9]))).toBe(true);
      await waitFor(() => rb.bytes().length >= 3, 'bytes from the late device');
      expect(rb.bytes()).toEqual([7, 8, 9]);
      await b.close();
      await t.close();
    } finally {
      child.kill('SIGTERM');
    }
  });
});

describe('a device node that goes while its port stays open', () => {
  it('is seen as lost by the look at the device (the port itself says nothing), and reopened when it is back', async () => {
    const bin = findSocat();
    if (!bin) throw new Error('socat is not installed (apt-get install socat)');
    const dev = join(dir, 'radio');
    const other = join(dir, 'radio-other');
    const child = spawn(bin, [`pty,raw,echo=0,link=${dev}`, `pty,raw,echo=0,link=${other}`], { stdio: 'ignore' });
    try {
      await waitFor(() => existsSync(dev) && existsSync(other), 'socat to make the device');
      const t = serial(dev);
      const rec = new Recorder();
      expect((await t.open(rec)).ok).toBe(true);
      // The node disappears (as /dev/ttyUSB0 does when the adapter is unplugged) while the pty behind it lives on:
      // the port gets no error and no close. The transport notices from the path.
      renameSync(dev, `${dev}.away`);
      await waitFor(() => rec.count('disconnected') === 1, 'the transport to notice the device is gone', 5000);
      const lost = rec.statuses.find((s) => s.state === 'disconnected');
      expect(lost && 'reason' in lost ? lost.reason : '').toBe(`device lost: ${dev} is gone`);
      expect(t.peers()).toEqual([]);
      renameSync(`${dev}.away`, dev);
      await waitFor(() => rec.count('connected') === 2, 'the transport to reopen the device', 5000);
      await t.close();
    } finally {
      child.kill('SIGTERM');
    }
  });
});

describe('serial errors are values', () => {
  it('a missing device with waitForDevice: false → not_found, naming the device', async () => {
    const missing = join(dir, 'no-such-device');
    const t = serial(missing, false);
    const rec = new Recorder();
    const r = await t.open(rec);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.code).toBe('not_found');
    expect(r.reason).toContain(missing);
    expect(rec.states()).toEqual(['opening', 'error']);
    expect(t.peers()).toEqual([]);
  });
});
