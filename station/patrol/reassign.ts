/**
 * Slots that lost their drone: given (the rest of) the slot to the best candidate now, or kept open and tried
 * again every tick while enough of the slot is left (policy.ts decides the candidate, the replacement sortie and
 * how much of a slot is worth a launch). Its host is the runner's (host.ts): the sorties, their machine, the record.
 */
import type { PatrolHost } from './host.js';
import { replacement, slotExpired, slotOnMs } from './policy.js';
import { said, type Said } from './said.js';
import type { Sortie } from './sortie.js';

/** What the reassignment needs of the patrol (the runner's one host, host.ts). */
export type ReassignHost = Pick<PatrolHost, 'clock' | 'candidates' | 'planned' | 'put' | 'apply' | 'gates' | 'event' | 'alert'>;

export class Reassigner {
  /** Slots still without a drone. */
  private readonly open: { s: Sortie; reason: Said }[] = [];

  /** `replacements`: how many replacement sorties the day already has (their ids are numbered on). */
  constructor(private readonly host: ReassignHost, private replacements: number) {}

  /** `s` lost its drone for `reason`: its slot goes to another drone now, or waits for one (an alert). */
  reassign(s: Sortie, reason: Said): void {
    if (!this.fill(s, reason)) {
      this.open.push({ s, reason });
      this.host.alert(s.id, s.sysid, s.kind === 'school' ? 'critical' : 'warning', said('no-drone', { sortie: s.id }, [reason]));
    }
  }

  /** Each tick: the open slots tried again; a slot with too little left is closed. */
  retry(nowMs: number): void {
    for (const slot of [...this.open]) {
      if (this.fill(slot.s, slot.reason, true) || slotExpired(slot.s, nowMs)) this.open.splice(this.open.indexOf(slot), 1);
    }
  }

  /** Give the (rest of the) slot to the best candidate. Returns false when no drone can take it. */
  private fill(s: Sortie, reason: Said, retry = false): boolean {
    const h = this.host;
    const nowMs = h.clock.now();
    const onMs = slotOnMs(s, nowMs, retry);
    if (onMs === null) {
      if (!retry) h.event(s.id, s.sysid, 'reassign', said('too-little-left', {}, [reason]));
      return true;
    }
    const planned = h.planned(s);
    const pick = h.candidates(s, nowMs, planned?.dock ?? null)[0];
    if (!pick) return false;
    const r = replacement(s, pick, { nowMs, retry, onMs, n: ++this.replacements, cruiseMps: planned?.cruiseMps ?? 10 });
    h.put(r);
    h.event(r.id, r.sysid, 'reassign', said('reassign-to', { sortie: s.id, drone: s.droneId, to: r.id, toDrone: r.droneId, dock: pick.dock }, [reason]));
    h.apply(r, { type: 'tick', nowMs, gates: h.gates(r, nowMs) });
    return true;
  }
}
