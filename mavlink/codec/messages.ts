/**
 * Typed MAVLink messages: the classes of mavlink-mappings (common + ardupilotmega and what it includes),
 * with our own compiled payload readers and writers. A message is an instance of its mappings class
 * (e.g. `common.Heartbeat`), so code reads `msg.customMode`, `msg.baseMode` with types.
 */
import { minimal, common, standard, ardupilotmega, uavionix, icarous, development } from 'mavlink-mappings';
import type { MavLinkData, MavLinkDataConstructor, MavLinkPacketField } from 'mavlink-mappings';
import { err, ok, type Result } from '../../common/result.js';

export type MessageClass = MavLinkDataConstructor<MavLinkData>;
export type { MavLinkData };

/** One registry for everything ArduPilot speaks. Later dialects do not override earlier ids. */
function buildRegistry(): Map<number, MessageClass> {
  const reg = new Map<number, MessageClass>();
  for (const d of [minimal, standard, common, ardupilotmega, uavionix, icarous, development]) {
    for (const [id, cls] of Object.entries(d.REGISTRY)) {
      const n = Number(id);
      if (!reg.has(n)) reg.set(n, cls as MessageClass);
    }
  }
  return reg;
}

export const REGISTRY: ReadonlyMap<number, MessageClass> = buildRegistry();

/**
 * Per-id facts the hot paths need, read once from the classes: reading `cls.MAGIC_NUMBER` or
 * `cls.PAYLOAD_LENGTH` on ~300 different classes at every frame is a megamorphic property load.
 */
interface Entry {
  cls: MessageClass;
  length: number;
  extra: number;
  read: Reader | undefined;
}
const ENTRIES = new Map<number, Entry>();
/** CRC_EXTRA by id for ids below 65536 (all of ours today); -1 = unknown. Larger ids go through ENTRIES. */
const EXTRA_TABLE = new Int16Array(1 << 16).fill(-1);
for (const [id, cls] of REGISTRY) {
  ENTRIES.set(id, { cls, length: cls.PAYLOAD_LENGTH, extra: cls.MAGIC_NUMBER, read: undefined });
  if (id < EXTRA_TABLE.length) EXTRA_TABLE[id] = cls.MAGIC_NUMBER;
}

/** CRC_EXTRA of a message id, or undefined for ids we do not know (those pass through raw). */
export function crcExtra(msgid: number): number | undefined {
  if (msgid >= 0 && msgid < EXTRA_TABLE.length) {
    const e = EXTRA_TABLE[msgid]!;
    return e < 0 ? undefined : e;
  }
  return ENTRIES.get(msgid)?.extra;
}

/** Length of the payload without extension fields: what a MAVLink 1 frame carries. */
export function baseLength(cls: MessageClass): number {
  let n = 0;
  for (const f of cls.FIELDS) if (!f.extension) n = Math.max(n, f.offset + f.size * (f.length || 1));
  return n;
}

type Reader = (dv: DataView, bytes: Uint8Array, len: number) => MavLinkData;

/** Largest MAVLink payload is 255 bytes. */
const SCRATCH = new Uint8Array(256);
const SCRATCH_VIEW = new DataView(SCRATCH.buffer);
/** Writes the payload; returns undefined, or the name and value of the first field it refused (nothing written then counts). */
type Writer = (msg: MavLinkData, dv: DataView, bytes: Uint8Array) => string | undefined;

const writers = new Map<number, Writer>();

function scalarRead(type: string, off: string): string {
  switch (type) {
    case 'uint8_t':
    case 'uint8_t_mavlink_version':
      return `b[${off}]`;
    case 'int8_t':
      return `dv.getInt8(${off})`;
    case 'uint16_t':
      return `dv.getUint16(${off}, true)`;
    case 'int16_t':
      return `dv.getInt16(${off}, true)`;
    case 'uint32_t':
      return `dv.getUint32(${off}, true)`;
    case 'int32_t':
      return `dv.getInt32(${off}, true)`;
    case 'uint64_t':
      return `dv.getBigUint64(${off}, true)`;
    case 'int64_t':
      return `dv.getBigInt64(${off}, true)`;
    case 'float':
      return `dv.getFloat32(${off}, true)`;
    case 'double':
      return `dv.getFloat64(${off}, true)`;
    case 'char':
      return `b[${off}]`;
    default:
      throw new Error(`mavlink codec: unsupported field type ${type}`);
  }
}

function scalarWrite(type: string, off: string, v: string): string {
  switch (type) {
    case 'uint8_t':
    case 'uint8_t_mavlink_version':
    case 'char':
      return `dv.setUint8(${off}, Number(${v}) & 0xff)`;
    case 'int8_t':
      return `dv.setInt8(${off}, Number(${v}))`;
    case 'uint16_t':
      return `dv.setUint16(${off}, Number(${v}), true)`;
    case 'int16_t':
      return `dv.setInt16(${off}, Number(${v}), true)`;
    case 'uint32_t':
      return `dv.setUint32(${off}, Number(${v}), true)`;
    case 'int32_t':
      return `dv.setInt32(${off}, Number(${v}), true)`;
    case 'uint64_t':
      return `dv.setBigUint64(${off}, BigInt(${v}), true)`;
    case 'int64_t':
      return `dv.setBigInt64(${off}, BigInt(${v}), true)`;
    case 'float':
      return `dv.setFloat32(${off}, Number(${v}), true)`;
    case 'double':
      return `dv.setFloat64(${off}, Number(${v}), true)`;
    default:
      throw new Error(`mavlink codec: unsupported field type ${type}`);
  }
}

const textDecoder = new TextDecoder();
const textEncoder = new TextEncoder();

function decodeChars(b: Uint8Array, off: number, len: number): string {
  // ArduPilot sends ASCII: build short strings directly (TextDecoder costs a native call and a view each);
  // anything non-ASCII goes through UTF-8 decoding as before.
  let s = '';
  const max = off + len;
  for (let k = off; k < max; k++) {
    const c = b[k]!;
    if (c === 0) return s;
    if (c >= 0x80) {
      let end = k;
      while (end < max && b[end] !== 0) end++;
      return textDecoder.decode(b.subarray(off, end));
    }
    s += String.fromCharCode(c);
  }
  return s;
}

function encodeChars(b: Uint8Array, off: number, len: number, s: unknown): void {
  const bytes = textEncoder.encode(typeof s === 'string' ? s : '');
  b.set(bytes.subarray(0, len), off);
}

/**
 * A generated constructor of one message class whose prototype is the mappings class's: what it builds is
 * `instanceof` that class, `.constructor` is the class, and it has the same own properties in the same order as
 * `new Cls()` — but the mappings constructors' default values (which call Object.keys on an enum per enum field)
 * are never computed. `value(f)` is the expression of field f's value; it may read `dv` and `b` (a payload).
 */
function compileConstructor(cls: MessageClass, value: (f: MavLinkPacketField) => string): new (dv?: DataView, b?: Uint8Array) => MavLinkData {
  const byName = new Map<string, MavLinkPacketField>();
  for (const f of cls.FIELDS as MavLinkPacketField[]) byName.set(f.name, f);
  const template = new cls() as unknown as Record<string, unknown>;
  const order = Object.keys(template);
  for (const name of byName.keys()) if (!order.includes(name)) order.push(name);
  const lines: string[] = [];
  for (const name of order) {
    const f = byName.get(name);
    const key = JSON.stringify(name);
    lines.push(f ? `this[${key}] = ${value(f)};` : `this[${key}] = tmpl[${key}];`);
  }
  const build = new Function('Cls', 'decodeChars', 'tmpl', `function Msg(dv, b) { ${lines.join('\n')} }\n Msg.prototype = Cls.prototype;\n return Msg;`) as (
    c: MessageClass,
    d: typeof decodeChars,
    t: unknown,
  ) => new (dv?: DataView, b?: Uint8Array) => MavLinkData;
  return build(cls, decodeChars, template);
}

/** A reader builds the message with the class's generated constructor (every field is read from the payload). */
function compileReader(cls: MessageClass): Reader {
  const Msg = compileConstructor(cls, (f) => {
    const base = f.type.replace('[]', '');
    if (f.type === 'char[]') return `decodeChars(b, ${f.offset}, ${f.length})`;
    if (!f.type.endsWith('[]')) return scalarRead(base, String(f.offset));
    const items: string[] = [];
    for (let i = 0; i < f.length; i++) items.push(scalarRead(base, String(f.offset + i * f.size)));
    return `[${items.join(', ')}]`;
  });
  return (dv, b) => new Msg(dv, b);
}

/**
 * The check a field's value must pass before it is written. Integer fields take a finite number (a bigint for
 * the 64-bit ones); float fields take a number that is not ±Infinity — NaN stays allowed there, since MAVLink
 * uses it for "unset" (COMMAND_LONG params, mission item params). Anything else — a string, NaN in an integer
 * field (where `Number()` and the DataView would silently write 0: a go-to towards latitude 0) — is refused.
 */
function valueCheck(base: string, v: string): string {
  if (base === 'float' || base === 'double') return `(typeof ${v} === 'number' && ${v} !== Infinity && ${v} !== -Infinity)`;
  if (base.endsWith('64_t')) return `(typeof ${v} === 'bigint' || (typeof ${v} === 'number' && Number.isInteger(${v})))`;
  return `(typeof ${v} === 'number' && ${v} - ${v} === 0)`;
}

function compileWriter(cls: MessageClass): Writer {
  const checks: string[] = [];
  const lines: string[] = [];
  const refuse = (name: string, v: string) => `return ${JSON.stringify(name)} + ' = ' + describe(${v});`;
  for (const f of cls.FIELDS as MavLinkPacketField[]) {
    const base = f.type.replace('[]', '');
    const v = `m.${f.name}`;
    if (f.type === 'char[]') {
      lines.push(`encodeChars(b, ${f.offset}, ${f.length}, ${v});`);
    } else if (f.type.endsWith('[]')) {
      checks.push(`{ const a = ${v} || []; for (let i = 0; i < ${f.length}; i++) { const x = a[i]; if (x !== undefined && !${valueCheck(base, 'x')}) ${refuse(`${f.name}[]`, 'x')} } }`);
      lines.push(`{ const a = ${v} || [];`);
      for (let i = 0; i < f.length; i++) {
        lines.push(`if (a[${i}] !== undefined) ${scalarWrite(base, String(f.offset + i * f.size), `a[${i}]`)};`);
      }
      lines.push('}');
    } else {
      const zero = base.endsWith('64_t') ? '0n' : '0';
      // An absent field is 0, as before; a present one must be a value of its type.
      checks.push(`if (${v} !== undefined && !${valueCheck(base, v)}) ${refuse(f.name, v)}`);
      lines.push(`${scalarWrite(base, String(f.offset), `(${v} ?? ${zero})`)};`);
    }
  }
  const make = new Function('encodeChars', 'describe', `return function write(m, dv, b) { ${checks.join('\n')}\n${lines.join('\n')}\nreturn undefined; };`) as (
    e: typeof encodeChars,
    d: (x: unknown) => string,
  ) => Writer;
  return make(encodeChars, describeValue);
}

function describeValue(x: unknown): string {
  if (typeof x === 'string') return JSON.stringify(x.length > 40 ? `${x.slice(0, 40)}…` : x);
  if (typeof x === 'number' || typeof x === 'bigint' || typeof x === 'boolean' || x === null) return String(x);
  return typeof x;
}

function writerFor(cls: MessageClass): Writer {
  let w = writers.get(cls.MSG_ID);
  if (!w) {
    w = compileWriter(cls);
    writers.set(cls.MSG_ID, w);
  }
  return w;
}

/**
 * Decode a payload (possibly truncated by MAVLink 2's trailing-zero rule, or a MAVLink 1 payload without
 * extensions) into its typed message. Missing bytes read as zero, as the spec says. Unknown ids → undefined.
 */
export function decodePayload(msgid: number, payload: Uint8Array): MavLinkData | undefined {
  const e = ENTRIES.get(msgid);
  if (!e) return undefined;
  // Read from one shared scratch buffer (no per-message copy or DataView): the payload is copied in and
  // the missing tail zeroed, so a truncated payload reads as zeros, as the spec says. Readers finish
  // synchronously and keep no reference to the scratch.
  const full = e.length;
  const n = payload.length;
  if (n <= full) {
    SCRATCH.set(payload, 0);
    if (n < full) SCRATCH.fill(0, n, full);
  } else {
    SCRATCH.set(payload.subarray(0, full), 0);
  }
  const read = e.read ?? (e.read = compileReader(e.cls));
  return read(SCRATCH_VIEW, SCRATCH, n);
}

export interface EncodedPayload { msgid: number; crcExtra: number; payload: Uint8Array }

/**
 * Serialize a message's full payload (all fields, extensions included), not yet truncated — or refuse it: a
 * field holding a value its type cannot carry (NaN or Infinity in an integer field, a string in a number field,
 * Infinity anywhere) is an error value naming the message and the field, and nothing is encoded.
 */
export function encodeMessage(msg: MavLinkData): Result<EncodedPayload> {
  const cls = msg?.constructor as MessageClass | undefined;
  if (!cls || typeof cls.MSG_ID !== 'number' || !REGISTRY.has(cls.MSG_ID)) {
    return err('not-a-message', `mavlink codec: ${cls?.name ?? typeof msg} is not a registered MAVLink message class`);
  }
  const payload = new Uint8Array(cls.PAYLOAD_LENGTH);
  const refused = writerFor(cls)(msg, new DataView(payload.buffer), payload);
  if (refused !== undefined) return err('bad-value', `${cls.MSG_NAME}: ${refused} is not a value this field can carry (not sent)`);
  return ok({ msgid: cls.MSG_ID, crcExtra: cls.MAGIC_NUMBER, payload });
}

/** `encodeMessage` for code that builds its messages itself (tests, tools): throws on a refused value. */
export function encodePayload(msg: MavLinkData): EncodedPayload {
  const r = encodeMessage(msg);
  if (!r.ok) throw new Error(r.reason);
  return r.value;
}

/** Names by id, read once from the classes (the reducer names every frame it counts; see ENTRIES on static fields). */
const NAMES = new Map<number, string>([...REGISTRY].map(([id, cls]) => [id, cls.MSG_NAME]));

/** Name of a message id, e.g. "HEARTBEAT", or "MSG_<id>" when unknown. */
export function messageName(msgid: number): string {
  return NAMES.get(msgid) ?? `MSG_${msgid}`;
}

/**
 * A constructor of zeroed messages of one class (`compileConstructor`): every field zero ('' for char[], 0n for
 * 64-bit, arrays of zeros), without the mappings constructor — the simulator builds every telemetry message with
 * `make`, and SYS_STATUS's constructor alone was ~5 % of a simulated day.
 */
function compileZero(cls: MessageClass): () => MavLinkData {
  const Msg = compileConstructor(cls, (f) => {
    const base = f.type.replace('[]', '');
    const zero = f.type === 'char[]' ? "''" : base.endsWith('64_t') ? '0n' : '0';
    return f.type.endsWith('[]') && f.type !== 'char[]' ? `[${new Array<string>(f.length).fill(zero).join(', ')}]` : zero;
  });
  return () => new Msg();
}

const zeros = new Map<MessageClass, () => MavLinkData>();

/** Build a typed message from plain fields: `make(common.CommandLong, { command: 400, param1: 1 })`. */
export function make<T extends MavLinkData>(cls: new () => T, fields: Partial<Omit<T, never>>): T {
  // The mappings' constructors leave enum fields holding enum-name strings; every field starts from zero.
  const c = cls as unknown as MessageClass;
  let zero = zeros.get(c);
  if (!zero) {
    zero = compileZero(c);
    zeros.set(c, zero);
  }
  const m = zero() as T;
  Object.assign(m, fields);
  return m;
}
