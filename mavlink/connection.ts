/**
 * A MAVLink connection over one transport: framing, a sequence counter of its own (never shared between
 * links), MAVLink 2 out (1 and 2 in), signing, and fan-out of received frames to listeners.
 *
 * Received frames reach listeners whether or not their message id is known: unknown frames carry
 * `message: undefined` and their raw bytes, so they can be forwarded and recorded. Bad frames are counted
 * (see `stats`) and skipped; nothing here throws on bad input.
 */
import type { Clock } from '../common/clock.js';
import { FrameParser, encodeV2, type MavFrame, type ParserStats } from './codec/frame.js';
import { decodePayload, encodeMessage, type MavLinkData } from './codec/messages.js';
import { Signer, type SigningConfig } from './codec/signing.js';
import { ok, type Result } from '../common/result.js';
import type { PeerId, Transport, TransportStatus } from './transport/types.js';

export interface ConnectionOptions {
  clock: Clock;
  /** Our own system id (a GCS is 255 by convention; ArduPilot's MAV_GCS_SYSID). */
  sysid: number;
  /** Our own component id (MAV_COMP_ID_MISSIONPLANNER = 190 for a GCS, 1 for an autopilot). */
  compid: number;
  signing?: SigningConfig;
  /** A label for logs and recordings. Defaults to the transport URL. */
  name?: string;
  /** Called when a listener throws (default: console.error). The link keeps running. */
  onListenerError?: (error: unknown, connection: string) => void;
}

function defaultListenerError(error: unknown, connection: string): void {
  console.error(`kongxun: a listener on ${connection} failed:`, error);
}

export interface Received {
  frame: MavFrame;
  /** The typed message, or undefined when the id is not in our dialects. */
  message: MavLinkData | undefined;
  peer: PeerId;
  atMs: number;
  /** True when signing is on, the policy is 'flag' and this frame was unsigned. */
  flaggedUnsigned: boolean;
}

export interface Sent {
  bytes: Uint8Array;
  peer: PeerId | undefined;
  atMs: number;
  msgid: number;
}

export interface ConnectionStats {
  framesIn: number;
  framesOut: number;
  rejectedUnsigned: number;
  rejectedBadSignature: number;
  rejectedReplay: number;
  decodeErrors: number;
  /** Messages not sent because the writer refused a field's value (encodeMessage). */
  refusedValues: number;
  parser: ParserStats;
}

type Listener<T> = (v: T) => void;

export class MavConnection {
  readonly name: string;
  private seq = 0;
  private readonly parsers = new Map<PeerId, FrameParser>();
  /** Statistics of the parsers of peers gone (their parser is freed with them). */
  private readonly retired: ParserStats = { frames: 0, bytes: 0, badCrc: 0, garbageBytes: 0, truncated: 0, unknown: 0 };
  private signer: Signer | undefined;
  private readonly rxListeners = new Set<Listener<Received>>();
  private readonly txListeners = new Set<Listener<Sent>>();
  private readonly statusListeners = new Set<Listener<TransportStatus>>();
  private readonly counters = {
    framesIn: 0,
    framesOut: 0,
    rejectedUnsigned: 0,
    rejectedBadSignature: 0,
    rejectedReplay: 0,
    refusedValues: 0,
    decodeErrors: 0,
  };
  lastStatus: TransportStatus = { state: 'opening' };

  constructor(
    readonly transport: Transport,
    readonly options: ConnectionOptions,
  ) {
    this.name = options.name ?? transport.url;
    this.signer = options.signing ? new Signer(options.signing, options.clock) : undefined;
  }

  open(): Promise<Result<void>> {
    return this.transport.open({
      onData: (bytes, peer, datagram) => this.onData(bytes, peer, datagram),
      onStatus: (s) => {
        this.lastStatus = s;
        if (s.state === 'disconnected' && s.peer) this.retire(s.peer);
        for (const l of this.statusListeners) l(s);
      },
    });
  }

  close(): Promise<void> {
    return this.transport.close();
  }

  /**
   * Change signing on a live link (a vehicle given a key by SETUP_SIGNING, a key rotated): from the next
   * frame on, sign and verify with this config; undefined or an all-zero key turns signing off. Streams'
   * replay state starts afresh, the outgoing timestamp never goes back.
   */
  setSigning(config: SigningConfig | undefined, initialTimestamp = 0): void {
    const last = this.signer?.lastSent ?? 0;
    this.signer = config ? new Signer(config, this.options.clock, Math.max(last, initialTimestamp)) : undefined;
  }

  /** Whether this link signs what it sends now. */
  get signing(): boolean {
    return this.signer?.signsOutgoing ?? false;
  }

  /** A peer is gone: free its parser (a UDP port churn must not grow the station), keep its counts. */
  private retire(peer: PeerId): void {
    const p = this.parsers.get(peer);
    if (!p) return;
    for (const k of Object.keys(this.retired) as (keyof ParserStats)[]) this.retired[k] += p.stats[k];
    this.parsers.delete(peer);
  }

  /** Parsers held now: one per peer heard and not yet gone. */
  get peerParsers(): number {
    return this.parsers.size;
  }

  get stats(): ConnectionStats {
    const parser: ParserStats = { ...this.retired };
    for (const p of this.parsers.values()) {
      for (const k of Object.keys(parser) as (keyof ParserStats)[]) parser[k] += p.stats[k];
    }
    return { ...this.counters, parser };
  }

  onMessage(l: Listener<Received>): () => void {
    this.rxListeners.add(l);
    return () => this.rxListeners.delete(l);
  }

  onSent(l: Listener<Sent>): () => void {
    this.txListeners.add(l);
    return () => this.txListeners.delete(l);
  }

  onStatus(l: Listener<TransportStatus>): () => void {
    this.statusListeners.add(l);
    return () => this.statusListeners.delete(l);
  }

  /**
   * Encode and send a typed message as MAVLink 2 from our sysid/compid: the frame bytes, or an error value when
   * the writer refused a field (NaN in a latitude, a string in a number: nothing is sent, `refusedValues` counts).
   */
  send(message: MavLinkData, peer?: PeerId): Result<Uint8Array> {
    return this.sendAs(message, this.options.sysid, this.options.compid, peer);
  }

  /** Send as another component of ours (e.g. the simulator's camera, compid 100). */
  sendAs(message: MavLinkData, sysid: number, compid: number, peer?: PeerId): Result<Uint8Array> {
    const e = encodeMessage(message);
    if (!e.ok) {
      this.counters.refusedValues++;
      return e;
    }
    return ok(this.sendEncoded(e.value.msgid, e.value.crcExtra, e.value.payload, peer, sysid, compid));
  }

  /** Forward an already-framed message unchanged (routing, replay). */
  sendRaw(bytes: Uint8Array, msgid: number, peer?: PeerId): boolean {
    const ok = this.transport.send(bytes, peer);
    if (ok) this.emitSent(bytes, peer, msgid);
    return ok;
  }

  private sendEncoded(
    msgid: number,
    crcExtra: number,
    payload: Uint8Array,
    peer: PeerId | undefined,
    sysid: number,
    compid: number,
  ): Uint8Array {
    const sign = this.signer?.signsOutgoing ?? false;
    const frame = encodeV2({ seq: this.seq, sysid, compid }, msgid, crcExtra, payload, sign);
    this.seq = (this.seq + 1) & 0xff;
    if (sign) this.signer!.sign(frame);
    if (this.transport.send(frame, peer)) this.emitSent(frame, peer, msgid);
    return frame;
  }

  private emitSent(bytes: Uint8Array, peer: PeerId | undefined, msgid: number): void {
    this.counters.framesOut++;
    if (this.txListeners.size === 0) return;
    const ev: Sent = { bytes, peer, atMs: this.options.clock.now(), msgid };
    for (const l of this.txListeners) l(ev);
  }

  private onData(bytes: Uint8Array, peer: PeerId, datagram: boolean): void {
    let parser = this.parsers.get(peer);
    if (!parser) {
      parser = new FrameParser();
      this.parsers.set(peer, parser);
    }
    // A fresh array per chunk: a listener may send, and a synchronous transport (memory link, simulator)
    // may deliver the answer back into this method before the loop below is done with these frames.
    const frames: MavFrame[] = [];
    if (datagram) parser.pushDatagram(bytes, frames);
    else parser.push(bytes, frames);
    if (frames.length === 0) return;
    const atMs = this.options.clock.now();
    for (const frame of frames) {
      let flaggedUnsigned = false;
      if (this.signer) {
        const v = this.signer.verify(frame);
        if (!v.ok) {
          if (v.reason === 'unsigned') this.counters.rejectedUnsigned++;
          else if (v.reason === 'bad-signature') this.counters.rejectedBadSignature++;
          else this.counters.rejectedReplay++;
          continue;
        }
        flaggedUnsigned = v.flagged;
      }
      this.counters.framesIn++;
      let message: MavLinkData | undefined;
      if (frame.known) {
        try {
          message = decodePayload(frame.msgid, frame.payload);
        } catch {
          this.counters.decodeErrors++;
        }
      }
      const ev: Received = { frame, message, peer, atMs, flaggedUnsigned };
      for (const l of this.rxListeners) {
        try {
          l(ev);
        } catch (e) {
          // A listener's bug must not take the link down; report it and go on with the next listener.
          (this.options.onListenerError ?? defaultListenerError)(e, this.name);
        }
      }
    }
  }
}
