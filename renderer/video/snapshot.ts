/** Snapshot to file: the painted picture as PNG, named and tagged (tEXt chunks) with the drone, time and position. */
const CRC = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(b: Uint8Array): number {
  let c = 0xffffffff;
  for (const x of b) c = CRC[(c ^ x) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function textChunk(key: string, value: string): Uint8Array {
  const data = new TextEncoder().encode(`${key}\0${value.replace(/[^\x20-\x7e]/g, '?')}`);
  const out = new Uint8Array(12 + data.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, data.length);
  out.set(new TextEncoder().encode('tEXt'), 4);
  out.set(data, 8);
  v.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/** Inserts tEXt chunks right after IHDR (8-byte signature + 25-byte IHDR chunk). */
export function tagPng(png: Uint8Array, tags: Record<string, string>): Uint8Array {
  const chunks = Object.entries(tags).map(([k, v]) => textChunk(k, v));
  const at = 33;
  const size = chunks.reduce((a, c) => a + c.length, 0);
  const out = new Uint8Array(png.length + size);
  out.set(png.subarray(0, at));
  let o = at;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  out.set(png.subarray(at), o);
  return out;
}

export function snapshotName(drone: string, atMs: number, latDeg: number | null, lonDeg: number | null): string {
  const t = new Date(atMs).toISOString().replace(/[:]/g, '-').replace(/\.\d+Z$/, 'Z');
  const pos = latDeg !== null && lonDeg !== null ? `_${latDeg.toFixed(6)}N_${lonDeg.toFixed(6)}E` : '';
  return `${drone}_${t}${pos}.png`;
}
