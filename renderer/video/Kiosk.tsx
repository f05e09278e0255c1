/**
 * The kiosk screen (警务站, `?view=kiosk`): every drone's live video through the station's Janus over WebRTC, so
 * a kiosk on its own network loads Janus, not the pilot's station. The page asks the station once for access
 * (GET /api/janus: Janus URL, a token for this page, the mountpoints) and plays each mountpoint in a <video>.
 * Each tile records, per painted frame, the frame's RTP timestamp and when it was presented
 * (requestVideoFrameCallback), on `window.kongxunJanus[drone]` for the end-to-end test and the latency bench.
 */
import { useEffect, useRef, useState } from 'react';
import type { JanusAccess } from '../../common/api/contract.js';
import { useT } from '../ui/context.js';
import { watchJanus } from './janus-client.js';
import './video.css';

interface KioskStats { state: 'connecting' | 'live' | 'error'; reason: string; frames: number; samples: { rtp: number; presentedMs: number; receivedMs: number | null }[] }
const registry = (): Record<string, KioskStats> => {
  const w = window as unknown as { kongxunJanus?: Record<string, KioskStats> };
  return (w.kongxunJanus ??= {});
};

type FrameMeta = { rtpTimestamp?: number; presentationTime: number; receiveTime?: number };
type RvfcVideo = HTMLVideoElement & { requestVideoFrameCallback?(cb: (now: number, m: FrameMeta) => void): number };

function KioskTile({ access, drone, id }: { access: JanusAccess; drone: string; id: number }) {
  const t = useT();
  const video = useRef<RvfcVideo>(null);
  const [state, setState] = useState<KioskStats['state']>('connecting');
  const [reason, setReason] = useState('');
  useEffect(() => {
    const st: KioskStats = { state: 'connecting', reason: '', frames: 0, samples: [] };
    registry()[drone] = st;
    let alive = true;
    const fail = (r: string) => {
      st.state = 'error';
      st.reason = r;
      if (!alive) return;
      setState('error');
      setReason(r);
    };
    const onFrame = (_now: number, m: FrameMeta) => {
      if (!alive) return;
      st.frames++;
      st.state = 'live';
      if (m.rtpTimestamp !== undefined) {
        st.samples.push({ rtp: m.rtpTimestamp, presentedMs: performance.timeOrigin + m.presentationTime, receivedMs: m.receiveTime === undefined ? null : performance.timeOrigin + m.receiveTime });
        if (st.samples.length > 1200) st.samples.shift();
      }
      if (st.frames === 1) setState('live');
      video.current?.requestVideoFrameCallback?.(onFrame);
    };
    const w = watchJanus({
      url: access.url,
      token: access.token,
      id,
      onTrack: (s) => {
        const v = video.current;
        if (!v) return;
        v.srcObject = s;
        void v.play().catch(() => undefined);
        v.requestVideoFrameCallback?.(onFrame);
      },
      onError: fail,
    }).catch((e: unknown) => void fail(String(e)));
    return () => {
      alive = false;
      void w.then((x) => x?.close());
      delete registry()[drone];
    };
  }, [access, drone, id]);
  return (
    <div className="video kiosk-tile" data-testid={`kiosk-${drone}`} data-state={state} title={reason || `${drone} · WebRTC (Janus)`}>
      <video ref={video} muted autoPlay playsInline />
      {state === 'connecting' && <div className="video-msg">{t('videoWaiting')}</div>}
      {state === 'error' && <div className="video-msg">{`${t('videoError')}: ${reason}`}</div>}
      <span className="video-label">{drone}</span>
    </div>
  );
}

export function Kiosk() {
  const t = useT();
  const [access, setAccess] = useState<JanusAccess | null>(null);
  const [error, setError] = useState('');
  useEffect(() => {
    let alive = true;
    const load = () =>
      fetch('/api/janus')
        .then(async (r) => {
          const j = (await r.json()) as JanusAccess | { error: string };
          if (!alive) return;
          if ('error' in j) setError(j.error);
          else if (j.mountpoints.length === 0) setTimeout(load, 2000); // no drone has sent video yet
          else setAccess(j);
        })
        .catch((e: unknown) => alive && setError(String(e)));
    load();
    return () => {
      alive = false;
    };
  }, []);
  return (
    <main className="kiosk" data-testid="kiosk">
      {error && <div className="video-msg" data-testid="kiosk-error">{`${t('videoError')}: ${error}`}</div>}
      {!access && !error && <div className="video-msg">{t('videoWaiting')}</div>}
      {access && (
        <div className="kiosk-grid">
          {access.mountpoints.map((m) => (
            <KioskTile key={m.drone} access={access} drone={m.drone} id={m.id} />
          ))}
        </div>
      )}
    </main>
  );
}
