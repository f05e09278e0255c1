/**
 * AUTO mode of the simulated ArduCopter: runs the stored mission (mission-server.ts) item by item.
 *
 *   start (MISSION_START, or AUTO entered) ──► advance from seq: DO/CONDITION items run at once (counted,
 *   reached), DO_JUMP jumps while its repeat count lasts, the first NAV item becomes current
 *   NAV item ── TAKEOFF: climb at the current point (only once "auto-armed": MISSION_START, or
 *               AUTO_OPTIONS bit 1; otherwise the copter sits and DISARM_DELAY disarms it)
 *            ── WAYPOINT: fly to it (lat/lon 0: here; alt 0: current), within WPNAV_RADIUS → hold p1 s
 *            ── LOITER_TIME: fly to it, hold p1 s;  LOITER_TURNS: circle p1 turns of radius |p3| (p3 < 0: CCW)
 *            ── LOITER_UNLIM: fly to it and stay
 *            ── RETURN_TO_LAUNCH: climb to RTL_ALT, fly home at RTL_SPEED/WPNAV_SPEED (DO_CHANGE_SPEED does
 *               not apply), descend, touch down, disarm; the mode stays AUTO; reached after touchdown
 *            ── LAND: fly over the point (if given), descend, touch down, disarm; reached after touchdown
 *   NAV complete ──► "Reached command #n", advance; MISSION_ITEM_REACHED carries only the last item reached
 *   in that instant (a WP followed by a DO item reports the DO item: the skip quirk of the capture)
 *   end of list ──► COMPLETE: hold in AUTO if flying; after landing and disarm MISSION_CURRENT shows seq 0.
 * Entering AUTO while in AUTO is not a restart (drone.setMode ignores it). Where an item points, the speeds,
 * the landing descent and the circle's velocity are in mission-nav.ts.
 */
import { common } from 'mavlink-mappings';
import type { Clock } from '../common/clock.js';
import type { WireItem } from '../mavlink/services/mission/types.js';
import { MAV_CMD } from '../common/mav-cmd.js';
import { bearingDeg, type Home } from './geo.js';
import { commandName, runDoItem, type CameraCounters } from './mission-do.js';
import type { MissionProgress, MissionServer } from './mission-server.js';
import { circleStep, landDescent, navSpeed, navTarget, rtlSpeed, type CircleTrack, type NavTarget } from './mission-nav.js';
import type { ParamStore } from './params.js';
import type { CopterPhysics } from './physics.js';

const S = common.MavSeverity;
const LAND_DISARM_MS = 2000;

export interface AutoHost {
  readonly clock: Clock;
  readonly physics: CopterPhysics;
  readonly params: ParamStore;
  readonly home: Home;
  readonly armed: boolean;
  readonly gimbal: { pitchDeg: number; yawDeg: number };
  readonly nav: { speedMps: number | undefined; roi: { eM: number; nM: number } | undefined };
  positionOk(): boolean;
  disarmNow(reason: string): void;
  text(severity: number, text: string): void;
}

const NAV = new Set<number>([
  MAV_CMD.NAV_WAYPOINT, MAV_CMD.NAV_LOITER_UNLIM, MAV_CMD.NAV_LOITER_TURNS, MAV_CMD.NAV_LOITER_TIME,
  MAV_CMD.NAV_RETURN_TO_LAUNCH, MAV_CMD.NAV_LAND, MAV_CMD.NAV_TAKEOFF,
]);

type Phase = 'go' | 'hold' | 'circle' | 'climb' | 'return' | 'descend' | 'landed' | 'wait-takeoff' | 'stay';

export class MissionAuto {
  running = false;
  complete = false;
  current = 0;
  /** Set by MISSION_START or AUTO_OPTIONS: allows the takeoff from the ground without a throttle raise. */
  autoArmed = false;
  inAuto = false;
  readonly camera: CameraCounters = { photos: 0, photoCommands: 0, videoStarts: 0, videoStops: 0, triggerDistance: 0, digicam: 0 };
  readonly executed: number[] = [];
  private phase: Phase = 'go';
  private target: NavTarget = { eM: 0, nM: 0, upM: 0 };
  private phaseSinceMs = 0;
  private touchdownMs: number | undefined;
  private circling: CircleTrack = { turnedDeg: 0, lastBearing: 0 };
  private yawDeg: number | undefined;
  private jumps = new Map<number, number>();

  constructor(
    private readonly host: AutoHost,
    private readonly server: MissionServer,
  ) {
    server.progress = () => this.progress();
    server.setCurrent = (seq) => this.setCurrent(seq);
    server.onChange((type) => {
      if (type !== 'mission') return;
      // A new mission: start again from its first item when next run.
      this.jumps.clear();
      if (!this.running) {
        this.current = 0;
        this.complete = false;
      } else if (this.current >= this.items().length) this.finish();
    });
  }

  private items(): readonly WireItem[] {
    return this.server.items('mission');
  }

  get hasMission(): boolean {
    return this.items().length > 1;
  }

  get landing(): boolean {
    return this.inAuto && this.running && (this.phase === 'descend' || this.phase === 'landed');
  }

  /** Leaving the ground on a NAV_TAKEOFF (not counted by the on-ground auto-disarm). */
  get takingOff(): boolean {
    if (!this.inAuto || !this.running || this.items()[this.current]?.command !== 22) return false;
    return this.phase === 'climb' || (this.phase === 'wait-takeoff' && this.autoArmed);
  }

  progress(): MissionProgress {
    if (!this.hasMission) return { seq: 0, state: 1, mode: this.inAuto ? 1 : 0 };
    const state = this.complete ? 5 : this.running ? 3 : this.current > 0 ? 4 : 2;
    return { seq: this.current, state, mode: this.inAuto ? 1 : 0 };
  }

  /** MAV_CMD_MISSION_START / AUTO entered: run from `first` (default: resume, or 1). */
  start(first?: number): boolean {
    const n = this.items().length;
    if (n <= 1) return false;
    this.inAuto = true;
    const resume = !this.complete && this.current >= 1 && this.current < n;
    const from = first !== undefined && first >= 1 && first < n ? first : resume ? this.current : 1;
    if (!resume || first !== undefined) this.jumps.clear();
    this.running = true;
    this.complete = false;
    this.advance(from, undefined);
    return true;
  }

  /** The first NAV item, for ArduCopter's "Auto: Missing Takeoff Cmd" check on the ground. */
  firstNavCommand(): number | undefined {
    return this.items().slice(1).find((it) => NAV.has(it.command))?.command;
  }

  exit(): void {
    this.inAuto = false;
    this.running = false;
    this.host.nav.roi = undefined;
  }

  setCurrent(seq: number): boolean {
    const n = this.items().length;
    if (seq < 1 || seq >= n) return false;
    if (this.running) this.advance(seq, undefined);
    else {
      this.current = seq;
      this.complete = false;
    }
    return true;
  }

  onDisarm(): void {
    if (this.running && this.phase !== 'landed') {
      // Disarmed in the middle (failsafe, GCS): the mission stops where it was.
      this.running = false;
    }
    this.autoArmed = false;
  }

  private announce(seq: number, it: WireItem): void {
    this.host.text(S.INFO, `Mission: ${seq} ${commandName(it.command)}`);
  }

  /** Run DO items from `seq` until a NAV item starts or the list ends; report the last item reached. */
  private advance(seq: number, reached: number | undefined): void {
    const items = this.items();
    let s = seq;
    let last = reached;
    let guard = 0;
    while (s < items.length && guard++ < 10_000) {
      const it = items[s]!;
      if (it.command === MAV_CMD.DO_JUMP) {
        // DO_JUMP: p1 target seq, p2 repeats (-1: forever).
        const left = this.jumps.get(s) ?? Math.round(it.params[1]);
        const target = Math.round(it.params[0]);
        if (left !== 0 && target >= 1 && target < items.length) {
          if (left > 0) this.jumps.set(s, left - 1);
          this.executed.push(s);
          s = target;
          continue;
        }
        s++;
        continue;
      }
      if (NAV.has(it.command)) {
        this.current = s;
        this.announce(s, it);
        this.startNav(it);
        if (last !== undefined) this.server.reached(last);
        return;
      }
      this.announce(s, it);
      const yaw = runDoItem(it, this.host, this.camera);
      if (yaw !== undefined) this.yawDeg = yaw;
      this.executed.push(s);
      last = s;
      s++;
    }
    if (last !== undefined) this.server.reached(last);
    this.finish();
  }

  private finish(): void {
    this.complete = true;
    this.running = false;
    if (!this.host.armed) this.current = 0;
    const s = this.host.physics.state;
    this.phase = 'stay';
    this.target = { eM: s.eM, nM: s.nM, upM: s.upM };
  }

  private setPhase(p: Phase): void {
    this.phase = p;
    this.phaseSinceMs = this.host.clock.now();
  }

  private startNav(it: WireItem): void {
    const s = this.host.physics.state;
    this.touchdownMs = undefined;
    this.yawDeg = undefined;
    switch (it.command) {
      case 22:
        this.target = { eM: s.eM, nM: s.nM, upM: navTarget(it, s, this.host.home).upM };
        this.setPhase(s.onGround ? 'wait-takeoff' : 'climb');
        return;
      case 20: {
        const rtlAlt = this.host.params.get('RTL_ALT') / 100;
        this.target = { eM: s.eM, nM: s.nM, upM: Math.max(rtlAlt, s.upM) };
        this.setPhase('climb');
        return;
      }
      case 21: {
        const p = navTarget(it, s, this.host.home);
        this.target = { eM: p.eM, nM: p.nM, upM: s.upM };
        this.setPhase(it.x === 0 && it.y === 0 ? 'descend' : 'go');
        return;
      }
      default:
        this.target = navTarget(it, s, this.host.home);
        this.setPhase('go');
    }
  }

  private completeNav(): void {
    const seq = this.current;
    const it = this.items()[seq];
    if (it && it.command !== MAV_CMD.NAV_TAKEOFF) this.host.text(S.INFO, `Reached command #${seq}`);
    this.advance(seq + 1, seq);
  }

  /** Hold a horizontal position (a method, not a closure made per tick: tsx names every closure made). */
  private hold(t: { eM: number; nM: number }, speedMps?: number): void {
    this.host.physics.horizontal = this.host.positionOk() ? { kind: 'position', eM: t.eM, nM: t.nM, ...(speedMps !== undefined ? { speedMps } : {}) } : { kind: 'drift' };
  }

  /** This tick's physics commands while in AUTO. */
  update(now: number): void {
    const { physics, params } = this.host;
    const s = physics.state;
    physics.yaw = this.host.nav.roi
      ? { kind: 'heading', deg: bearingDeg(this.host.nav.roi.eM - s.eM, this.host.nav.roi.nM - s.nM) }
      : this.yawDeg !== undefined
        ? { kind: 'heading', deg: this.yawDeg }
        : { kind: 'hold' };
    if (!this.running) {
      this.hold(this.target);
      physics.vertical = s.onGround ? { kind: 'rate', vuMps: 0 } : { kind: 'altitude', upM: this.target.upM };
      if (!this.host.armed && this.complete) this.current = 0;
      return;
    }
    const it = this.items()[this.current];
    if (!it) return this.finish();
    const radiusM = Math.max(0.5, params.get('WPNAV_RADIUS') / 100);
    switch (this.phase) {
      case 'wait-takeoff':
        this.hold(this.target);
        if (!this.host.armed || !this.autoArmed) {
          physics.vertical = { kind: 'rate', vuMps: 0 };
          return;
        }
        this.setPhase('climb');
        physics.vertical = { kind: 'altitude', upM: this.target.upM };
        return;
      case 'climb':
        this.hold(this.target);
        physics.vertical = { kind: 'altitude', upM: this.target.upM };
        if (s.upM >= this.target.upM - 0.5) {
          if (it.command === MAV_CMD.NAV_RETURN_TO_LAUNCH) this.setPhase('return');
          else this.completeNav();
        }
        return;
      case 'go': {
        const speed = it.command === MAV_CMD.NAV_RETURN_TO_LAUNCH ? rtlSpeed(this.host.params) : navSpeed(this.host);
        this.hold(this.target, speed);
        physics.vertical = { kind: 'altitude', upM: this.target.upM };
        if (!this.host.nav.roi && this.yawDeg === undefined && Math.hypot(this.target.eM - s.eM, this.target.nM - s.nM) > 2) physics.yaw = { kind: 'travel' };
        const d = Math.hypot(this.target.eM - s.eM, this.target.nM - s.nM, this.target.upM - s.upM);
        if (d > radiusM) return;
        if (it.command === MAV_CMD.NAV_LAND) return this.setPhase('descend');
        if (it.command === MAV_CMD.NAV_LOITER_UNLIM) return this.setPhase('stay');
        if (it.command === MAV_CMD.NAV_LOITER_TURNS) {
          this.circling = { turnedDeg: 0, lastBearing: NaN };
          return this.setPhase('circle');
        }
        this.setPhase('hold');
        return;
      }
      case 'hold': {
        this.hold(this.target);
        physics.vertical = { kind: 'altitude', upM: this.target.upM };
        const holdS = it.params[0] > 0 ? it.params[0] : 0;
        if (now - this.phaseSinceMs >= holdS * 1000) this.completeNav();
        return;
      }
      case 'circle':
        if (circleStep(it, this.target, this.circling, physics, params, navSpeed(this.host))) {
          this.target = { eM: s.eM, nM: s.nM, upM: this.target.upM };
          this.completeNav();
        }
        return;
      case 'stay':
        this.hold(this.target);
        physics.vertical = { kind: 'altitude', upM: this.target.upM };
        return;
      case 'return':
        this.hold({ eM: 0, nM: 0 }, rtlSpeed(this.host.params));
        physics.vertical = { kind: 'altitude', upM: this.target.upM };
        if (!this.host.nav.roi) physics.yaw = Math.hypot(s.eM, s.nM) > 2 ? { kind: 'travel' } : { kind: 'hold' };
        if (Math.hypot(s.eM, s.nM) < radiusM && physics.groundSpeedMps < 0.5) {
          this.target = { eM: 0, nM: 0, upM: s.upM };
          this.setPhase('descend');
        }
        return;
      case 'descend':
        this.hold(this.target);
        physics.vertical = landDescent(params, s.upM);
        if (s.onGround && this.host.armed) {
          this.touchdownMs ??= now;
          if (now - this.touchdownMs >= LAND_DISARM_MS) {
            // As captured: MISSION_ITEM_REACHED, then "Disarming motors", then MISSION_CURRENT seq 0 COMPLETE.
            this.landed();
            return;
          }
        }
        if (!this.host.armed && s.onGround) this.landed();
        return;
      case 'landed':
        physics.vertical = { kind: 'rate', vuMps: 0 };
        return;
    }
  }

  private landed(): void {
    this.setPhase('landed');
    this.server.reached(this.current);
    this.host.disarmNow('landed');
    this.running = false;
    this.complete = true;
    this.current = 0;
  }
}
