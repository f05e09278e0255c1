/**
 * CRC-16/MCRF4XX and CRC_EXTRA: our table-driven CRC against a bit-by-bit reference and the published check
 * value, and every CRC_EXTRA in the registry we spot-check against one computed from the MAVLink XML with the
 * spec's algorithm (https://mavlink.io/en/guide/serialization.html#crc_extra).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ardupilotmega, common } from 'mavlink-mappings';
import { x25crc } from 'node-mavlink';
import { CRC_INIT, crc16, crc16Byte } from './crc.js';
import { REGISTRY, baseLength, crcExtra, messageName } from './messages.js';

const fixture = (name: string) => new URL(`../../tests/fixtures/${name}`, import.meta.url);

/** Bit-by-bit CRC-16/MCRF4XX (poly 0x1021 reflected = 0x8408, init 0xFFFF, no final xor). */
function crcReference(bytes: Uint8Array, crc = 0xffff): number {
  for (const b of bytes) {
    crc ^= b;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x8408 : crc >>> 1;
  }
  return crc;
}

const ascii = (s: string) => new TextEncoder().encode(s);

describe('crc16', () => {
  it('gives the CRC-16/MCRF4XX check value for "123456789"', () => {
    const b = ascii('123456789');
    expect(crc16(b, 0, b.length)).toBe(0x6f91);
    expect(crcReference(b)).toBe(0x6f91);
  });

  it('matches a bit-by-bit reference and node-mavlink on random data, whole and in pieces', () => {
    let seed = 12345;
    const rnd = () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
    for (let t = 0; t < 200; t++) {
      const b = new Uint8Array(1 + (t % 97));
      for (let k = 0; k < b.length; k++) b[k] = rnd();
      const whole = crc16(b, 0, b.length);
      expect(whole).toBe(crcReference(b));
      const cut = t % b.length;
      expect(crc16(b, cut, b.length, crc16(b, 0, cut))).toBe(whole);
      let byByte = CRC_INIT;
      for (const x of b) byByte = crc16Byte(x, byByte);
      expect(byByte).toBe(whole);
      // node-mavlink's x25crc(buffer, start, trimEnd, extra) = CRC over [start, len - trimEnd) then the extra byte.
      const extra = rnd();
      expect(x25crc(Buffer.from(b), 0, 0, extra)).toBe(crc16Byte(extra, whole));
    }
  });
});

interface XmlField {
  type: string;
  name: string;
}

/** Messages of an XML file: name, id, fields before <extensions/>. Comments are stripped first. */
function parseXmlMessages(xml: string): { id: number; name: string; fields: XmlField[]; extFields: XmlField[] }[] {
  const clean = xml.replace(/<!--[\s\S]*?-->/g, '');
  const out = [];
  for (const m of clean.matchAll(/<message\s+id="(\d+)"\s+name="([A-Z0-9_]+)"\s*>([\s\S]*?)<\/message>/g)) {
    const body = m[3]!;
    const cut = body.search(/<extensions\s*\/>/);
    const fieldsOf = (s: string) =>
      [...s.matchAll(/<field\b[^>]*>/g)].map((f) => ({
        type: /\btype="([^"]+)"/.exec(f[0])![1]!,
        name: /\bname="([^"]+)"/.exec(f[0])![1]!,
      }));
    out.push({
      id: Number(m[1]),
      name: m[2]!,
      fields: fieldsOf(cut >= 0 ? body.slice(0, cut) : body),
      extFields: cut >= 0 ? fieldsOf(body.slice(cut)) : [],
    });
  }
  return out;
}

const TYPE_SIZE: Record<string, number> = {
  double: 8,
  uint64_t: 8,
  int64_t: 8,
  float: 4,
  uint32_t: 4,
  int32_t: 4,
  uint16_t: 2,
  int16_t: 2,
  uint8_t: 1,
  int8_t: 1,
  char: 1,
  uint8_t_mavlink_version: 1,
};

/**
 * The spec's CRC_EXTRA: CRC over "NAME " then, for each non-extension field in wire order (stable sort by
 * type size, largest first), "type name " and, for an array, one byte with its length; then low ^ high byte.
 */
function crcExtraFromXml(name: string, fields: XmlField[]): number {
  const parsed = fields.map((f, i) => {
    const m = /^([a-z0-9_]+)(?:\[(\d+)\])?$/.exec(f.type)!;
    return { base: m[1]!, arrayLength: m[2] ? Number(m[2]) : 0, name: f.name, i };
  });
  parsed.sort((a, b) => TYPE_SIZE[b.base]! - TYPE_SIZE[a.base]! || a.i - b.i);
  let crc = crcReference(ascii(`${name} `));
  for (const f of parsed) {
    const type = f.base === 'uint8_t_mavlink_version' ? 'uint8_t' : f.base;
    crc = crcReference(ascii(`${type} ${f.name} `), crc);
    if (f.arrayLength) crc = crcReference(new Uint8Array([f.arrayLength]), crc);
  }
  return (crc & 0xff) ^ (crc >> 8);
}

describe('CRC_EXTRA and the registry', () => {
  const xml = readFileSync(fixture('mavlink-messages-excerpt.xml'), 'utf8');
  const messages = parseXmlMessages(xml);

  it('the XML excerpt holds the messages this test is about', () => {
    expect(messages.map((m) => m.name)).toEqual(
      expect.arrayContaining([
        'HEARTBEAT',
        'MISSION_CURRENT',
        'MISSION_ITEM_INT',
        'FILE_TRANSFER_PROTOCOL',
        'VIDEO_STREAM_INFORMATION',
        'CAMERA_INFORMATION',
        'AHRS',
        'EKF_STATUS_REPORT',
        'PARAM_VALUE',
        'STATUSTEXT',
      ]),
    );
    expect(messages.length).toBeGreaterThanOrEqual(20);
  });

  it('known CRC_EXTRA values from the spec come out of the algorithm', () => {
    const byName = new Map(messages.map((m) => [m.name, m]));
    // Values printed in the generated C headers (MAVLINK_MSG_ID_*_CRC).
    expect(crcExtraFromXml('HEARTBEAT', byName.get('HEARTBEAT')!.fields)).toBe(50);
    expect(crcExtraFromXml('COMMAND_LONG', byName.get('COMMAND_LONG')!.fields)).toBe(152);
    expect(crcExtraFromXml('GLOBAL_POSITION_INT', byName.get('GLOBAL_POSITION_INT')!.fields)).toBe(104);
  });

  for (const m of parseXmlMessages(readFileSync(fixture('mavlink-messages-excerpt.xml'), 'utf8'))) {
    it(`${m.name} (${m.id}) is registered with the XML's CRC_EXTRA and field layout`, () => {
      const cls = REGISTRY.get(m.id);
      expect(cls, `message id ${m.id} missing from REGISTRY`).toBeDefined();
      expect(cls!.MSG_NAME).toBe(m.name);
      expect(messageName(m.id)).toBe(m.name);
      const extra = crcExtraFromXml(m.name, m.fields);
      expect(cls!.MAGIC_NUMBER).toBe(extra);
      expect(crcExtra(m.id)).toBe(extra);
      // Field count (base + extensions) and the MAVLink 1 (base) length agree with the XML.
      expect(cls!.FIELDS.length).toBe(m.fields.length + m.extFields.length);
      const size = (fs: XmlField[]) =>
        fs.reduce((n, f) => {
          const mm = /^([a-z0-9_]+)(?:\[(\d+)\])?$/.exec(f.type)!;
          return n + TYPE_SIZE[mm[1]!]! * (mm[2] ? Number(mm[2]) : 1);
        }, 0);
      expect(baseLength(cls!)).toBe(size(m.fields));
      expect(cls!.PAYLOAD_LENGTH).toBe(size(m.fields) + size(m.extFields));
    });
  }

  it('has what the station needs: MISSION_CURRENT.mission_id, ardupilotmega ids, camera/video/FTP', () => {
    expect(common.MissionCurrent.FIELDS.map((f) => f.name)).toContain('missionId');
    expect(REGISTRY.get(42)).toBe(common.MissionCurrent);
    expect(REGISTRY.get(73)).toBe(common.MissionItemInt);
    expect(REGISTRY.get(110)).toBe(common.FileTransferProtocol);
    expect(REGISTRY.get(269)).toBe(common.VideoStreamInformation);
    expect(REGISTRY.get(259)).toBe(common.CameraInformation);
    expect(REGISTRY.get(193)).toBe(ardupilotmega.EkfStatusReport);
    expect(REGISTRY.get(163)).toBe(ardupilotmega.Ahrs);
    expect(REGISTRY.get(178)).toBe(ardupilotmega.Ahrs2);
    expect(crcExtra(193)).toBe(71);
    expect(crcExtra(163)).toBe(127);
  });

  it('unknown ids have no CRC_EXTRA and a placeholder name', () => {
    expect(crcExtra(0xabcdef)).toBeUndefined();
    expect(crcExtra(60000)).toBeUndefined();
    expect(crcExtra(-1)).toBeUndefined();
    expect(messageName(0xabcdef)).toBe(`MSG_${0xabcdef}`);
  });

  it('crcExtra() agrees with the classes for every registered id', () => {
    for (const [id, cls] of REGISTRY) expect(crcExtra(id)).toBe(cls.MAGIC_NUMBER);
  });
});
