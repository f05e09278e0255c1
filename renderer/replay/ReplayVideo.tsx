/**
 * The open flight's video panel: a canvas the replay's decoder worker paints on (video-link.ts), and what the
 * station says of the recording (ReplayStatus) as a plain message: none for this flight, the end of the
 * recording, an error with its reason; while connecting or before the first picture, a waiting line.
 */
import { useEffect, useRef, useState } from 'react';
import type { FlightSummary } from '../../common/api/contract.js';
import { useT } from '../ui/context.js';
import type { Player } from './player.js';
import { ReplayVideoLink, type ReplayVideoInfo } from './video-link.js';
import '../video/video.css';

export function ReplayVideo({ flight, player }: { flight: FlightSummary; player: Player }) {
  const t = useT();
  const box = useRef<HTMLDivElement>(null);
  const [info, setInfo] = useState<ReplayVideoInfo | null>(null);
  const hasVideo = flight.video.length > 0;
  useEffect(() => {
    if (!hasVideo || !box.current) return;
    // A fresh canvas per mount: control of a canvas can be transferred to a worker only once.
    const canvas = document.createElement('canvas');
    canvas.dataset.testid = 'replay-video-canvas';
    box.current.prepend(canvas);
    const link = new ReplayVideoLink(flight.id, canvas, player, setInfo);
    return () => {
      link.close();
      canvas.remove();
      setInfo(null);
    };
  }, [flight.id, hasVideo, player]);

  if (!hasVideo) {
    return (
      <div className="replay-video none" data-testid="replay-video" data-state="no-video">
        <p className="muted">{t('replayNoVideo')}</p>
      </div>
    );
  }
  const state = info?.status?.state ?? (info?.socket === 'open' ? 'waiting' : 'connecting');
  const painted = (info?.painted ?? 0) > 0;
  let msg = '';
  if (state === 'no-video') msg = t('replayNoVideo');
  else if (state === 'error') msg = t('replayVideoError', { reason: info?.status?.reason || '—' });
  else if (info?.socket === 'closed') msg = t('replayVideoClosed');
  else if (!painted) msg = info?.socket === 'open' ? t('replayVideoWaiting') : t('replayVideoConnecting');
  return (
    <div className={`video replay-video ${state}`} ref={box} data-testid="replay-video" data-state={state} data-painted={painted ? 'true' : 'false'}>
      <div className="video-badges">
        {state === 'ended' && <span className="badge stale" data-testid="replay-video-ended">{t('replayVideoEnded')}</span>}
      </div>
      {msg && <div className="video-msg" data-testid="replay-video-msg">{msg}</div>}
      <span className="video-label">{flight.video.join(', ')}</span>
    </div>
  );
}
