/**
 * ArduPilot's packed parameter file, `@PARAM/param.pck` (and `?withdefaults=1`), as read over MAVFTP.
 *
 * Little-endian. Header: uint16 magic (0x671B plain, 0x671C with defaults), uint16 num_params, uint16
 * total_params. Then one entry per parameter in param_index order:
 *   byte 0: low nibble = packed type (1 INT8, 2 INT16, 3 INT32, 4 FLOAT), high nibble = flags
 *           (bit 0: a default value follows the value)
 *   byte 1: low nibble = leading name bytes shared with the previous name (0..15),
 *           high nibble = number of new name bytes − 1
 *   the new name bytes (no NUL), the value (1, 2 or 4 bytes), the default if flagged.
 * Zero bytes between entries are padding: the vehicle (AP_Filesystem_Param::pack_param) inserts
 * `type_len − (end % read_size)` zeros before an entry whose value would otherwise straddle a multiple of
 * the client's read size (file offsets), so the exact bytes depend on that size (239 for every burst read
 * of ours and of pymavlink's, as in the captures). Shared name prefixes are not capped except by the
 * 4-bit field and the rule that at least one name byte is new.
 */
import { MavParamType } from './types.js';

export const PCK_MAGIC = 0x671b;
export const PCK_MAGIC_WITH_DEFAULTS = 0x671c;
/** The largest MAVFTP data block, and the read size the captures and our client use. */
export const PCK_BLOCK_SIZE = 239;

export interface PackedParam {
  name: string;
  /** MAV_PARAM_TYPE (2 INT8, 4 INT16, 6 INT32, 9 REAL32). */
  type: number;
  value: number;
  /** Present only in the withdefaults file, for parameters whose value differs from the default. */
  defaultValue?: number;
}

export interface PackedFile {
  withDefaults: boolean;
  /** num_params: the entries in this file. */
  count: number;
  /** total_params: all parameters of the vehicle. */
  total: number;
  params: PackedParam[];
  /** Number of zero padding bytes skipped. */
  padding: number;
}

export type DecodeResult = { ok: true; file: PackedFile } | { ok: false; reason: string };

const SIZE: Record<number, number> = { 1: 1, 2: 2, 3: 4, 4: 4 };
const TO_MAV: Record<number, number> = { 1: MavParamType.INT8, 2: MavParamType.INT16, 3: MavParamType.INT32, 4: MavParamType.REAL32 };
const FROM_MAV: Record<number, number> = { [MavParamType.INT8]: 1, [MavParamType.UINT8]: 1, [MavParamType.INT16]: 2, [MavParamType.UINT16]: 2, [MavParamType.INT32]: 3, [MavParamType.UINT32]: 3, [MavParamType.REAL32]: 4 };

function readValue(dv: DataView, at: number, ptype: number): number {
  switch (ptype) {
    case 1: return dv.getInt8(at);
    case 2: return dv.getInt16(at, true);
    case 3: return dv.getInt32(at, true);
    default: return dv.getFloat32(at, true);
  }
}

function writeValue(dv: DataView, at: number, ptype: number, v: number): void {
  switch (ptype) {
    case 1: dv.setInt8(at, Math.round(v)); break;
    case 2: dv.setInt16(at, Math.round(v), true); break;
    case 3: dv.setInt32(at, Math.round(v), true); break;
    default: dv.setFloat32(at, v, true);
  }
}

/** Decode a whole packed parameter file. A truncated or malformed file is an error naming the offset. */
export function decodePacked(bytes: Uint8Array): DecodeResult {
  if (bytes.length < 6) return { ok: false, reason: `param.pck: ${bytes.length} bytes, shorter than the 6-byte header` };
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = dv.getUint16(0, true);
  if (magic !== PCK_MAGIC && magic !== PCK_MAGIC_WITH_DEFAULTS) {
    return { ok: false, reason: `param.pck: bad magic 0x${magic.toString(16)} (expected 0x671b or 0x671c)` };
  }
  const count = dv.getUint16(2, true);
  const total = dv.getUint16(4, true);
  const params: PackedParam[] = [];
  let prev = '';
  let pos = 6;
  let padding = 0;
  while (params.length < count) {
    if (pos >= bytes.length) return { ok: false, reason: `param.pck: ends after ${params.length} of ${count} parameters (offset ${pos})` };
    const b0 = bytes[pos]!;
    if (b0 === 0) {
      pos++;
      padding++;
      continue;
    }
    const ptype = b0 & 0x0f;
    const flags = b0 >> 4;
    const size = SIZE[ptype];
    if (size === undefined) return { ok: false, reason: `param.pck: unknown type ${ptype} at offset ${pos}` };
    if (pos + 2 > bytes.length) return { ok: false, reason: `param.pck: truncated entry at offset ${pos}` };
    const b1 = bytes[pos + 1]!;
    const shared = b1 & 0x0f;
    const fresh = (b1 >> 4) + 1;
    const hasDefault = (flags & 1) !== 0;
    const end = pos + 2 + fresh + size * (hasDefault ? 2 : 1);
    if (end > bytes.length) return { ok: false, reason: `param.pck: truncated entry at offset ${pos}` };
    if (shared > prev.length) return { ok: false, reason: `param.pck: entry at offset ${pos} shares ${shared} bytes of a ${prev.length}-byte name` };
    let name = prev.slice(0, shared);
    for (let i = 0; i < fresh; i++) name += String.fromCharCode(bytes[pos + 2 + i]!);
    const at = pos + 2 + fresh;
    const p: PackedParam = { name, type: TO_MAV[ptype]!, value: readValue(dv, at, ptype) };
    if (hasDefault) p.defaultValue = readValue(dv, at + size, ptype);
    params.push(p);
    prev = name;
    pos = end;
  }
  return { ok: true, file: { withDefaults: magic === PCK_MAGIC_WITH_DEFAULTS, count, total, params, padding } };
}

export interface EncodeOptions {
  withDefaults?: boolean;
  /** The client's read size: no entry straddles a multiple of it. Default 239. */
  blockSize?: number;
  /** total_params (default: params.length). */
  total?: number;
}

/** Encode as the vehicle does (sim side; also used for tests). */
export function encodePacked(params: readonly PackedParam[], o: EncodeOptions = {}): Uint8Array {
  const block = o.blockSize ?? PCK_BLOCK_SIZE;
  const out = new Uint8Array(6 + params.length * (2 + 16 + 8) + Math.ceil((params.length * 26) / block) * 26 + 64);
  const dv = new DataView(out.buffer);
  dv.setUint16(0, o.withDefaults ? PCK_MAGIC_WITH_DEFAULTS : PCK_MAGIC, true);
  dv.setUint16(2, params.length, true);
  dv.setUint16(4, o.total ?? params.length, true);
  let pos = 6;
  let prev = '';
  for (const p of params) {
    const ptype = FROM_MAV[p.type] ?? 4;
    const size = SIZE[ptype]!;
    let shared = 0;
    const max = Math.min(15, prev.length, p.name.length - 1);
    while (shared < max && prev.charCodeAt(shared) === p.name.charCodeAt(shared)) shared++;
    const fresh = p.name.length - shared;
    const withDefault = o.withDefaults === true && p.defaultValue !== undefined;
    const len = 2 + fresh + size * (withDefault ? 2 : 1);
    if (size > 1) {
      const mod = (pos + len) % block;
      if (mod > 0 && mod < size) pos += size - mod; // zero padding: the value must not straddle a block
    }
    out[pos] = ptype | (withDefault ? 0x10 : 0);
    out[pos + 1] = shared | ((fresh - 1) << 4);
    for (let i = 0; i < fresh; i++) out[pos + 2 + i] = p.name.charCodeAt(shared + i) & 0x7f;
    writeValue(dv, pos + 2 + fresh, ptype, p.value);
    if (withDefault) writeValue(dv, pos + 2 + fresh + size, ptype, p.defaultValue!);
    pos += len;
    prev = p.name;
  }
  return out.slice(0, pos);
}
