/**
 * MavConnection basics over an in-test transport: MAVLink 2 out, a sequence counter per link (never shared),
 * datagram vs stream input, unknown ids passed to listeners, listener errors contained, re-entrant delivery.
 */
import { describe, expect, it } from 'vitest';
import { common, minimal } from 'mavlink-mappings';
import { FakeClock } from '../../common/clock.js';
import { MavConnection, type Received, type Sent } from '../connection.js';
import type { Transport, TransportEvents } from '../transport/types.js';
import { FrameParser, STX_V2, encodeV1, encodeV2 } from './frame.js';
import { baseLength, encodePayload, make, type MavLinkData, type MessageClass } from './messages.js';

/** `make` with loosely typed fields: bitmask values (e.g. base_mode 81) are plain numbers on the wire. */
const mk = <T extends MavLinkData>(cls: new () => T, fields: Record<string, unknown>): T => make(cls, fields as Partial<T>);

class TestTransport implements Transport {
  readonly kind = 'memory' as const;
  events: TransportEvents | undefined;
  readonly sent: Uint8Array[] = [];
  /** Optional synchronous loop-back to another transport. */
  peer: TestTransport | undefined;
  constructor(readonly url: string) {}
  async open(events: TransportEvents) {
    this.events = events;
    return { ok: true as const, value: undefined };
  }
  send(bytes: Uint8Array): boolean {
    this.sent.push(bytes.slice());
    this.peer?.events?.onData(bytes.slice(), this.url, false);
    return true;
  }
  async close() {}
  peers() {
    return ['memory:peer'];
  }
  inject(bytes: Uint8Array, datagram = false, peer = 'memory:peer') {
    this.events!.onData(bytes, peer, datagram);
  }
}

const heartbeat = () => mk(minimal.Heartbeat, { customMode: 0, type: 6, autopilot: 8, baseMode: 0, systemStatus: 4, mavlinkVersion: 3 });

function v2(msg: MavLinkData, seq = 0, sysid = 1, compid = 1): Uint8Array {
  const { msgid, crcExtra, payload } = encodePayload(msg);
  return encodeV2({ seq, sysid, compid }, msgid, crcExtra, payload);
}

async function open(url: string, sysid = 255, compid = 190) {
  const t = new TestTransport(url);
  const c = new MavConnection(t, { clock: new FakeClock(), sysid, compid });
  await c.open();
  const got: Received[] = [];
  c.onMessage((r) => got.push(r));
  return { t, c, got };
}

describe('MavConnection', () => {
  it('sends nothing when the writer refuses a field, and says why', async () => {
    const { t, c } = await open('memory:nan');
    const r = c.send(make(common.CommandInt, { command: 192, _param5: NaN, _param6: 1180894000 }));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(/_param5 = NaN/);
    expect(t.sent).toEqual([]);
    expect(c.stats.refusedValues).toBe(1);
    expect(c.stats.framesOut).toBe(0);
  });

  it('sends MAVLink 2 from our sysid/compid, and sendAs from another component', async () => {
    const { t, c } = await open('memory:a');
    const sent: Sent[] = [];
    c.onSent((s) => sent.push(s));
    const sent0 = c.send(heartbeat());
    if (!sent0.ok) throw new Error(sent0.reason);
    const f = sent0.value;
    expect(f[0]).toBe(STX_V2);
    expect([f[5], f[6]]).toEqual([255, 190]);
    c.sendAs(heartbeat(), 1, 100);
    const parsed = new FrameParser().push(new Uint8Array(Buffer.concat(t.sent)));
    expect(parsed.map((p) => [p.version, p.sysid, p.compid, p.msgid])).toEqual([
      [2, 255, 190, 0],
      [2, 1, 100, 0],
    ]);
    expect(sent.map((s) => s.msgid)).toEqual([0, 0]);
    expect(c.stats.framesOut).toBe(2);
  });

  it('keeps a sequence counter per link: two connections do not share, each wraps at 256', async () => {
    const a = await open('memory:a');
    const b = await open('memory:b');
    for (let k = 0; k < 300; k++) a.c.send(heartbeat());
    b.c.send(heartbeat());
    b.c.send(heartbeat());
    const seqA = a.t.sent.map((f) => f[4]);
    expect(seqA.slice(0, 3)).toEqual([0, 1, 2]);
    expect(seqA.slice(254, 258)).toEqual([254, 255, 0, 1]);
    expect(b.t.sent.map((f) => f[4])).toEqual([0, 1]);
  });

  it('delivers decoded messages with peer and time, MAVLink 1 included', async () => {
    const { t, got } = await open('memory:a');
    const msg = mk(common.ParamValue, { paramValue: 4, paramCount: 1349, paramIndex: 7, paramId: 'MAV1_EXTRA1', paramType: 2 });
    const { msgid, crcExtra, payload } = encodePayload(msg);
    const v1 = encodeV1({ seq: 3, sysid: 1, compid: 1 }, msgid, crcExtra, payload.subarray(0, baseLength(msg.constructor as MessageClass)));
    t.inject(new Uint8Array(Buffer.concat([v2(heartbeat()), v1])));
    expect(got.map((r) => [r.frame.version, r.frame.msgid, r.peer])).toEqual([
      [2, 0, 'memory:peer'],
      [1, 22, 'memory:peer'],
    ]);
    expect((got[1]!.message as common.ParamValue).paramId).toBe('MAV1_EXTRA1');
    expect(got[0]!.atMs).toBe(new FakeClock().now());
  });

  it('passes unknown ids to listeners with message undefined and their raw bytes', async () => {
    const { t, got, c } = await open('memory:a');
    const unknown = encodeV2({ seq: 1, sysid: 1, compid: 1 }, 0x1234ab, 0x11, new Uint8Array([9, 8, 7]));
    t.inject(new Uint8Array(Buffer.concat([unknown, v2(heartbeat())])));
    expect(got).toHaveLength(2);
    expect(got[0]!.message).toBeUndefined();
    expect(got[0]!.frame.known).toBe(false);
    expect(Buffer.from(got[0]!.frame.raw).equals(Buffer.from(unknown))).toBe(true);
    expect(c.stats.parser.unknown).toBe(1);
  });

  it('keeps one parser per peer: interleaved partial frames from two peers do not mix', async () => {
    const { t, got } = await open('memory:a');
    const f1 = v2(heartbeat(), 1);
    const f2 = v2(heartbeat(), 2);
    t.inject(f1.subarray(0, 7), false, 'tcp:1');
    t.inject(f2.subarray(0, 9), false, 'tcp:2');
    t.inject(f1.subarray(7), false, 'tcp:1');
    t.inject(f2.subarray(9), false, 'tcp:2');
    expect(got.map((r) => [r.peer, r.frame.seq])).toEqual([
      ['tcp:1', 1],
      ['tcp:2', 2],
    ]);
  });

  it('treats datagrams on their own: a cut frame does not swallow the next datagram', async () => {
    const { t, got, c } = await open('memory:a');
    const f = v2(mk(common.StatusText, { severity: 6, text: 'Flight plan received', id: 0, chunkSeq: 0 }), 1);
    t.inject(f.subarray(0, 15), true);
    t.inject(v2(heartbeat(), 2), true);
    expect(got.map((r) => r.frame.seq)).toEqual([2]);
    expect(c.stats.parser.truncated).toBe(1);
  });

  it('a throwing listener is reported and the others still run', async () => {
    const t = new TestTransport('memory:a');
    const errors: unknown[] = [];
    const c = new MavConnection(t, { clock: new FakeClock(), sysid: 255, compid: 190, onListenerError: (e) => errors.push(e) });
    await c.open();
    const got: number[] = [];
    c.onMessage(() => {
      throw new Error('boom');
    });
    c.onMessage((r) => got.push(r.frame.seq));
    t.inject(new Uint8Array(Buffer.concat([v2(heartbeat(), 1), v2(heartbeat(), 2)])));
    expect(got).toEqual([1, 2]);
    expect(errors).toHaveLength(2);
  });

  it('re-entrant delivery (a listener sends, a synchronous link answers at once) loses no frame', async () => {
    // Regression: the frames of one chunk were kept in a shared scratch array that a nested delivery cleared.
    const ta = new TestTransport('memory:gcs');
    const tb = new TestTransport('memory:vehicle');
    ta.peer = tb;
    tb.peer = ta;
    const clock = new FakeClock();
    const gcs = new MavConnection(ta, { clock, sysid: 255, compid: 190 });
    const vehicle = new MavConnection(tb, { clock, sysid: 1, compid: 1 });
    await gcs.open();
    await vehicle.open();
    vehicle.onMessage((r) => {
      if (r.frame.msgid === 4) vehicle.send(heartbeat()); // answer a PING at once
    });
    const got: number[] = [];
    gcs.onMessage((r) => {
      got.push(r.frame.msgid);
      if (r.frame.msgid === 0 && got.length < 3) gcs.send(mk(common.Ping, { timeUsec: 1n, seq: 1, targetSystem: 1, targetComponent: 1 }));
    });
    ta.inject(new Uint8Array(Buffer.concat([v2(heartbeat(), 0), v2(mk(common.SystemTime, { timeUnixUsec: 5n, timeBootMs: 5 }), 1)])));
    expect(got.filter((id) => id === 2)).toHaveLength(1); // SYSTEM_TIME delivered exactly once
    expect(got[0]).toBe(0);
    expect(got.at(-1)).toBe(2);
  });

  it('disconnect of a stream peer drops its partial frame', async () => {
    const { t, got } = await open('memory:a');
    const f = v2(heartbeat(), 1);
    t.inject(f.subarray(0, 10), false, 'tcp:1');
    t.events!.onStatus({ state: 'disconnected', peer: 'tcp:1', reason: 'closed' });
    t.inject(v2(heartbeat(), 2), false, 'tcp:1');
    expect(got.map((r) => r.frame.seq)).toEqual([2]);
  });
});
