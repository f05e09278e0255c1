/**
 * The simulator's parameter and file services as ArduPilot 4.7 behaves (captures in tests/fixtures/params):
 * the captured directory listings byte for byte, FileNotFound for @PARAM, param.pck generated from the live
 * parameters in the real packed format (defaults flagged in ?withdefaults=1), the parameter list paced at
 * 30 % of a 57600-baud radio, bursts at a third of it without flow control, unsolicited PARAM_VALUE on a
 * change, and the cached reply to a repeated request.
 */
import { common } from 'mavlink-mappings';
import { afterEach, describe, expect, it } from 'vitest';
import { make } from '../mavlink/codec/messages.js';
import { FtpClient } from '../mavlink/services/ftp/client.js';
import { Op, decodeFtp, ftpMessage } from '../mavlink/services/ftp/protocol.js';
import { decodePacked } from '../mavlink/services/param/packed.js';
import { GcsHarness } from './testkit.js';

let h: GcsHarness | undefined;
afterEach(() => {
  h?.stop();
  h = undefined;
});

async function settle<T>(hh: GcsHarness, p: Promise<T>, maxMs = 600_000): Promise<T> {
  let done = false;
  let v: T | undefined;
  void p.then((x) => {
    done = true;
    v = x;
  });
  for (let t = 0; !done && t < maxMs; t += 20) {
    hh.clock.advance(20);
    await Promise.resolve();
    await Promise.resolve();
  }
  if (!done) throw new Error('not settled');
  return v as T;
}

function client(hh: GcsHarness): FtpClient {
  return new FtpClient({ clock: hh.clock, link: hh.gcs, target: { sysid: 1, compid: 1 }, gcsSysid: 255, gcsCompid: 190 });
}

let seq = 100;
/** The ACK data of a ListDirectory, raw, as mavftp-listing.txt shows it. */
function rawListing(hh: GcsHarness, path: string): string {
  const since = hh.t;
  const data = new TextEncoder().encode(path);
  seq += 2;
  hh.gcs.send(ftpMessage(1, 1, { opcode: Op.ListDirectory, seq, data, size: data.length, offset: 0 }));
  hh.advance(100, 10);
  const reply = hh.of<common.FileTransferProtocol>(110, since).map((m) => decodeFtp(m.payload)).at(-1)!;
  return reply.opcode === Op.Nak ? `NAK ${reply.data[0]}` : Buffer.from(reply.data).toString('latin1');
}

describe('simulated MAVFTP and parameters', () => {
  it('lists directories exactly as the captured ArduCopter does', () => {
    h = new GcsHarness();
    h.advance(500);
    expect(rawListing(h, '@SYS')).toBe(
      'Fthreads.txt\t100000\0\0Ftasks.txt\t100000\0\0Fdma.txt\t100000\0\0Fmemory.txt\t100000\0\0Fuarts.txt\t100000\0\0Ftimers.txt\t100000\0\0Fcan_log.txt\t100000\0\0Fcan0_stats.txt\t100000\0\0Fcan1_stats.txt\t100000\0\0Fcrash_dump.bin\t100000\0\0Fstorage.bin\t16384\0\0',
    );
    expect(rawListing(h, '@ROMFS')).toBe('Flocations.txt\t4727\0\0Dmodels\0\0');
    expect(rawListing(h, '@PARAM')).toBe('NAK 10');
    expect(rawListing(h, '@MISSION')).toBe('NAK 10');
    expect(rawListing(h, '/')).toBe('D.\0\0D..\0\0Dterrain\0\0DAPM\0\0D@ROMFS\0\0D@SYS\0\0');
  });

  it('serves @PARAM/param.pck from the live parameters, defaults flagged in ?withdefaults=1', async () => {
    h = new GcsHarness();
    h.advance(500);
    h.drone.params.set('RTL_ALT', 2000);
    const c = client(h);
    const r = await settle(h, c.read({ path: '@PARAM/param.pck' }));
    const d = r.ok ? decodePacked(r.data) : undefined;
    expect(d?.ok && d.file.params.length).toBe(1349);
    expect(d?.ok && d.file.params.find((p) => p.name === 'RTL_ALT')?.value).toBe(2000);
    expect(r.ok && r.sizeAtOpen).toBe(1349 * 12);
    const w = await settle(h, c.read({ path: '@PARAM/param.pck?withdefaults=1' }));
    const dw = w.ok ? decodePacked(w.data) : undefined;
    expect(dw?.ok && dw.file.params.filter((p) => p.defaultValue !== undefined).map((p) => [p.name, p.value, p.defaultValue])).toEqual([['RTL_ALT', 2000, 1500]]);
  });

  it('announces any parameter change with PARAM_VALUE index 65535', () => {
    h = new GcsHarness();
    h.advance(1500);
    const since = h.t;
    h.drone.params.set('MIS_TOTAL', 3);
    h.advance(100);
    const pv = h.of<common.ParamValue>(22, since);
    expect(pv.map((p) => [p.paramId, p.paramValue, p.paramIndex, p.paramCount])).toEqual([['MIS_TOTAL', 3, 65535, 1349]]);
  });

  it('paces the parameter list at 30 % of a 57600-baud radio (~29 s for 1349), as ArduPilot does', () => {
    h = new GcsHarness({}, { bytesPerSecond: 5760 });
    h.drone.radio = { bytesPerSecond: 5760 };
    h.advance(2000);
    const since = h.t;
    h.gcs.send(make(common.ParamRequestList, { targetSystem: 1, targetComponent: 1 }));
    h.runUntil(() => h!.of<common.ParamValue>(22, since).length >= 1349, 120_000, 100);
    const took = (h.t - since) / 1000;
    expect(took).toBeGreaterThan(25);
    expect(took).toBeLessThan(33);
  });

  it('bursts at a third of the bandwidth without flow control, at 80 % of it with flow control', () => {
    h = new GcsHarness();
    h.drone.radio = { bytesPerSecond: 5760 };
    expect(h.drone.fileServices.ftp.blockIntervalMs(239)).toBe(138);
    h.drone.radio = { bytesPerSecond: 5760, flowControl: true };
    expect(h.drone.fileServices.ftp.blockIntervalMs(239)).toBeCloseTo(46.2 / 0.8, 1);
  });

  it('answers a repeated request with its cached reply (no second open)', () => {
    h = new GcsHarness();
    h.advance(500);
    const path = new TextEncoder().encode('@SYS/uarts.txt');
    const open = ftpMessage(1, 1, { opcode: Op.OpenFileRO, seq: 7, session: 3, data: path, size: path.length });
    const since = h.t;
    h.gcs.send(open);
    h.advance(50, 10);
    h.gcs.send(open);
    h.advance(50, 10);
    const replies = h.of<common.FileTransferProtocol>(110, since).map((m) => decodeFtp(m.payload));
    expect(replies.map((p) => [p.opcode, p.seq, p.reqOpcode])).toEqual([[Op.Ack, 8, Op.OpenFileRO], [Op.Ack, 8, Op.OpenFileRO]]);
    expect(h.drone.fileServices.ftp.stats.repeats).toBe(1);
  });
});
