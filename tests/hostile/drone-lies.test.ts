/**
 * A hostile drone, for real: a simulated ArduCopter on a real TCP port, and between it and the station a
 * proxy (proxy.ts) that makes it lie — an MAVFTP block at offset 0xFFFFFF00, parameter names with terminal
 * escapes, NaN and Infinity values, a STATUSTEXT flood. Each case says what the station said and what was lost.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { common } from 'mavlink-mappings';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock, SystemClock } from '../../common/clock.js';
import { make } from '../../mavlink/codec/messages.js';
import { Op, decodeFtp } from '../../mavlink/services/ftp/protocol.js';
import { parseParm } from '../../mavlink/services/param/parm-file.js';
import { SimFleet } from '../../sitl/fleet.js';
import { stationEvent } from '../../station/api/views.js';
import type { StationEvent } from '../../common/api/contract.js';
import { runCli, tcpSimFleet } from '../cli.js';
import { createStation } from '../../station/compose.js';
import { EventFlood, RecentEvents } from '../../station/vehicle/event-flood.js';
import { HostileProxy } from './proxy.js';
import { memoryMb, until } from './wire.js';

let fleet: SimFleet | undefined;
let proxy: HostileProxy | undefined;
let dir = '';
const PORT = 29_000 + (process.pid % 1000) * 10;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kongxun-hostile-'));
  fleet = await tcpSimFleet({ basePort: PORT });
  proxy = await HostileProxy.start(PORT);
});
afterEach(() => {
  if (proxy) proxy.rewrite = () => undefined;
});
afterAll(async () => {
  await proxy?.close();
  await fleet?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('a hostile drone through a proxy on loopback', () => {
  it('MAVFTP block at offset 0xFFFFFF00: params pull fails naming the offset (before: 4 GiB allocated, never finished)', async () => {
    proxy!.rewrite = (m) => {
      if (!(m instanceof common.FileTransferProtocol)) return undefined;
      const p = decodeFtp(m.payload);
      if (p.reqOpcode !== Op.BurstReadFile || p.opcode !== Op.Ack || p.offset !== 239 * 20) return undefined;
      const payload = [...m.payload];
      payload[8] = 0x00;
      payload[9] = 0xff;
      payload[10] = 0xff;
      payload[11] = 0xff;
      return [make(common.FileTransferProtocol, { targetNetwork: m.targetNetwork, targetSystem: m.targetSystem, targetComponent: m.targetComponent, payload })];
    };
    const before = memoryMb();
    const r = await runCli('params', 'pull', '--via', 'ftp', '--no-cache', '--connect', proxy!.url, '--data', join(dir, 'd1'), '--out', join(dir, 'ftp.parm'));
    const after = memoryMb();
    console.log(`hostile ftp offset: exit ${r.code}: ${r.err.split('\n').at(-1)}; heap ${before.heap} → ${after.heap} MB, array buffers ${before.buffers} → ${after.buffers} MB`);
    expect(r.code).toBe(1);
    expect(r.err).toContain('offset 4294967040 is beyond the file');
  }, 60_000);

  it('parameter names with terminal escapes, NaN and Infinity: refused by name, the .parm re-readable, nothing raw printed', async () => {
    proxy!.rewrite = (m) => {
      if (!(m instanceof common.ParamValue)) return undefined;
      if (m.paramId === 'RTL_ALT') m.paramId = '\x1b[2J\x1b[31mEVIL\x07';
      else if (m.paramId === 'FS_GCS_ENABLE') m.paramValue = NaN;
      else if (m.paramId === 'WPNAV_SPEED') m.paramValue = Infinity;
      else return undefined;
      return [m];
    };
    const out = join(dir, 'list.parm');
    const r = await runCli('params', 'pull', '--via', 'list', '--no-cache', '--connect', proxy!.url, '--data', join(dir, 'd2'), '--out', out);
    console.log(`hostile params: exit ${r.code}\n${r.err}`);
    expect(r.code).toBe(1);
    expect(r.err).toContain('refused FS_GCS_ENABLE: value NaN is not a finite number');
    expect(r.err).toContain('refused WPNAV_SPEED: value Infinity is not a finite number');
    expect(r.err).toContain('refused "\ufffd[2J\ufffd[31mEVIL\ufffd": not a parameter name');
    expect(r.err + r.out).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/);
    const text = readFileSync(out, 'utf8');
    expect(text).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/);
    const back = parseParm(text);
    expect(back.ok, back.ok ? '' : back.reason).toBe(true);
    // What was lost: exactly the three refused parameters.
    if (back.ok) expect(back.params.length).toBe(1349 - 3);
  }, 60_000);

  it('29 700 STATUSTEXTs: merged ×N and rate-limited per vehicle; the alert before the flood stays in a new console\'s history', async () => {
    const created = await createStation({ clock: new SystemClock(), dataDir: join(dir, 'd3'), connections: [proxy!.url], record: false });
    expect(created.ok).toBe(true);
    if (!created.ok) return;
    const station = created.value;
    try {
      expect(await until(() => station.vehicle(1) !== undefined)).toBe(true);
      const windowClock = new FakeClock();
      const seen: StationEvent[] = [];
      const recent = new RecentEvents(50);
      const flood = new EventFlood(windowClock, (e) => {
        seen.push(e);
        recent.add(e);
      });
      let texts = 0;
      station.on('statustext', (e) => {
        texts++;
        const ev = stationEvent(e, windowClock.now(), new Map([[1, 'JH-01']]));
        if (ev) flood.push(ev);
      });
      const st = (severity: number, text: string) => proxy!.encode(make(common.StatusText, { severity, text, id: 0, chunkSeq: 0 }));
      await proxy!.inject([st(common.MavSeverity.EMERGENCY, 'EKF variance: land now')]);
      expect(await until(() => texts >= 1)).toBe(true);
      // 29 700 texts: 19 700 the same, 10 000 all different (as a flooding component would).
      const N_SAME = 19_700;
      const N_DIFF = 10_000;
      for (let k = 0; k < 30; k++) {
        const batch: Uint8Array[] = [];
        for (let i = 0; i < N_SAME / 30; i++) batch.push(st(common.MavSeverity.INFO, '\x1b[5mGPS glitch'));
        for (let i = 0; i < N_DIFF / 30; i++) batch.push(st(common.MavSeverity.INFO, `flood ${k}.${i}`));
        await proxy!.inject(batch);
      }
      expect(await until(() => texts >= 1 + N_SAME + N_DIFF - 100, 3000)).toBe(true);
      windowClock.advance(5000);
      flood.close();
      const received = texts;
      console.log(`statustext flood: ${received} texts in → ${seen.length} events out (merged ${flood.totals.merged}, held ${flood.totals.held})`);
      // Per vehicle and window: at most 10 texts, one ×N per text passed, one flood notice.
      expect(seen.length).toBeLessThanOrEqual(10 + 10 + 1);
      const merged = seen.find((e) => e.args?.repeats !== undefined);
      expect(merged?.text).toMatch(/JH-01: \ufffd\[5mGPS glitch ×\d+/);
      const notice = seen.find((e) => e.kind === 'statustext-flood');
      expect(Number(notice?.args?.count)).toBeGreaterThan(N_DIFF - 20);
      expect(seen.every((e) => !/[\x00-\x1f]/.test(e.text))).toBe(true);
      // A console that connects now is shown the alert that came before the flood.
      const history = recent.list();
      expect(history[0]?.severity).toBe('alert');
      expect(history[0]?.text).toContain('EKF variance: land now');
    } finally {
      await station.close();
    }
  }, 120_000);
});
