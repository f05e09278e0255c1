/**
 * The simulated ArduCopter's mission protocol server (mission, fence and rally lists), as the capture and
 * ARDUPILOT-NOTES.md show it.
 *
 *  upload   MISSION_COUNT n ──► (n = 0: clear, ACK) ──► RECEIVING: MISSION_REQUEST (legacy id 40) for seq 0
 *           RECEIVING ── item seq = next: check it (early error ACK: UNSUPPORTED, UNSUPPORTED_FRAME, …,
 *                        transfer aborted), keep it, request next
 *                     ── item seq ≠ next: MISSION_ACK INVALID_SEQUENCE, the transfer goes on
 *                     ── no item for 1 s: request again;  no item for 8 s: ACK OPERATION_CANCELLED, abort
 *                     ── last item: commit (mission: seq 0 := home), ACK ACCEPTED + opaque_id,
 *                        "Flight plan received"
 *           The same last item again within 5 s (our ACK was lost): ACK ACCEPTED again (assumption: lets a
 *           GCS confirm without a read-back; ArduPilot may answer differently, which a GCS must survive by
 *           reading back).
 *           n > capacity: ACK NO_SPACE.  A COUNT from another GCS while receiving: ACK DENIED.
 *  download MISSION_REQUEST_LIST ──► MISSION_COUNT (with opaque_id) ; MISSION_REQUEST_INT s ──► MISSION_ITEM_INT
 *           (normalised as ArduPilot stores it, mission-store.ts); a legacy MISSION_REQUEST draws
 *           "got MISSION_REQUEST; use MISSION_REQUEST_INT!" and a legacy MISSION_ITEM.
 *  clear    MISSION_CLEAR_ALL ──► ACK ACCEPTED (mission: only home remains).
 *  current  MISSION_SET_CURRENT ──► the AUTO executor; MISSION_CURRENT (seq as asked) on that link when taken.
 *           MAV_CMD_DO_SET_MISSION_CURRENT: the COMMAND_ACK only. Otherwise MISSION_CURRENT is a stream
 *           (EXTENDED_STATUS or SET_MESSAGE_INTERVAL 42, link.ts), never sent on a change.
 * Uploads are kept aside until complete: a failed upload leaves the stored list as it was.
 */
import { common } from 'mavlink-mappings';
import type { Clock, TimerId } from '../common/clock.js';
import type { Received } from '../mavlink/connection.js';
import { make, type MavLinkData } from '../mavlink/codec/messages.js';
import { MISSION_TYPE_CODE, itemIntMessage, missionTypeField, missionTypeOf, wireItemOf, type MissionType, type WireItem } from '../mavlink/services/mission/types.js';
import { MAV_CMD, MAV_FRAME } from '../common/mav-cmd.js';
import { toE7 } from './geo.js';
import type { SimLink } from './link.js';
import { CAPACITY, checkItem, listId, readBack } from './mission-store.js';

const M = common.MavMissionResult;
const REREQUEST_MS = 1000;
const UPLOAD_TIMEOUT_MS = 8000;
const REACK_WINDOW_MS = 5000;

export interface MissionServerHost {
  readonly clock: Clock;
  readonly sysid: number;
  readonly compid: number;
  readonly home: { latDeg: number; lonDeg: number; altAmslM: number };
  readonly links: readonly SimLink[];
  sendOn(link: SimLink, msg: MavLinkData, peer?: string): void;
  text(severity: number, text: string): void;
}

/** What MISSION_CURRENT reports of the executor. */
export interface MissionProgress {
  seq: number;
  /** MISSION_STATE: 1 NO_MISSION, 2 NOT_STARTED, 3 ACTIVE, 4 PAUSED, 5 COMPLETE. */
  state: number;
  /** 1 while in AUTO (MISSION_MODE). */
  mode: number;
}

interface Receiving {
  type: MissionType;
  link: SimLink;
  peer: string;
  fromSysid: number;
  fromCompid: number;
  count: number;
  next: number;
  items: WireItem[];
  lastItemMs: number;
  lastRequestMs: number;
}

export class MissionServer {
  private readonly lists: Record<MissionType, WireItem[]> = { mission: [], fence: [], rally: [] };
  private readonly ids: Record<MissionType, number> = { mission: 0, fence: 0, rally: 0 };
  private readonly receiving = new Map<MissionType, Receiving>();
  private lastCompleted: { type: MissionType; count: number; fromSysid: number; atMs: number; id: number } | undefined;
  private readonly timer: TimerId;
  private readonly changeListeners = new Set<(type: MissionType) => void>();
  /** Test hook: read-back of these (type, seq) goes through the function (to corrupt an item). */
  readonly corruptions = new Map<string, (it: WireItem) => WireItem>();
  /** Counts of what happened (tests, diagnostics). */
  readonly stats = { uploads: 0, aborted: 0, rerequests: 0, invalidSequence: 0 };
  progress: () => MissionProgress = () => ({ seq: 0, state: this.lists.mission.length > 1 ? 2 : 1, mode: 0 });
  setCurrent: (seq: number) => boolean = () => false;

  constructor(private readonly host: MissionServerHost) {
    this.lists.mission = [this.homeItem()];
    this.timer = host.clock.setInterval(() => this.tick(), 100);
  }

  stop(): void {
    this.host.clock.clearInterval(this.timer);
  }

  /** The stored list (the mission includes home at 0), as received. */
  items(type: MissionType): readonly WireItem[] {
    return this.lists[type];
  }

  id(type: MissionType): number {
    return this.ids[type];
  }

  onChange(l: (type: MissionType) => void): () => void {
    this.changeListeners.add(l);
    return () => this.changeListeners.delete(l);
  }

  /** Test hook: make the read-back of one item differ from what was stored. */
  corrupt(type: MissionType, seq: number, f: (it: WireItem) => WireItem): void {
    this.corruptions.set(`${type}:${seq}`, f);
  }

  /** Store a list directly (tests, a mission loaded at start). */
  load(type: MissionType, items: readonly WireItem[]): void {
    this.commit(type, items.map((it, i) => ({ ...it, seq: i })));
  }

  homeItem(): WireItem {
    const h = this.host.home;
    return { seq: 0, command: MAV_CMD.NAV_WAYPOINT, frame: MAV_FRAME.GLOBAL, params: [0, 0, 0, 0], x: toE7(h.latDeg), y: toE7(h.lonDeg), z: h.altAmslM, autocontinue: 1, current: 0 };
  }

  missionCurrent(): common.MissionCurrent {
    const p = this.progress();
    return make(common.MissionCurrent, {
      seq: p.seq,
      total: Math.max(0, this.lists.mission.length - 1),
      missionState: p.state,
      missionMode: p.mode,
      missionId: this.ids.mission,
      fenceId: this.ids.fence,
      rallyPointsId: this.ids.rally,
    } as Partial<common.MissionCurrent>);
  }

  /** MISSION_ITEM_REACHED: an event, to every link the GCS has spoken on (gcs().send_mission_item_reached_message). */
  reached(seq: number): void {
    const m = make(common.MissionItemReached, { seq } as Partial<common.MissionItemReached>);
    for (const l of this.host.links) if (l.active) this.host.sendOn(l, m);
  }

  /** Handle a mission protocol message; false when it is not one. */
  handle(link: SimLink, rx: Received): boolean {
    const m = rx.message;
    if (!m) return false;
    const t = m as unknown as { targetSystem?: number; targetComponent?: number };
    const forUs = (t.targetSystem === undefined || t.targetSystem === 0 || t.targetSystem === this.host.sysid) && (t.targetComponent === undefined || t.targetComponent === 0 || t.targetComponent === this.host.compid);
    switch (rx.frame.msgid) {
      case 44:
        if (forUs) this.onCount(link, rx, m as common.MissionCount);
        return true;
      case 73:
      case 39:
        if (forUs) this.onItem(link, rx, m);
        return true;
      case 43:
        if (forUs) this.onRequestList(link, rx, m as common.MissionRequestList);
        return true;
      case 51:
      case 40:
        if (forUs) this.onRequest(link, rx, m as common.MissionRequestInt, rx.frame.msgid === 40);
        return true;
      case 45:
        if (forUs) this.onClear(link, rx, m as common.MissionClearAll);
        return true;
      case 41: {
        if (!forUs) return true;
        // GCS_Common.cpp handle_mission_set_current: MISSION_CURRENT with the asked seq as its "ACK", on this
        // link, only when the mission took it; nothing otherwise.
        const s = m as common.MissionSetCurrent;
        if (this.setCurrent(s.seq)) {
          const mc = this.missionCurrent();
          mc.seq = s.seq;
          this.host.sendOn(link, mc, rx.peer);
        }
        return true;
      }
      case 47: {
        const a = m as common.MissionAck;
        const type = missionTypeOf(missionTypeField(a));
        const r = type && this.receiving.get(type);
        if (forUs && r && r.link === link && a.type === M.OPERATION_CANCELLED) this.receiving.delete(type);
        return true;
      }
      default:
        return false;
    }
  }

  private ack(link: SimLink, rx: Received, type: MissionType, result: number, opaqueId = 0): void {
    this.host.sendOn(
      link,
      make(common.MissionAck, { targetSystem: rx.frame.sysid, targetComponent: rx.frame.compid, type: result, missionType: MISSION_TYPE_CODE[type], opaqueId } as Partial<common.MissionAck>),
      rx.peer,
    );
  }

  private request(r: Receiving): void {
    r.lastRequestMs = this.host.clock.now();
    // ArduPilot asks with the legacy MISSION_REQUEST (id 40) and accepts MISSION_ITEM_INT answers.
    this.host.sendOn(
      r.link,
      make(common.MissionRequest, { targetSystem: r.fromSysid, targetComponent: r.fromCompid, seq: r.next, missionType: MISSION_TYPE_CODE[r.type] } as Partial<common.MissionRequest>),
      r.peer,
    );
  }

  private onCount(link: SimLink, rx: Received, c: common.MissionCount): void {
    const type = missionTypeOf(missionTypeField(c));
    if (!type) return;
    const busy = this.receiving.get(type);
    if (busy && (busy.fromSysid !== rx.frame.sysid || busy.link !== link)) {
      this.ack(link, rx, type, M.DENIED);
      return;
    }
    if (c.count > CAPACITY[type]) {
      this.ack(link, rx, type, M.NO_SPACE);
      return;
    }
    if (c.count === 0) {
      this.receiving.delete(type);
      this.commit(type, []);
      this.ack(link, rx, type, M.ACCEPTED, this.ids[type]);
      return;
    }
    const now = this.host.clock.now();
    const r: Receiving = { type, link, peer: rx.peer, fromSysid: rx.frame.sysid, fromCompid: rx.frame.compid, count: c.count, next: 0, items: [], lastItemMs: now, lastRequestMs: now };
    this.receiving.set(type, r);
    this.request(r);
  }

  private onItem(link: SimLink, rx: Received, m: MavLinkData): void {
    const it = wireItemOf(m);
    const type = missionTypeOf(missionTypeField(m as unknown as { missionType?: number }));
    if (!it || !type) return;
    const r = this.receiving.get(type);
    const now = this.host.clock.now();
    if (!r) {
      const done = this.lastCompleted;
      if (done && done.type === type && done.fromSysid === rx.frame.sysid && it.seq === done.count - 1 && now - done.atMs < REACK_WINDOW_MS) {
        this.ack(link, rx, type, M.ACCEPTED, done.id);
      }
      return;
    }
    if (r.link !== link || r.fromSysid !== rx.frame.sysid) return;
    if (it.seq !== r.next) {
      this.stats.invalidSequence++;
      this.ack(link, rx, type, M.INVALID_SEQUENCE);
      return;
    }
    const bad = checkItem(type, it);
    if (bad !== undefined) {
      this.receiving.delete(type);
      this.stats.aborted++;
      this.ack(link, rx, type, bad);
      return;
    }
    r.items.push({ ...it, current: 0 });
    r.next++;
    r.lastItemMs = now;
    if (r.next < r.count) {
      this.request(r);
      return;
    }
    this.receiving.delete(type);
    this.commit(type, r.items);
    this.stats.uploads++;
    this.lastCompleted = { type, count: r.count, fromSysid: r.fromSysid, atMs: now, id: this.ids[type] };
    this.ack(link, rx, type, M.ACCEPTED, this.ids[type]);
    if (type === 'mission') this.host.text(common.MavSeverity.INFO, 'Flight plan received');
  }

  private commit(type: MissionType, items: WireItem[]): void {
    let list = items.map((it, i) => ({ ...it, seq: i }));
    if (type === 'mission') list = list.length === 0 ? [this.homeItem()] : [this.homeItem(), ...list.slice(1)];
    this.lists[type] = list;
    this.ids[type] = list.length === 0 || (type === 'mission' && list.length === 1) ? 0 : listId(type, list);
    for (const l of [...this.changeListeners]) l(type);
  }

  private onRequestList(link: SimLink, rx: Received, m: common.MissionRequestList): void {
    const type = missionTypeOf(missionTypeField(m));
    if (!type) return;
    this.host.sendOn(
      link,
      make(common.MissionCount, { targetSystem: rx.frame.sysid, targetComponent: rx.frame.compid, count: this.lists[type].length, missionType: MISSION_TYPE_CODE[type], opaqueId: this.ids[type] } as Partial<common.MissionCount>),
      rx.peer,
    );
  }

  private onRequest(link: SimLink, rx: Received, m: common.MissionRequestInt, legacy: boolean): void {
    const type = missionTypeOf(missionTypeField(m));
    if (!type) return;
    if (this.receiving.get(type)?.link === link) return; // a request during our own upload makes no sense
    const list = this.lists[type];
    if (m.seq >= list.length) {
      this.ack(link, rx, type, M.INVALID_SEQUENCE);
      return;
    }
    const stored = list[m.seq]!;
    const corrupt = this.corruptions.get(`${type}:${m.seq}`);
    const it = corrupt ? corrupt(readBack(stored)) : readBack(stored);
    const peer = { targetSystem: rx.frame.sysid, targetComponent: rx.frame.compid };
    if (legacy) {
      this.host.text(common.MavSeverity.WARNING, 'got MISSION_REQUEST; use MISSION_REQUEST_INT!');
      const global = it.frame !== 2;
      this.host.sendOn(
        link,
        make(common.MissionItem, {
          ...peer, seq: it.seq, frame: it.frame, command: it.command, current: 0, autocontinue: it.autocontinue,
          param1: it.params[0], param2: it.params[1], param3: it.params[2], param4: it.params[3],
          x: global ? it.x / 1e7 : it.x, y: global ? it.y / 1e7 : it.y, z: it.z, missionType: MISSION_TYPE_CODE[type],
        } as Partial<common.MissionItem>),
        rx.peer,
      );
      return;
    }
    this.host.sendOn(link, itemIntMessage(peer, type, it), rx.peer);
  }

  private onClear(link: SimLink, rx: Received, m: common.MissionClearAll): void {
    const code = missionTypeField(m);
    const types: MissionType[] = code === 255 ? ['mission', 'fence', 'rally'] : [missionTypeOf(code)].filter((t): t is MissionType => t !== undefined);
    if (types.length === 0) return;
    for (const t of types) {
      this.receiving.delete(t);
      this.commit(t, []);
    }
    this.ack(link, rx, types.length === 1 ? types[0]! : 'mission', M.ACCEPTED);
  }

  private tick(): void {
    const now = this.host.clock.now();
    for (const [type, r] of this.receiving) {
      if (now - r.lastItemMs > UPLOAD_TIMEOUT_MS) {
        this.receiving.delete(type);
        this.stats.aborted++;
        this.host.sendOn(
          r.link,
          make(common.MissionAck, { targetSystem: r.fromSysid, targetComponent: r.fromCompid, type: M.OPERATION_CANCELLED, missionType: MISSION_TYPE_CODE[type] } as Partial<common.MissionAck>),
          r.peer,
        );
        continue;
      }
      if (now - r.lastRequestMs >= REREQUEST_MS) {
        this.stats.rerequests++;
        this.request(r);
      }
    }
  }
}
