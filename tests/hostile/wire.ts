/**
 * What the hostile-drone tests share: MAVLink frames built by hand (a hostile drone is not a SimDrone), a
 * bounded wait, and a heap figure taken after a full collection (node's --expose-gc, turned on at run time).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { encodeV2 } from '../../mavlink/codec/frame.js';
import { encodePayload, type MavLinkData } from '../../mavlink/codec/messages.js';

let seq = 0;
export function frameOf(message: MavLinkData, sysid = 1, compid = 1): Uint8Array {
  const { msgid, crcExtra, payload } = encodePayload(message);
  return encodeV2({ seq: seq++ & 0xff, sysid, compid }, msgid, crcExtra, payload);
}

/** Wait (real time, at most `tries` × 10 ms) until `cond` holds; false when it never did. */
export async function until(cond: () => boolean, tries = 1000): Promise<boolean> {
  for (let i = 0; i < tries; i++) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 10));
  }
  return cond();
}

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Heap used, array buffers (parser slabs live there) and RSS in MB after a full collection. */
export function memoryMb(): { heap: number; buffers: number; rss: number } {
  gc();
  gc();
  const m = process.memoryUsage();
  const mb = (b: number): number => Math.round((b / 1048576) * 10) / 10;
  return { heap: mb(m.heapUsed), buffers: mb(m.arrayBuffers), rss: mb(m.rss) };
}
