/**
 * Helpers for the mission machines' table tests: run a machine by hand (no driver, no clock), collect what
 * it sends, and build the vehicle's messages.
 */
import { common } from 'mavlink-mappings';
import { make, type MavLinkData } from '../../codec/messages.js';
import type { Inbound } from '../command.js';
import type { DriverEffect, Machine } from '../driver.js';
import type { WireItem } from './types.js';

export const VEHICLE = { sysid: 1, compid: 1 };
export const PEER = { targetSystem: 1, targetComponent: 1, gcsSysid: 255, gcsCompid: 190 };
const TO_GCS = { targetSystem: 255, targetComponent: 190 };

export class Bench<S, R> {
  state: S;
  now = 0;
  readonly sent: MavLinkData[] = [];
  readonly done: R[] = [];
  readonly progress: { done: number; total: number }[] = [];
  timerMs: number | undefined;

  constructor(private readonly m: Machine<S, R>, initial: S) {
    this.state = initial;
  }

  private apply(step: { state: S; effects: DriverEffect<R>[] }): this {
    this.state = step.state;
    for (const e of step.effects) {
      if (e.type === 'send') this.sent.push(e.message);
      else if (e.type === 'armTimer') this.timerMs = e.delayMs;
      else if (e.type === 'progress' && e.done !== undefined && e.total !== undefined) this.progress.push({ done: e.done, total: e.total });
      else if (e.type === 'done') this.done.push(e.result);
    }
    return this;
  }

  start(): this {
    return this.apply(this.m.start(this.state, this.now));
  }

  recv(message: MavLinkData, from = VEHICLE, afterMs = 10): this {
    this.now += afterMs;
    const inbound: Inbound = { sysid: from.sysid, compid: from.compid, message };
    return this.apply(this.m.onMessage(this.state, inbound, this.now));
  }

  timeout(): this {
    this.now += this.timerMs ?? 1000;
    return this.apply(this.m.onTimeout(this.state, this.now));
  }

  cancel(): this {
    return this.apply(this.m.onCancel(this.state, this.now));
  }

  /** The transfer's overall deadline passes (the driver calls onDeadline, or onCancel without one). */
  deadline(): this {
    return this.apply((this.m.onDeadline ?? this.m.onCancel)(this.state, this.now));
  }

  /** Messages sent so far, as "NAME seq" strings. */
  get log(): string[] {
    return this.sent.map(describe);
  }

  get result(): R {
    if (this.done.length !== 1) throw new Error(`expected exactly one result, got ${this.done.length}`);
    return this.done[0]!;
  }
}

export function describe(m: MavLinkData): string {
  if (m instanceof common.MissionCount) return `COUNT ${m.count}`;
  if (m instanceof common.MissionItemInt) return `ITEM ${m.seq}`;
  if (m instanceof common.MissionRequestInt) return `REQ_INT ${m.seq}`;
  if (m instanceof common.MissionRequestList) return 'REQUEST_LIST';
  if (m instanceof common.MissionAck) return `ACK ${m.type}`;
  if (m instanceof common.MissionClearAll) return 'CLEAR_ALL';
  if (m instanceof common.MissionSetCurrent) return `SET_CURRENT ${m.seq}`;
  return (m.constructor as { name: string }).name;
}

export const req = (seq: number, legacy: boolean, missionType = 0): MavLinkData =>
  legacy
    ? make(common.MissionRequest, { ...TO_GCS, seq, missionType } as Partial<common.MissionRequest>)
    : make(common.MissionRequestInt, { ...TO_GCS, seq, missionType } as Partial<common.MissionRequestInt>);

export const ack = (type: number, missionType = 0, opaqueId = 0): MavLinkData =>
  make(common.MissionAck, { ...TO_GCS, type, missionType, opaqueId } as Partial<common.MissionAck>);

export const count = (n: number, missionType = 0, opaqueId = 0): MavLinkData =>
  make(common.MissionCount, { ...TO_GCS, count: n, missionType, opaqueId } as Partial<common.MissionCount>);

export const itemMsg = (it: WireItem, missionType = 0): MavLinkData =>
  make(common.MissionItemInt, {
    ...TO_GCS, seq: it.seq, frame: it.frame, command: it.command, current: it.current, autocontinue: it.autocontinue,
    param1: it.params[0], param2: it.params[1], param3: it.params[2], param4: it.params[3], x: it.x, y: it.y, z: it.z, missionType,
  } as Partial<common.MissionItemInt>);

export function sampleItems(n: number): WireItem[] {
  return Array.from({ length: n }, (_, i): WireItem => ({
    seq: i,
    command: i === 0 ? 16 : i === 1 ? 22 : 16,
    frame: i === 0 ? 0 : 6,
    params: [0, 0, 0, 0],
    x: 244798000 + i * 1000,
    y: 1180894000 + i * 1000,
    z: i === 0 ? 0 : 30,
    autocontinue: 1,
    current: 0,
  }));
}
