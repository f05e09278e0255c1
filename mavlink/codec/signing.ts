/**
 * MAVLink 2 message signing (https://mavlink.io/en/guide/message_signing.html).
 *
 * signature = first 6 bytes of SHA-256(secret_key ‖ frame up to and including CRC ‖ link_id ‖ timestamp)
 * timestamp = 48-bit count of 10 µs units since 2015-01-01T00:00:00Z.
 *
 * Outgoing: each frame gets a timestamp strictly greater than the last one sent on this link (and never
 * behind the largest seen from a peer). Incoming: per stream (sysid, compid, link id) the timestamp must
 * strictly increase; a stream seen for the first time must not be more than one minute behind our own
 * timestamp (the spec's replay rule). Frames failing either are rejected, with a reason.
 */
import { createHash } from 'node:crypto';
import type { Clock } from '../../common/clock.js';
import { IFLAG_SIGNED, SIGNATURE_LEN, readUint48, writeUint48, type MavFrame } from './frame.js';

export const SIGNING_EPOCH_MS = Date.UTC(2015, 0, 1);
/** One minute in 10 µs units. */
export const REPLAY_WINDOW = 60 * 100_000;

export type UnsignedPolicy = 'accept' | 'flag' | 'reject';

export interface SigningConfig {
  /** 32-byte secret. An all-zero key means signing is off (as ArduPilot treats it). */
  key: Uint8Array;
  /** Our link id, carried in every signature we make. */
  linkId: number;
  /** What to do with unsigned incoming frames. Default 'reject' (RADIO_STATUS is always accepted). */
  unsigned?: UnsignedPolicy;
  /** Sign what we send. Default true. */
  signOutgoing?: boolean;
}

export type SignatureVerdict =
  | { ok: true; signed: boolean; flagged: boolean }
  | { ok: false; reason: 'unsigned' | 'bad-signature' | 'replay' | 'stale-stream' };

const RADIO_STATUS_ID = 109;

export function keyFromPassphrase(passphrase: string): Uint8Array {
  return new Uint8Array(createHash('sha256').update(passphrase, 'utf8').digest());
}

export function isZeroKey(key: Uint8Array): boolean {
  return key.every((b) => b === 0);
}

/** Compute the 6-byte signature of a frame whose last 13 bytes are the signature block (link id and timestamp filled). */
export function computeSignature(key: Uint8Array, frame: Uint8Array): Uint8Array {
  const h = createHash('sha256');
  h.update(key);
  h.update(frame.subarray(0, frame.length - 6));
  return new Uint8Array(h.digest().subarray(0, 6));
}

/** Fill the signature block of a frame built with space for it. */
export function signFrame(frame: Uint8Array, key: Uint8Array, linkId: number, timestamp: number): void {
  if (!(frame[2]! & IFLAG_SIGNED)) throw new Error('signFrame: frame was not built with the signed flag');
  const at = frame.length - SIGNATURE_LEN;
  frame[at] = linkId & 0xff;
  writeUint48(frame, at + 1, timestamp);
  frame.set(computeSignature(key, frame), at + 7);
}

function equal6(a: Uint8Array, b: Uint8Array): boolean {
  let d = 0;
  for (let k = 0; k < 6; k++) d |= a[k]! ^ b[k]!;
  return d === 0;
}

/** Per-link signing state: the timestamp we send with, and the last timestamp of each incoming stream. */
export class Signer {
  private lastTimestamp = 0;
  private readonly streams = new Map<number, number>();
  readonly policy: UnsignedPolicy;

  constructor(
    private readonly config: SigningConfig,
    private readonly clock: Clock,
    /** Start sending after this timestamp (SETUP_SIGNING's initial_timestamp, a link's previous signer). */
    initialTimestamp = 0,
  ) {
    this.policy = config.unsigned ?? 'reject';
    this.lastTimestamp = Math.max(0, initialTimestamp);
  }

  /** The last timestamp sent or seen. */
  get lastSent(): number {
    return this.lastTimestamp;
  }

  get enabled(): boolean {
    return !isZeroKey(this.config.key);
  }

  get signsOutgoing(): boolean {
    return this.enabled && this.config.signOutgoing !== false;
  }

  /** The next timestamp to send: wall time, but strictly increasing and never behind what peers sent. */
  nextTimestamp(): number {
    const fromClock = Math.floor((this.clock.now() - SIGNING_EPOCH_MS) * 100);
    this.lastTimestamp = Math.max(this.lastTimestamp + 1, fromClock);
    return this.lastTimestamp;
  }

  sign(frame: Uint8Array): void {
    signFrame(frame, this.config.key, this.config.linkId, this.nextTimestamp());
  }

  verify(frame: MavFrame): SignatureVerdict {
    if (!this.enabled) return { ok: true, signed: !!frame.signature, flagged: false };
    const sig = frame.signature;
    if (!sig) {
      if (frame.msgid === RADIO_STATUS_ID || this.policy === 'accept') return { ok: true, signed: false, flagged: false };
      if (this.policy === 'flag') return { ok: true, signed: false, flagged: true };
      return { ok: false, reason: 'unsigned' };
    }
    if (!equal6(computeSignature(this.config.key, frame.raw), sig.bytes)) return { ok: false, reason: 'bad-signature' };
    const streamKey = (frame.sysid << 16) | (frame.compid << 8) | sig.linkId;
    const last = this.streams.get(streamKey);
    if (last === undefined) {
      const local = Math.max(this.lastTimestamp, Math.floor((this.clock.now() - SIGNING_EPOCH_MS) * 100));
      if (sig.timestamp + REPLAY_WINDOW < local) return { ok: false, reason: 'stale-stream' };
    } else if (sig.timestamp <= last) {
      return { ok: false, reason: 'replay' };
    }
    this.streams.set(streamKey, sig.timestamp);
    if (sig.timestamp > this.lastTimestamp) this.lastTimestamp = sig.timestamp;
    return { ok: true, signed: true, flagged: false };
  }
}

export { readUint48 };
