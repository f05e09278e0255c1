import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseFleet } from './fleet.js';

const sample = () => JSON.parse(readFileSync('resources/samples/fleet.json', 'utf8')) as { drones: Record<string, unknown>[] };

describe('fleet file: video_sub (the camera sub-stream the wall previews show)', () => {
  it('reads video_sub beside video', () => {
    const j = sample();
    j.drones[0]!.video = 'rtp://0.0.0.0:5600';
    j.drones[0]!.video_sub = 'rtp://0.0.0.0:5602';
    const f = parseFleet(j, 'fleet.json');
    expect(f.ok && f.value.drones[0]).toMatchObject({ video: 'rtp://0.0.0.0:5600', videoSub: 'rtp://0.0.0.0:5602' });
  });

  it('rejects a video_sub without video, naming the drone and the field', () => {
    const j = sample();
    delete j.drones[1]!.video;
    j.drones[1]!.video_sub = 'rtp://0.0.0.0:5602';
    const f = parseFleet(j, 'fleet.json');
    expect(f.ok).toBe(false);
    if (!f.ok) expect(f.reason).toMatch(/drones\[1\].*video_sub: is a sub-stream/);
  });
});
