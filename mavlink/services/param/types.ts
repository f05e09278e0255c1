/**
 * Parameter values and types. MAVLink's PARAM_VALUE/PARAM_SET carry every value in a float field; how an
 * integer travels there depends on the autopilot (MAV_PROTOCOL_CAPABILITY_PARAM_ENCODE_BYTEWISE vs
 * _C_CAST). ArduPilot uses the C cast (an INT32 of 1500 travels as 1500.0f), which the captures confirm
 * (copter-params.parm: RTL_ALT,1500,6); PX4 copies the bytes. Both live here as data (`ParamEncoding`).
 * Beware: a C cast of an INT32 above 2^24 loses precision on the wire (ArduPilot accepts that).
 */
import { common } from 'mavlink-mappings';

export const MavParamType = common.MavParamType;

export type ParamEncoding = 'cast' | 'bytewise';

export interface Param {
  name: string;
  /** The value as a number (integers are integers, REAL32 is a float32 value). */
  value: number;
  /** MAV_PARAM_TYPE (INT8 = 2, INT16 = 4, INT32 = 6, REAL32 = 9, …). */
  type: number;
}

const INTEGER_TYPES = new Set<number>([
  MavParamType.UINT8, MavParamType.INT8, MavParamType.UINT16, MavParamType.INT16, MavParamType.UINT32, MavParamType.INT32,
]);

export function isIntegerType(type: number): boolean {
  return INTEGER_TYPES.has(type);
}

export const PARAM_TYPE_NAMES: Readonly<Record<number, string>> = {
  1: 'UINT8', 2: 'INT8', 3: 'UINT16', 4: 'INT16', 5: 'UINT32', 6: 'INT32', 7: 'UINT64', 8: 'INT64', 9: 'REAL32', 10: 'REAL64',
};

const RANGES: Readonly<Record<number, [number, number]>> = {
  1: [0, 0xff], 2: [-0x80, 0x7f], 3: [0, 0xffff], 4: [-0x8000, 0x7fff], 5: [0, 0xffffffff], 6: [-0x80000000, 0x7fffffff],
};

/** The range of an integer type, or undefined for floats. */
export function typeRange(type: number): readonly [number, number] | undefined {
  return RANGES[type];
}

/** Whether `value` can be stored in a parameter of this type (integers: whole and in range). */
export function fitsType(type: number, value: number): boolean {
  if (!Number.isFinite(value)) return false;
  const r = RANGES[type];
  if (!r) return true;
  return Number.isInteger(value) && value >= r[0] && value <= r[1];
}

/** The value as it will be stored: integers rounded, REAL32 through float32. */
export function normalise(type: number, value: number): number {
  return isIntegerType(type) ? Math.round(value) : Math.fround(value);
}

const f32 = new Float32Array(1);
const u8 = new Uint8Array(f32.buffer);
const dv = new DataView(f32.buffer);

/** The float to put in PARAM_SET.param_value. */
export function toWire(type: number, value: number, enc: ParamEncoding): number {
  if (enc === 'cast' || !isIntegerType(type)) return Math.fround(value);
  u8.fill(0);
  switch (type) {
    case MavParamType.UINT8: dv.setUint8(0, value); break;
    case MavParamType.INT8: dv.setInt8(0, value); break;
    case MavParamType.UINT16: dv.setUint16(0, value, true); break;
    case MavParamType.INT16: dv.setInt16(0, value, true); break;
    case MavParamType.UINT32: dv.setUint32(0, value, true); break;
    case MavParamType.INT32: dv.setInt32(0, value, true); break;
  }
  return f32[0]!;
}

/** The value of a received PARAM_VALUE.param_value. */
export function fromWire(type: number, wire: number, enc: ParamEncoding): number {
  if (!isIntegerType(type)) return wire;
  if (enc === 'cast') return Math.round(wire);
  f32[0] = wire;
  switch (type) {
    case MavParamType.UINT8: return dv.getUint8(0);
    case MavParamType.INT8: return dv.getInt8(0);
    case MavParamType.UINT16: return dv.getUint16(0, true);
    case MavParamType.INT16: return dv.getInt16(0, true);
    case MavParamType.UINT32: return dv.getUint32(0, true);
    default: return dv.getInt32(0, true);
  }
}

/** Equal as the vehicle stores them (float32 for REAL32, exact for integers). */
export function sameValue(type: number, a: number, b: number): boolean {
  if (isIntegerType(type)) return Math.round(a) === Math.round(b);
  return Math.fround(a) === Math.fround(b) || (Number.isNaN(a) && Number.isNaN(b));
}

/** Shortest decimal that gives back the same float32 (e.g. 0.135, not 0.13500000536441803). */
export function formatFloat32(v: number): string {
  const f = Math.fround(v);
  if (!Number.isFinite(f)) return String(f);
  for (let p = 1; p <= 17; p++) {
    const s = Number(f.toPrecision(p));
    if (Math.fround(s) === f) return String(s);
  }
  return String(f);
}

export function formatValue(type: number, value: number): string {
  return isIntegerType(type) ? String(Math.round(value)) : formatFloat32(value);
}
