/** CRC-16/MCRF4XX (X.25 as MAVLink calls it), table driven. */
const TABLE = new Uint16Array(256);
for (let i = 0; i < 256; i++) {
  let crc = i;
  for (let j = 0; j < 8; j++) crc = crc & 1 ? (crc >>> 1) ^ 0x8408 : crc >>> 1;
  TABLE[i] = crc;
}

export const CRC_INIT = 0xffff;

/** Accumulate bytes buf[start, end) into crc. */
export function crc16(buf: Uint8Array, start: number, end: number, crc = CRC_INIT): number {
  for (let i = start; i < end; i++) crc = (crc >>> 8) ^ TABLE[(crc ^ buf[i]!) & 0xff]!;
  return crc;
}

export function crc16Byte(b: number, crc: number): number {
  return (crc >>> 8) ^ TABLE[(crc ^ b) & 0xff]!;
}
