/** The binary video frame, both directions: what encodeFrame writes, parseFrame and frameDrone read back. */
import { describe, expect, it } from 'vitest';
import { codecFromConfig, encodeFrame, frameDrone, parseFrame, parseVideoMode, type WireFrame } from './video-wire.js';

const bufOf = (b: Uint8Array): ArrayBuffer => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
const config = new Uint8Array([0, 0, 0, 1, 0x67, 0x64, 0x00, 0x1f, 0xac, 0, 0, 0, 1, 0x68, 0xee]);
const data = new Uint8Array([0, 0, 0, 1, 0x65, 1, 2, 3]);

describe('video wire codec', () => {
  it('reads back what it wrote: header fields, config, access unit', () => {
    const b = encodeFrame({ drone: 'JH-07', codec: 'h264', keyframe: true, damaged: false, timestampUs: 123456789, arrivalMs: 1.7e12 + 0.25, seq: 42, config, data });
    const f = parseFrame(bufOf(b))!;
    expect(f).toMatchObject({ drone: 'JH-07', codec: 'h264', keyframe: true, damaged: false, timestampUs: 123456789, arrivalMs: 1.7e12 + 0.25, seq: 42 });
    expect(f.preview).toBeUndefined();
    expect([...f.config!]).toEqual([...config]);
    expect([...f.data]).toEqual([...data]);
    expect(codecFromConfig(f.config!)).toBe('avc1.64001F');
    expect(frameDrone(bufOf(b))).toBe('JH-07');
  });

  it('carries every flag and the codec; delta frames never carry the config', () => {
    const cases: Partial<WireFrame>[] = [
      { keyframe: false, damaged: true },
      { keyframe: true, preview: 'sub' },
      { keyframe: true, preview: 'key', codec: 'h265' },
      { keyframe: false, preview: 'sub', damaged: true },
    ];
    for (const c of cases) {
      const f: WireFrame = { drone: '巡-1', codec: 'h264', keyframe: false, damaged: false, timestampUs: 0, arrivalMs: 0, seq: 2 ** 32 - 1, config, data, ...c };
      const back = parseFrame(bufOf(encodeFrame(f)))!;
      expect(back).toMatchObject({ drone: '巡-1', codec: f.codec, keyframe: f.keyframe, damaged: f.damaged, seq: 2 ** 32 - 1 });
      expect(back.preview).toBe(f.preview);
      expect(back.config === null).toBe(!f.keyframe);
    }
  });

  it('refuses what is not a whole frame header', () => {
    const b = encodeFrame({ drone: 'JH-01', codec: 'h264', keyframe: false, damaged: false, timestampUs: 1, arrivalMs: 2, seq: 3, config: null, data });
    expect(parseFrame(new ArrayBuffer(0))).toBeUndefined();
    expect(parseFrame(bufOf(b.subarray(0, 4 + 5 + 21)))).toBeUndefined();
    const other = b.slice();
    other[0] = 2;
    expect(parseFrame(bufOf(other))).toBeUndefined();
    expect(frameDrone(bufOf(other))).toBeUndefined();
    expect(frameDrone(bufOf(b.subarray(0, 6)))).toBeUndefined();
  });

  it('checks a console mode message', () => {
    expect(parseVideoMode('{"type":"mode","drone":"JH-01","mode":"preview"}')).toEqual({ type: 'mode', drone: 'JH-01', mode: 'preview' });
    for (const bad of ['{"type":"mode","drone":"","mode":"full"}', '{"type":"mode","drone":"x","mode":"fast"}', 'null', '{', 'x'.repeat(600)]) expect(parseVideoMode(bad)).toBeUndefined();
  });
});
