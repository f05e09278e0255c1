/**
 * The command API against a scripted vehicle (a fake CommandVehicle on the FakeClock that answers each
 * command from a table and sends a HEARTBEAT every second): results as values with MAV_RESULT and the
 * vehicle's refusal text, the ArduPilot mode-revert-at-boot resend, takeoff sequencing, and the
 * fallbacks (BRAKE pause, SET_POSITION_TARGET goto, DO_MOUNT_CONTROL gimbal), PX4 mode encoding.
 */
import { describe, expect, it } from 'vitest';
import { common, minimal } from 'mavlink-mappings';
import { FakeClock } from '../../common/clock.js';
import type { MavLinkData } from '../../mavlink/codec/messages.js';
import { outcomeOf, type CommandResult, type CommandSpec } from '../../mavlink/services/command.js';
import { VehicleCommands, type CommandVehicle } from './commands.js';
import type { StatusTextEntry } from './statustext.js';
import { initialVehicleState, reduceVehicle, type VehicleState } from './vehicle-state.js';
import { make } from '../../mavlink/codec/messages.js';
import { modeNumber, quirksFor } from '../../mavlink/quirks.js';

const C = common.MavCmd;
const R = common.MavResult;

interface Script {
  /** MAV_RESULT for a command spec (default ACCEPTED). */
  answer?: (spec: CommandSpec, v: FakeVehicle) => number;
  /** STATUSTEXT sent right after a refusal ACK. */
  refusalText?: string;
  autopilot?: number;
}

class FakeVehicle implements CommandVehicle {
  sysid = 1;
  compid = 1;
  clock = new FakeClock();
  s: VehicleState;
  mode = 'STABILIZE';
  private seq = 0;
  armed = false;
  specs: CommandSpec[] = [];
  sent: MavLinkData[] = [];
  private hbs = new Set<(s: VehicleState) => void>();
  private texts = new Set<(e: StatusTextEntry) => void>();
  /** Mode the vehicle falls back to at its next heartbeat after accepting a change (boot quirk). */
  revertOnce: string | undefined;

  constructor(private readonly script: Script = {}) {
    this.s = initialVehicleState(1, 1, script.autopilot ?? 3, 2);
    this.clock.setInterval(() => this.heartbeat(), 1000);
  }
  heartbeat(): void {
    const q = quirksFor(this.script.autopilot ?? 3);
    const hb = make(minimal.Heartbeat, {
      type: 2,
      autopilot: this.script.autopilot ?? 3,
      baseMode: (1 | (this.armed ? 128 : 0)) as minimal.MavModeFlag,
      customMode: modeNumber(q, this.mode) ?? 0,
      systemStatus: 4,
    });
    this.s = reduceVehicle(this.s, { type: 'frame', link: 'x', sysid: 1, compid: 1, seq: this.seq++ & 0xff, msgid: 0, message: hb, atMs: this.clock.now() });
    for (const l of this.hbs) l(this.s);
    if (this.revertOnce) {
      this.mode = this.revertOnce;
      this.revertOnce = undefined;
    }
  }
  state = (): VehicleState => this.s;
  send = (m: MavLinkData): boolean => (this.sent.push(m), true);
  onStatusText = (cb: (e: StatusTextEntry) => void) => (this.texts.add(cb), () => this.texts.delete(cb));
  onHeartbeat = (cb: (s: VehicleState) => void) => (this.hbs.add(cb), () => this.hbs.delete(cb));
  run = async (spec: CommandSpec): Promise<CommandResult> => {
    this.specs.push(spec);
    await new Promise<void>((res) => this.clock.setTimeout(res, 30));
    const result = this.script.answer?.(spec, this) ?? R.ACCEPTED;
    if (result === R.ACCEPTED) {
      if (spec.command === C.DO_SET_MODE) {
        const q = quirksFor(this.script.autopilot ?? 3);
        const cm = q.modeEncoding === 'px4-main-sub' ? (spec.params[1]! << 16) + spec.params[2]! * 0x1000000 : spec.params[1]!;
        this.mode = q.modes.find((m) => m.customMode === cm)?.name ?? '?';
      }
      if (spec.command === C.COMPONENT_ARM_DISARM) this.armed = spec.params[0] === 1;
    } else if (this.script.refusalText) {
      const text = this.script.refusalText;
      this.clock.setTimeout(() => {
        for (const l of this.texts) l({ atMs: this.clock.now(), severity: 2, text, compid: 1 });
      }, 15);
    }
    return { outcome: outcomeOf(result), mavResult: result, resultParam2: 0, progressPct: undefined, attempts: 1, rttMs: 30, elapsedMs: 30 };
  };
}

/** Await a promise while driving the fake clock. */
async function drive<T>(v: FakeVehicle, p: Promise<T>, maxMs = 30_000): Promise<T> {
  let done = false;
  let out: T | undefined;
  void p.then((x) => ((done = true), (out = x)));
  for (let t = 0; t < maxMs && !done; t += 10) {
    v.clock.advance(10);
    for (let i = 0; i < 3; i++) await Promise.resolve();
  }
  expect(done).toBe(true);
  return out as T;
}

describe('VehicleCommands', () => {
  it('arm accepted: value with MAV_RESULT 0', async () => {
    const v = new FakeVehicle();
    const r = await drive(v, new VehicleCommands(v).arm());
    expect(r).toEqual({ ok: true, value: { command: 'Arm', mavResult: 0, text: 'Arm accepted' } });
    expect(v.specs[0]).toMatchObject({ command: C.COMPONENT_ARM_DISARM, params: [1, 0], targetSystem: 1 });
  });

  it('arm refused: reason quotes the STATUSTEXT that followed the ACK', async () => {
    const v = new FakeVehicle({ answer: () => R.FAILED, refusalText: 'Arm: Need Position Estimate' });
    const r = await drive(v, new VehicleCommands(v).arm());
    expect(r).toEqual({
      ok: false,
      code: 'failed',
      mavResult: R.FAILED,
      statusText: 'Arm: Need Position Estimate',
      reason: 'Arm refused (FAILED): Arm: Need Position Estimate',
    });
  });

  it('force disarm sends 21196', async () => {
    const v = new FakeVehicle();
    await drive(v, new VehicleCommands(v).disarm(true));
    expect(v.specs[0]?.params).toEqual([0, 21196]);
  });

  it('setMode: accepted then reverted by the vehicle (ArduPilot boot) → sent again, confirmed', async () => {
    const v = new FakeVehicle({
      answer: (spec, veh) => {
        if (spec.command === C.DO_SET_MODE && veh.specs.length === 1) veh.revertOnce = 'STABILIZE';
        return R.ACCEPTED;
      },
    });
    const r = await drive(v, new VehicleCommands(v).setMode('guided'));
    expect(r.ok).toBe(true);
    expect(v.specs.map((s) => [s.command, s.params[0], s.params[1]])).toEqual([
      [C.DO_SET_MODE, 1, 4],
      [C.DO_SET_MODE, 1, 4],
    ]);
    expect(v.s.mode).toBe('GUIDED');
  });

  it('setMode: unknown mode is an error value and sends nothing; a mode that never sticks is reported', async () => {
    const v = new FakeVehicle();
    expect(await new VehicleCommands(v).setMode('WARP')).toMatchObject({ ok: false, code: 'unknown-mode' });
    expect(v.specs).toHaveLength(0);
    const w = new FakeVehicle({ answer: (_s, veh) => ((veh.revertOnce = 'STABILIZE'), R.ACCEPTED) });
    const r = await drive(w, new VehicleCommands(w).setMode('LOITER'));
    expect(r).toMatchObject({ ok: false, code: 'mode-not-confirmed', reason: 'Mode LOITER was accepted but the vehicle stays in STABILIZE' });
    expect(w.specs).toHaveLength(3);
  });

  it('PX4 setMode encodes main/sub mode', async () => {
    const v = new FakeVehicle({ autopilot: 12 });
    v.mode = 'POSCTL';
    const r = await drive(v, new VehicleCommands(v).setMode('AUTO.LOITER'));
    expect(r.ok).toBe(true);
    expect(v.specs[0]?.params).toEqual([1, 4, 3]);
  });

  it('takeoff on ArduPilot: GUIDED, arm, NAV_TAKEOFF with the relative altitude', async () => {
    const v = new FakeVehicle();
    const r = await drive(v, new VehicleCommands(v).takeoff(30));
    expect(r.ok).toBe(true);
    expect(v.specs.map((s) => s.command)).toEqual([C.DO_SET_MODE, C.COMPONENT_ARM_DISARM, C.NAV_TAKEOFF]);
    expect(v.specs[2]?.params[6]).toBe(30);
  });

  it('takeoff stops at the first refusal', async () => {
    const v = new FakeVehicle({ answer: (s) => (s.command === C.COMPONENT_ARM_DISARM ? R.FAILED : R.ACCEPTED), refusalText: 'Arm: Gyros inconsistent' });
    const r = await drive(v, new VehicleCommands(v).takeoff(10));
    expect(r).toMatchObject({ ok: false, statusText: 'Arm: Gyros inconsistent' });
    expect(v.specs.map((s) => s.command)).toEqual([C.DO_SET_MODE, C.COMPONENT_ARM_DISARM]);
  });

  it('pause falls back to BRAKE on ArduPilot and continue returns to the mode before', async () => {
    const v = new FakeVehicle({ answer: (s) => (s.command === C.DO_PAUSE_CONTINUE ? R.UNSUPPORTED : R.ACCEPTED) });
    v.mode = 'AUTO';
    v.heartbeat();
    const cmds = new VehicleCommands(v);
    expect((await drive(v, cmds.pause())).ok).toBe(true);
    expect(v.mode).toBe('BRAKE');
    expect((await drive(v, cmds.continue())).ok).toBe(true);
    expect(v.mode).toBe('AUTO');
  });

  it('goto: DO_REPOSITION as COMMAND_INT in GUIDED, SET_POSITION_TARGET_GLOBAL_INT when refused', async () => {
    const v = new FakeVehicle({ answer: (s) => (s.command === C.DO_REPOSITION ? R.UNSUPPORTED : R.ACCEPTED) });
    const r = await drive(v, new VehicleCommands(v).goto(24.4811475, 118.0894, 30));
    expect(r.ok).toBe(true);
    const rep = v.specs.find((s) => s.command === C.DO_REPOSITION);
    expect(rep).toMatchObject({ kind: 'int', frame: 6 });
    expect(rep?.params.slice(4)).toEqual([244811475, 1180894000, 30]);
    const pt = v.sent[0] as common.SetPositionTargetGlobalInt;
    expect(pt).toBeInstanceOf(common.SetPositionTargetGlobalInt);
    expect([pt.latInt, pt.lonInt, pt.alt, pt.coordinateFrame, pt.typeMask]).toEqual([244811475, 1180894000, 30, 6, 3576]);
  });

  it('goto with a latitude that is not a number is refused before anything is sent (not flown towards 0)', async () => {
    const v = new FakeVehicle();
    v.mode = 'GUIDED';
    const r = await drive(v, new VehicleCommands(v).goto('x' as unknown as number, 118.0894, 30));
    expect(r).toMatchObject({ ok: false, code: 'bad-argument' });
    if (!r.ok) expect(r.reason).toMatch(/^Go to not sent: COMMAND_INT: _param5 = NaN/);
    expect(v.specs.filter((s) => s.command === C.DO_REPOSITION)).toEqual([]);
    expect(v.sent).toEqual([]);
  });

  it('gimbal pitch falls back to DO_MOUNT_CONTROL; orbit, speed, ROI, reboot build the right commands', async () => {
    const v = new FakeVehicle({ answer: (s) => (s.command === C.DO_GIMBAL_MANAGER_PITCHYAW ? R.UNSUPPORTED : R.ACCEPTED) });
    const c = new VehicleCommands(v);
    expect((await drive(v, c.gimbal(-45, 30))).ok).toBe(true);
    expect(v.specs.map((s) => s.command)).toEqual([C.DO_GIMBAL_MANAGER_PITCHYAW, C.DO_MOUNT_CONTROL]);
    expect(v.specs[0]?.params.slice(0, 2)).toEqual([-45, 30]);
    expect(v.specs[1]?.params).toEqual([-45, 0, 30, 0, 0, 0, 2]);
    await drive(v, c.gimbal(-20));
    expect(v.specs.at(-1)?.params).toEqual([-20, 0, 0, 0, 0, 0, 2]);
    await drive(v, c.orbit(24.48, 118.09, 50, 5));
    expect(v.specs.at(-1)).toMatchObject({ kind: 'int', command: C.DO_ORBIT });
    expect(v.specs.at(-1)?.params.slice(0, 6)).toEqual([50, 5, 0, 0, 244800000, 1180900000]);
    await drive(v, c.changeSpeed(8));
    expect(v.specs.at(-1)?.params).toEqual([1, 8, -1, 0]);
    await drive(v, c.roi(24.48, 118.09, 0));
    expect(v.specs.at(-1)).toMatchObject({ kind: 'int', command: C.DO_SET_ROI_LOCATION });
    await drive(v, c.roiNone());
    await drive(v, c.reboot());
    expect(v.specs.at(-1)).toMatchObject({ command: C.PREFLIGHT_REBOOT_SHUTDOWN, params: [1, 0] });
  });

  it('resends as COMMAND_LONG when the vehicle answers COMMAND_LONG_ONLY', async () => {
    const v = new FakeVehicle({ answer: (s) => (s.kind === 'int' ? 7 : R.ACCEPTED) });
    const r = await drive(v, new VehicleCommands(v).roi(24.48, 118.09, 10));
    expect(r.ok).toBe(true);
    expect(v.specs.map((s) => [s.kind, s.params[4], s.params[5]])).toEqual([
      ['int', 244800000, 1180900000],
      ['long', 24.48, 118.09],
    ]);
  });

  it('land and rtl switch modes on ArduPilot, use commands elsewhere', async () => {
    const v = new FakeVehicle();
    await drive(v, new VehicleCommands(v).land());
    expect(v.specs[0]?.params.slice(0, 2)).toEqual([1, 9]);
    const g = new FakeVehicle({ autopilot: 0 });
    await drive(g, new VehicleCommands(g).rtl());
    expect(g.specs[0]?.command).toBe(C.NAV_RETURN_TO_LAUNCH);
  });
});
