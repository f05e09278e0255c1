/**
 * The consoles of the station, over any transport (a WebSocket, the desktop app's MessagePort): each gets the
 * hello, the plan, a snapshot, what happened today and the recent events on arrival, then ~10 Hz snapshots,
 * every event and `actual` when it changes; what a console sends (commands, uploads, "go and look here") goes
 * to the source with the console's principal, and the answer back to that console.
 */
import type { Clock, TimerId } from '../../common/clock.js';
import type { ActualMessage, ClientMessage, FlightSummary, InstructionView, Override, PlanMessage, ServerMessage, StationEvent, StationSnapshot, UploadProgress, UploadResult, VehicleCommand } from '../../common/api/contract.js';
import type { Principal } from '../gateway/principal.js';
import type { FlightCatalog } from '../replay/flights.js';
import { WS_MAX_CONSOLE_MESSAGE } from './http-guard.js';
import { RecentEvents } from '../vehicle/event-flood.js';

export interface ConsoleSource {
  hello(): Extract<ServerMessage, { type: 'hello' }>;
  snapshot(): StationSnapshot;
  onEvent(cb: (e: StationEvent) => void): () => void;
  /** A command from a console; `who` is the console's principal (station/gateway/principal.ts); `override` a pilot's. */
  command(sysid: number, cmd: VehicleCommand, who: Principal, override?: Override): Promise<{ ok: boolean; result: string; reason: string }>;
  /** Upload a mission file to a drone, reporting progress; absent when the station has no mission service. */
  upload?(sysid: number, name: string, text: string, onProgress: (p: Omit<UploadProgress, 'type' | 'requestId'>) => void, who: Principal, override?: Override): Promise<Omit<UploadResult, 'type' | 'requestId'>>;
  /** The day plan shown now, sent after `hello`. */
  plan?(): PlanMessage | null;
  /** A new day's plan (a station that follows the station day past midnight), sent to every console. */
  onPlan?(cb: (p: PlanMessage) => void): () => void;
  /** What happened today (the runner's records, the flights in the tlogs: `flights` is the replay catalogue's
   * list), sent after the plan and again when it changes. */
  actual?(flights: readonly FlightSummary[]): ActualMessage | null;
  /** "Go and look here" from a console (unchecked fields: the source checks them and the console's role). */
  look?(req: unknown, who: Principal): Promise<{ ok: boolean; id: string | null; reason: string }>;
  /** The centre's instructions for the desk (a station linked to a centre), their changes, and the desk's acknowledgement. */
  instructions?: {
    list(): InstructionView[];
    onChange(cb: () => void): () => void;
    acknowledge(id: string, who: Principal): { ok: boolean; reason: string };
  };
}

/** One console over any transport: text frames of the contract's JSON messages each way. */
export interface ConsolePeer {
  /** Who this console is: the signed-in user of its session (or the desktop app's own window). */
  who: Principal;
  send(text: string): void;
  onMessage(cb: (text: string) => void): () => void;
}

/** How often what happened today (`actual`) is looked at again, and sent when it changed. */
const ACTUAL_EVERY_MS = 3000;
/** Events replayed to a console that connects later: this many of each severity. */
const RECENT_EVENTS = 50;

/** An override as the contract says (a reason string), or undefined; anything else is dropped (no override). */
function overrideOf(m: { override?: unknown }): Override | undefined {
  const o = m.override as { reason?: unknown } | undefined;
  return o && typeof o === 'object' && typeof o.reason === 'string' ? { reason: o.reason.slice(0, 1000) } : undefined;
}

/**
 * A console's message, checked: JSON of a known type with the fields its handler needs, at most the console
 * socket's frame cap (WS_MAX_CONSOLE_MESSAGE, here in characters) on every transport — the desktop window's port has no socket to
 * cap it. Anything else is undefined (ignored, never fatal).
 */
export function parseClientMessage(text: unknown): ClientMessage | undefined {
  if (typeof text !== 'string' || text.length > WS_MAX_CONSOLE_MESSAGE) return undefined;
  try {
    const m = JSON.parse(text) as ClientMessage;
    // A 'look' names no drone (the station picks it); its fields are checked by the source.
    if (m && m.type === 'look' && typeof m.requestId === 'string' && m.requestId.length <= 100) return m;
    if (m && m.type === 'ack-instruction' && typeof m.requestId === 'string' && m.requestId.length <= 100 && typeof m.id === 'string' && m.id.length <= 64) return m;
    if (!m || !('sysid' in m) || typeof m.sysid !== 'number' || typeof m.requestId !== 'string') return undefined;
    if (m.type === 'command') return m;
    if (m.type === 'upload' && typeof m.name === 'string' && typeof m.text === 'string') return m;
  } catch {
    /* malformed input from a client is ignored, not fatal */
  }
  return undefined;
}

export class ConsolePeers {
  private readonly peers = new Set<ConsolePeer>();
  private readonly recent = new RecentEvents(RECENT_EVENTS);
  private lastActual = '';
  private actualBusy = false;
  private readonly timers: TimerId[];
  private readonly offEvent: () => void;
  private readonly offInstructions: () => void;
  private readonly offPlan: () => void;

  constructor(
    private readonly source: ConsoleSource,
    private readonly clock: Clock,
    private readonly flights: FlightCatalog | undefined,
    snapshotHz: number,
  ) {
    this.offEvent = source.onEvent((event) => {
      this.recent.add(event);
      this.broadcast({ type: 'event', event });
    });
    this.offInstructions = source.instructions?.onChange(() => this.broadcast({ type: 'instructions', list: source.instructions!.list() })) ?? (() => undefined);
    this.offPlan = source.onPlan?.((p) => this.broadcast(p)) ?? (() => undefined);
    this.timers = [
      clock.setInterval(() => {
        if (this.peers.size > 0) this.broadcast(source.snapshot());
      }, 1000 / snapshotHz),
      clock.setInterval(() => this.sendActualIfChanged(), ACTUAL_EVERY_MS),
    ];
  }

  get size(): number {
    return this.peers.size;
  }

  /** A console arrives: it is welcomed and served until the returned detach. */
  readonly attach = (peer: ConsolePeer): (() => void) => {
    const source = this.source;
    const sendTo = (m: ServerMessage) => peer.send(JSON.stringify(m));
    const who = peer.who;
    sendTo({ ...source.hello(), ...(who.kind === 'user' ? { who: { user: who.user, role: who.role, ...(who.via === 'desktop' ? { desktop: true } : {}) } } : {}) });
    const plan = source.plan?.();
    if (plan) sendTo(plan);
    sendTo(source.snapshot());
    void this.actualText().then((text) => text !== null && peer.send(text));
    if (source.instructions) sendTo({ type: 'instructions', list: source.instructions.list() });
    // A console opened later (the wall screen, a kiosk) still sees what happened recently.
    for (const event of this.recent.list()) sendTo({ type: 'event', event });
    this.peers.add(peer);
    const off = peer.onMessage((text) => {
      const m = parseClientMessage(text);
      if (!m) return;
      if (m.type === 'look') {
        const { type: _t, requestId, ...req } = m;
        const done = (r: { ok: boolean; id: string | null; reason: string }) => sendTo({ type: 'look-result', requestId, ...r });
        if (!source.look) return done({ ok: false, id: null, reason: 'this station has no dispatcher' });
        source
          .look(req, peer.who)
          .then(done)
          .catch((e: unknown) => done({ ok: false, id: null, reason: String(e) }));
        return;
      }
      if (m.type === 'ack-instruction') {
        const r = source.instructions?.acknowledge(m.id, peer.who) ?? { ok: false, reason: 'this station is not linked to a centre' };
        return sendTo({ type: 'ack-instruction-result', requestId: m.requestId, ...r });
      }
      if (m.type === 'upload') {
        const { requestId } = m;
        const done = (r: Omit<UploadResult, 'type' | 'requestId'>) => sendTo({ type: 'upload-result', requestId, ...r });
        if (!source.upload) return done({ ok: false, count: 0, verifiedBy: null, reason: 'this station has no mission transfer service' });
        source
          .upload(m.sysid, m.name, m.text, (p) => sendTo({ type: 'upload-progress', requestId, ...p }), peer.who, overrideOf(m))
          .then(done)
          .catch((e: unknown) => done({ ok: false, count: 0, verifiedBy: null, reason: String(e) }));
        return;
      }
      const { type: _t, requestId, sysid, override: _o, ...cmd } = m;
      source
        .command(sysid, cmd as VehicleCommand, peer.who, overrideOf(m))
        .then((r) => sendTo({ type: 'result', requestId, ...r }))
        .catch((e: unknown) => sendTo({ type: 'result', requestId, ok: false, result: 'error', reason: String(e) }));
    });
    return () => {
      off();
      this.peers.delete(peer);
    };
  };

  close(): void {
    for (const t of this.timers) this.clock.clearInterval(t);
    this.offEvent();
    this.offInstructions();
    this.offPlan();
  }

  private broadcast(m: ServerMessage): void {
    const text = JSON.stringify(m);
    for (const p of this.peers) p.send(text);
  }

  private async actualText(): Promise<string | null> {
    if (!this.source.actual) return null;
    const list = this.flights ? await this.flights.list().catch(() => [] as FlightSummary[]) : [];
    const m = this.source.actual(list);
    return m ? JSON.stringify(m) : null;
  }

  private sendActualIfChanged(): void {
    if (this.peers.size === 0 || this.actualBusy) return;
    this.actualBusy = true;
    void this.actualText()
      .then((text) => {
        if (text === null || text === this.lastActual) return;
        this.lastActual = text;
        for (const p of this.peers) p.send(text);
      })
      .finally(() => (this.actualBusy = false));
  }
}
