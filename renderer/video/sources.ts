/** Which drones have video (the station's /api/video), refreshed every few seconds; empty when the station has none. */
import { useEffect, useState } from 'react';
import type { VideoStreamView } from '../../common/api/contract.js';

export function useVideoSources(): VideoStreamView[] {
  const [list, setList] = useState<VideoStreamView[]>([]);
  useEffect(() => {
    let alive = true;
    const load = () =>
      fetch('/api/video')
        .then((r) => (r.ok ? (r.json() as Promise<VideoStreamView[]>) : []))
        .then((l) => alive && setList((prev) => (JSON.stringify(prev.map((s) => s.drone)) === JSON.stringify(l.map((s) => s.drone)) ? prev : l)))
        .catch(() => undefined);
    void load();
    const t = setInterval(load, 5000);
    return () => {
      alive = false;
      clearInterval(t);
    };
  }, []);
  return list;
}
