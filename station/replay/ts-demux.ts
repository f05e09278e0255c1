/**
 * A small MPEG-TS demuxer for what our own muxer writes (station/video/mpegts.ts): one frame's packets as the
 * recording index gives them (offset, size) → the access unit (Annex B) and its PTS.
 *
 *   188-byte packets: 0x47 · PUSI + PID · adaptation-field control + continuity counter
 *     PID 0        PAT  → the PMT's PID        (before keyframes)
 *     PMT PID      PMT  → the video PID and its stream type (0x1b H.264, 0x24 H.265)
 *     video PID    PES: the first packet has payload_unit_start, the PES header (00 00 01 E0, length 0,
 *                  flags, header length, 5-byte PTS), then the access unit; later packets carry the rest;
 *                  adaptation fields (PCR, random access, stuffing) are skipped.
 * Without a PAT/PMT in the frame (non-keyframes), the PID is the muxer's VIDEO_PID or the one a previous PMT
 * named. Anything that does not check out (sync byte, a second PES start, no PES header) is an error value.
 */
import { err, ok, type Result } from '../../common/result.js';
import { TS_PACKET, VIDEO_PID } from '../video/mpegts.js';

export interface DemuxedFrame {
  /** The access unit, Annex B. */
  data: Uint8Array;
  /** 90 kHz, as in the PES header; null when the header has none. */
  pts: number | null;
  codec: 'h264' | 'h265';
}

export interface DemuxState {
  videoPid: number;
  codec: 'h264' | 'h265';
}

export const newDemuxState = (): DemuxState => ({ videoPid: VIDEO_PID, codec: 'h264' });

function pmtPid(section: Uint8Array): number | undefined {
  // table_id 0, section_length, tsid, version, section numbers, then (program_number, PID) pairs.
  if (section[0] !== 0x00) return undefined;
  const len = ((section[1]! & 0x0f) << 8) | section[2]!;
  for (let o = 8; o + 4 <= 3 + len - 4; o += 4) {
    const program = (section[o]! << 8) | section[o + 1]!;
    if (program !== 0) return ((section[o + 2]! & 0x1f) << 8) | section[o + 3]!;
  }
  return undefined;
}

function videoFromPmt(section: Uint8Array): { pid: number; codec: 'h264' | 'h265' } | undefined {
  if (section[0] !== 0x02) return undefined;
  const len = ((section[1]! & 0x0f) << 8) | section[2]!;
  const end = 3 + len - 4;
  const progInfo = ((section[10]! & 0x0f) << 8) | section[11]!;
  for (let o = 12 + progInfo; o + 5 <= end; ) {
    const type = section[o]!;
    const pid = ((section[o + 1]! & 0x1f) << 8) | section[o + 2]!;
    const esInfo = ((section[o + 3]! & 0x0f) << 8) | section[o + 4]!;
    if (type === 0x1b) return { pid, codec: 'h264' };
    if (type === 0x24) return { pid, codec: 'h265' };
    o += 5 + esInfo;
  }
  return undefined;
}

function readPts(b: Uint8Array, o: number): number {
  return (((b[o]! >> 1) & 0x07) * 2 ** 30) + ((b[o + 1]! << 7) | (b[o + 2]! >> 1)) * 2 ** 15 + ((b[o + 3]! << 7) | (b[o + 4]! >> 1));
}

/** One frame's TS packets → its access unit. `state` carries the PIDs a PAT/PMT named to later frames. */
export function demuxFrame(bytes: Uint8Array, state: DemuxState = newDemuxState()): Result<DemuxedFrame> {
  if (bytes.length === 0 || bytes.length % TS_PACKET !== 0) return err('bad-size', `frame of ${bytes.length} bytes is not whole 188-byte TS packets`);
  let pmt: number | undefined;
  const parts: Uint8Array[] = [];
  let started = false;
  for (let at = 0; at < bytes.length; at += TS_PACKET) {
    const p = bytes.subarray(at, at + TS_PACKET);
    if (p[0] !== 0x47) return err('sync', `no TS sync byte at +${at}`);
    const pusi = (p[1]! & 0x40) !== 0;
    const pid = ((p[1]! & 0x1f) << 8) | p[2]!;
    const afc = (p[3]! >> 4) & 0x03;
    let o = 4;
    if (afc & 0x02) o += 1 + p[4]!;
    if (!(afc & 0x01) || o >= TS_PACKET) continue;
    const payload = p.subarray(o);
    if (pid === 0 && pusi) {
      pmt = pmtPid(payload.subarray(1 + payload[0]!));
      continue;
    }
    if (pid === pmt && pusi) {
      const v = videoFromPmt(payload.subarray(1 + payload[0]!));
      if (v) {
        state.videoPid = v.pid;
        state.codec = v.codec;
      }
      continue;
    }
    if (pid !== state.videoPid) continue;
    if (pusi) {
      if (started) return err('two-pes', 'a second PES starts inside one frame');
      started = true;
    } else if (!started) return err('no-start', 'video payload before the PES start');
    parts.push(payload);
  }
  if (!started) return err('no-pes', 'no video PES in the frame');
  let n = 0;
  for (const x of parts) n += x.length;
  const pes = new Uint8Array(n);
  let w = 0;
  for (const x of parts) {
    pes.set(x, w);
    w += x.length;
  }
  if (pes.length < 9 || pes[0] !== 0 || pes[1] !== 0 || pes[2] !== 1) return err('no-pes', 'no PES start code');
  const hdrLen = pes[8]!;
  if (9 + hdrLen > pes.length) return err('no-pes', 'PES header runs past the frame');
  const pts = (pes[7]! & 0x80) !== 0 && hdrLen >= 5 ? readPts(pes, 9) : null;
  return ok({ data: pes.subarray(9 + hdrLen), pts, codec: state.codec });
}
