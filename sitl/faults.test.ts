import { common } from 'mavlink-mappings';
import { afterEach, describe, expect, it } from 'vitest';
import { parseFaultFile, parseFaultRule } from './faults.js';
import { GcsHarness } from './testkit.js';

const C = common.MavCmd;
const R = common.MavResult;
let h: GcsHarness | undefined;
afterEach(() => h?.stop());

function concat(chunks: Uint8Array[]): Buffer {
  return Buffer.concat(chunks.map((c) => Buffer.from(c)));
}

describe('fault rules', () => {
  it('drop: an outgoing message id disappears while its rule is active, others flow', () => {
    h = new GcsHarness({ faults: [{ kind: 'drop', messages: [33], atS: 10, forS: 10 }] });
    h.advance(1000);
    h.command(C.SET_MESSAGE_INTERVAL, [33, 200_000]);
    h.command(C.SET_MESSAGE_INTERVAL, [30, 200_000]);
    h.advance(29_000);
    const gpi = h.rx.filter((r) => r.msgid === 33);
    expect(gpi.filter((r) => r.atMs >= 10_100 && r.atMs < 20_000).length).toBe(0);
    expect(gpi.filter((r) => r.atMs >= 20_100).length).toBeGreaterThan(40);
    expect(h.rx.filter((r) => r.msgid === 30 && r.atMs >= 10_100 && r.atMs < 20_000).length).toBeGreaterThan(45);
  });

  it('drop incoming: commands of that id are never seen (no ACK)', () => {
    h = new GcsHarness({ faults: [{ kind: 'drop', messages: [76], direction: 'in' }] });
    h.advance(1000);
    expect(h.command(C.REQUEST_MESSAGE, [148])).toBe(-1);
  });

  it('loss x %: a seeded share of outgoing messages is lost, the same on every run', () => {
    const run = () => {
      const g = new GcsHarness({ faults: [{ kind: 'loss', percent: 30 }] });
      g.gcsHeartbeats = false;
      g.advance(200_000);
      const n = g.of(0).length;
      g.stop();
      return n;
    };
    const n = run();
    expect(n).toBeGreaterThan(200 * 0.55);
    expect(n).toBeLessThan(200 * 0.85);
    expect(run()).toBe(n);
  });

  it('silence: nothing in or out for n s, then the drone speaks again', () => {
    h = new GcsHarness({ faults: [{ kind: 'silence', atS: 5, forS: 8 }] });
    h.advance(20_000);
    expect(h.rx.filter((r) => r.atMs >= 5100 && r.atMs < 13_000).length).toBe(0);
    expect(h.rx.filter((r) => r.atMs >= 13_000 && r.msgid === 0).length).toBeGreaterThanOrEqual(6);
  });

  it('delay: a message id arrives late', () => {
    h = new GcsHarness({ faults: [{ kind: 'delay', messages: [77], delayMs: 1500 }] });
    h.advance(1000);
    const t0 = h.t;
    expect(h.command(C.REQUEST_MESSAGE, [148])).toBe(R.ACCEPTED);
    const ackAt = h.rx.find((r) => r.msgid === 77)!.atMs;
    expect(ackAt - t0).toBeGreaterThanOrEqual(1500);
  });

  it('reject-command: a command gets a forced result', () => {
    h = new GcsHarness({ faults: [{ kind: 'reject-command', command: C.COMPONENT_ARM_DISARM, result: R.TEMPORARILY_REJECTED, forS: 100 }] });
    h.waitForPosition();
    h.setMode(4);
    expect(h.command(C.COMPONENT_ARM_DISARM, [1])).toBe(R.TEMPORARILY_REJECTED);
    expect(h.drone.armed).toBe(false);
  });

  it('prearm: arming refused with "Arm: <check>", and "PreArm: <check>" repeated while disarmed', () => {
    h = new GcsHarness({ faults: [{ kind: 'prearm', text: 'Hardware safety switch' }] });
    h.waitForPosition();
    h.setMode(4);
    const since = h.t;
    expect(h.command(C.COMPONENT_ARM_DISARM, [1])).toBe(R.FAILED);
    h.advance(31_000);
    expect(h.texts(since)).toContain('Arm: Hardware safety switch');
    expect(h.texts(since)).toContain('PreArm: Hardware safety switch');
    // Force-arm (21196) overrides, as on ArduPilot.
    expect(h.command(C.COMPONENT_ARM_DISARM, [1, 21196])).toBe(R.ACCEPTED);
  });

  it('battery sag drops the voltage and speeds the drain', () => {
    h = new GcsHarness({ faults: [{ kind: 'battery-sag', voltDropV: 1.5, drainFactor: 3, atS: 70 }] });
    h.launch(20);
    h.advance(5000);
    const v0 = h.drone.battery.voltageV;
    const a0 = h.drone.battery.currentA;
    h.runUntil(() => h!.t > 71_000, 60_000, 100);
    expect(h.drone.battery.voltageV).toBeLessThan(v0 - 1.4);
    expect(h.drone.battery.currentA).toBeGreaterThan(a0 * 2.9);
  });

  it('JSON form: names or ids, timing, errors that name the rule and the field', () => {
    const ok = parseFaultFile({ faults: [{ kind: 'drop', message: 'GLOBAL_POSITION_INT', atS: 5, forS: 2 }, { kind: 'loss', percent: 10, sysid: 12 }, { kind: 'gps-loss', atS: 60, forS: 30 }] });
    expect(ok.ok && ok.value).toEqual([
      { kind: 'drop', messages: [33], atS: 5, forS: 2 },
      { kind: 'loss', percent: 10, sysid: 12 },
      { kind: 'gps-loss', atS: 60, forS: 30 },
    ]);
    const bad = parseFaultFile([{ kind: 'loss', percent: 10 }, { kind: 'drop', message: 'NOT_A_MESSAGE' }]);
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.reason).toMatch(/faults\[1\].*NOT_A_MESSAGE/);
    const r = parseFaultRule({ kind: 'explode' });
    expect(!r.ok && r.reason).toMatch(/unknown "kind"/);
    const p = parseFaultRule({ kind: 'loss', percent: 120 });
    expect(!p.ok && p.reason).toMatch(/percent/);
  });
});

describe('determinism', () => {
  it('same seed and script → identical byte stream from the drone; another seed with gusts differs', () => {
    const session = (seed: number) => {
      const g = new GcsHarness({ seed, wind: { fromDeg: 45, speedMps: 4, gustMps: 1.5 }, faults: [{ kind: 'loss', percent: 5 }] });
      g.gcs.send(Object.assign(new common.RequestDataStream(), { targetSystem: 1, targetComponent: 1, reqStreamId: 0, reqMessageRate: 4, startStop: 1 }));
      g.launch(25);
      g.commandInt(C.DO_REPOSITION, [-1, 0, 0, NaN], 24.591, 118.263, 30);
      g.advance(30_000);
      g.command(C.NAV_RETURN_TO_LAUNCH);
      g.advance(60_000);
      const bytes = concat(g.droneBytes);
      g.stop();
      return bytes;
    };
    const a = session(11);
    const b = session(11);
    expect(a.length).toBeGreaterThan(10_000);
    expect(a.equals(b)).toBe(true);
    expect(a.equals(session(12))).toBe(false);
  });
});
