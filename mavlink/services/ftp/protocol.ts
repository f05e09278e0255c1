/**
 * MAVFTP (FILE_TRANSFER_PROTOCOL.payload) encoding: the 12-byte header and up to 239 data bytes, opcodes,
 * NAK error codes, directory entries and the CRC32 the vehicle computes (https://mavlink.io/en/services/ftp.html).
 *
 * payload: uint16 seq_number, uint8 session, uint8 opcode, uint8 size, uint8 req_opcode, uint8 burst_complete,
 *          uint8 padding, uint32 offset, uint8 data[239]   (little-endian)
 * MAVLink 2 trims trailing zeros of the 251-byte payload; the codec zero-fills it back.
 */
import { common } from 'mavlink-mappings';
import { make } from '../../codec/messages.js';

export const FTP_DATA_MAX = 239;
export const FTP_HEADER = 12;

export const Op = {
  None: 0,
  TerminateSession: 1,
  ResetSessions: 2,
  ListDirectory: 3,
  OpenFileRO: 4,
  ReadFile: 5,
  CreateFile: 6,
  WriteFile: 7,
  RemoveFile: 8,
  CreateDirectory: 9,
  RemoveDirectory: 10,
  OpenFileWO: 11,
  TruncateFile: 12,
  Rename: 13,
  CalcFileCRC32: 14,
  BurstReadFile: 15,
  Ack: 128,
  Nak: 129,
} as const;

export const FtpError = {
  None: 0,
  Fail: 1,
  FailErrno: 2,
  InvalidDataSize: 3,
  InvalidSession: 4,
  NoSessionsAvailable: 5,
  EOF: 6,
  UnknownCommand: 7,
  FileExists: 8,
  FileProtected: 9,
  FileNotFound: 10,
} as const;

export const OP_NAMES: Readonly<Record<number, string>> = Object.fromEntries(Object.entries(Op).map(([k, v]) => [v, k]));
export const ERROR_NAMES: Readonly<Record<number, string>> = Object.fromEntries(Object.entries(FtpError).map(([k, v]) => [v, k]));

export interface FtpPayload {
  seq: number;
  session: number;
  opcode: number;
  size: number;
  reqOpcode: number;
  burstComplete: boolean;
  offset: number;
  data: Uint8Array;
}

export function encodeFtp(p: Partial<FtpPayload> & { opcode: number }): number[] {
  const out = new Array<number>(FTP_HEADER + FTP_DATA_MAX).fill(0);
  const seq = (p.seq ?? 0) & 0xffff;
  const data = p.data ?? new Uint8Array(0);
  const size = p.size ?? data.length;
  out[0] = seq & 0xff;
  out[1] = seq >> 8;
  out[2] = (p.session ?? 0) & 0xff;
  out[3] = p.opcode;
  out[4] = size & 0xff;
  out[5] = p.reqOpcode ?? 0;
  out[6] = p.burstComplete ? 1 : 0;
  const off = (p.offset ?? 0) >>> 0;
  out[8] = off & 0xff;
  out[9] = (off >>> 8) & 0xff;
  out[10] = (off >>> 16) & 0xff;
  out[11] = (off >>> 24) & 0xff;
  for (let i = 0; i < Math.min(data.length, FTP_DATA_MAX); i++) out[FTP_HEADER + i] = data[i]!;
  return out;
}

export function decodeFtp(payload: readonly number[] | Uint8Array): FtpPayload {
  const b = (i: number): number => payload[i] ?? 0;
  const size = Math.min(b(4), FTP_DATA_MAX);
  const data = new Uint8Array(size);
  for (let i = 0; i < size; i++) data[i] = b(FTP_HEADER + i);
  return {
    seq: b(0) | (b(1) << 8),
    session: b(2),
    opcode: b(3),
    size,
    reqOpcode: b(5),
    burstComplete: b(6) !== 0,
    offset: (b(8) | (b(9) << 8) | (b(10) << 16) | (b(11) << 24)) >>> 0,
    data,
  };
}

export function ftpMessage(targetSystem: number, targetComponent: number, p: Partial<FtpPayload> & { opcode: number }): common.FileTransferProtocol {
  return make(common.FileTransferProtocol, { targetNetwork: 0, targetSystem, targetComponent, payload: encodeFtp(p) });
}

const enc = new TextEncoder();
const dec = new TextDecoder();
export function pathBytes(path: string): Uint8Array {
  return enc.encode(path).subarray(0, FTP_DATA_MAX);
}
export function text(bytes: Uint8Array): string {
  return dec.decode(bytes);
}

/** The NAK's error code and, for FailErrno, the errno. */
export function nakError(p: FtpPayload): { code: number; errno: number | undefined; name: string } {
  const code = p.data[0] ?? FtpError.Fail;
  return { code, errno: code === FtpError.FailErrno ? p.data[1] : undefined, name: ERROR_NAMES[code] ?? `error ${code}` };
}

export interface DirEntry {
  kind: 'file' | 'dir' | 'skip';
  name: string;
  /** Files: the size the vehicle reports (unreliable for virtual files). */
  size: number;
}

/**
 * Parse a ListDirectory ACK: entries `F<name>\t<size>` / `D<name>` / `S` (skipped), each ended by NULs
 * (one per the spec, two in ArduPilot 4.7, as captured). Returns the entries (empty names dropped).
 */
export function parseDirEntries(data: Uint8Array): DirEntry[] {
  const out: DirEntry[] = [];
  for (const raw of text(data).split('\0')) {
    if (raw.length === 0) continue;
    const t = raw[0];
    const body = raw.slice(1);
    if (t === 'F') {
      const tab = body.lastIndexOf('\t');
      out.push({ kind: 'file', name: tab < 0 ? body : body.slice(0, tab), size: tab < 0 ? 0 : Number(body.slice(tab + 1)) || 0 });
    } else if (t === 'D') out.push({ kind: 'dir', name: body, size: 0 });
    else out.push({ kind: 'skip', name: body, size: 0 });
  }
  return out;
}

/** Encode directory entries as ArduPilot 4.7 does (each followed by two NULs). */
export function encodeDirEntry(e: DirEntry): Uint8Array {
  const s = e.kind === 'file' ? `F${e.name}\t${e.size}` : e.kind === 'dir' ? `D${e.name}` : 'S';
  const b = enc.encode(s);
  const out = new Uint8Array(b.length + 2);
  out.set(b, 0);
  return out;
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
})();

/**
 * The CRC32 of CalcFileCRC32 as ArduPilot and PX4 compute it (crc_crc32: reflected 0xEDB88320, start value
 * 0, no final XOR; not zlib's crc32). Feed chunks by passing the previous result.
 */
export function ftpCrc32(bytes: Uint8Array, crc = 0): number {
  let c = crc >>> 0;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return c >>> 0;
}
