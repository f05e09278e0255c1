/**
 * One drone's live video: a canvas handed to a decoder worker (renderer/video/worker.ts), badges for
 * waiting / stale / degraded / H.265, a snapshot button and a button that opens the video in a window of its
 * own (`?view=video&drone=ID`, renderer/video/VideoWindow.tsx; in the desktop app, on the second display). The
 * worker reads the station's `/ws/video` socket itself, or, in the desktop app, gets the frames from the page's
 * video port (renderer/video/port.ts). It posts its stats five times a second; they are also kept on
 * `window.kongxunVideo[drone]` for the end-to-end tests and the latency bench.
 *
 * `preview` (the wall's tiles not in focus, issue 18): the station sends the camera's sub-stream or keyframes
 * only, switched in place when the tile comes into focus (no new socket, no new worker). The tile says what it
 * shows — 实时 (every frame) or 每秒刷新 (keyframes) — and its tooltip names the decoder (hardware or software).
 */
import { useEffect, useRef, useState } from 'react';
import { useConsole, useT } from '../ui/context.js';
import { videoPort } from './port.js';
import { snapshotName, tagPng } from './snapshot.js';
import type { FromWorker, ToWorker, VideoStats } from './worker.js';
import './video.css';

type Registry = Record<string, VideoStats>;
const registry = (): Registry => {
  const w = window as unknown as { kongxunVideo?: Registry };
  return (w.kongxunVideo ??= {});
};

/** The address of a drone's video window (same page, `?view=video&drone=ID`; electron/main.ts allows exactly this). */
export function videoWindowUrl(drone: string): string {
  const u = new URL(location.href);
  u.search = '';
  u.hash = '';
  u.searchParams.set('view', 'video');
  u.searchParams.set('drone', drone);
  return u.href;
}

export function openVideoWindow(drone: string): void {
  window.open(videoWindowUrl(drone), `kongxun-video-${drone}`, 'popup,width=960,height=580');
}

export function VideoView({ drone, className = '', onClick, popOut = true, preview = false }: { drone: string; className?: string; onClick?: () => void; popOut?: boolean; preview?: boolean }) {
  const { store } = useConsole();
  const t = useT();
  const box = useRef<HTMLDivElement>(null);
  const worker = useRef<Worker | null>(null);
  const [stats, setStats] = useState<VideoStats | null>(null);
  const previewRef = useRef(preview);
  const routerRef = useRef<{ setPreview(drone: string, w: Worker, p: boolean): void } | null>(null);
  useEffect(() => {
    if (!box.current) return;
    // A fresh canvas per mount: control of a canvas can be transferred to a worker only once.
    const canvas = document.createElement('canvas');
    canvas.dataset.testid = `video-canvas-${drone}`;
    box.current.prepend(canvas);
    const w = new Worker(new URL('video-worker.js', document.baseURI), { type: 'module', name: `video-${drone}` });
    worker.current = w;
    const offscreen = canvas.transferControlToOffscreen();
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws/video?drone=${encodeURIComponent(drone)}`;
    let mounted = true;
    let leave: (() => void) | undefined;
    void videoPort().then((router) => {
      if (!mounted) return;
      // The desktop's video port when there is one (the router posts the frames to the worker), else the socket.
      w.postMessage({ type: 'init', canvas: offscreen, drone, preview: previewRef.current, ...(router ? {} : { url }) } satisfies ToWorker, [offscreen]);
      leave = router?.add(drone, w, previewRef.current);
      routerRef.current = router ?? null;
    });
    const waiting = new Map<number, (b: Blob | null) => void>();
    w.onmessage = (ev: MessageEvent<FromWorker>) => {
      const m = ev.data;
      if (m.type === 'stats') {
        registry()[drone] = m;
        setStats((prev) =>
          prev && prev.state === m.state && prev.degraded === m.degraded && prev.painted > 0 === m.painted > 0 && prev.reason === m.reason && prev.showing === m.showing && prev.decoder === m.decoder && Math.round(refreshS(prev)) === Math.round(refreshS(m)) ? prev : m,
        );
      } else waiting.get(m.id)?.(m.blob);
    };
    (canvas as unknown as { snapshot?: () => Promise<Blob | null> }).snapshot = () =>
      new Promise((resolve) => {
        const id = Math.random();
        waiting.set(id, resolve);
        w.postMessage({ type: 'snapshot', id } satisfies ToWorker);
      });
    return () => {
      mounted = false;
      leave?.();
      w.postMessage({ type: 'close' } satisfies ToWorker);
      worker.current = null;
      canvas.remove();
      delete registry()[drone];
      routerRef.current = null;
    };
  }, [drone]);
  // Into focus / out of focus: the same worker, the station told to switch what it sends.
  useEffect(() => {
    if (previewRef.current === preview) return;
    previewRef.current = preview;
    const w = worker.current;
    if (!w) return;
    w.postMessage({ type: 'mode', preview } satisfies ToWorker);
    routerRef.current?.setPreview(drone, w, preview);
  }, [preview, drone]);

  const snapshot = async (ev: React.MouseEvent) => {
    ev.stopPropagation();
    const canvas = box.current?.querySelector('canvas') as (HTMLCanvasElement & { snapshot?: () => Promise<Blob | null> }) | null;
    const blob = await canvas?.snapshot?.();
    if (!blob) return;
    const v = store.getState().vehicles.find((x) => x.id === drone);
    const atMs = Date.now();
    const lat = v?.latDeg ?? null;
    const lon = v?.lonDeg ?? null;
    const png = tagPng(new Uint8Array(await blob.arrayBuffer()), {
      Title: `Kongxun ${drone}`,
      'Creation Time': new Date(atMs).toISOString(),
      Location: lat !== null && lon !== null ? `${lat.toFixed(7)},${lon.toFixed(7)} alt ${v?.altRelM?.toFixed(1) ?? '?'} m rel` : 'unknown',
    });
    const a = document.createElement('a');
    a.href = URL.createObjectURL(new Blob([png as BlobPart], { type: 'image/png' }));
    a.download = snapshotName(drone, atMs, lat, lon);
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
  };

  const state = stats?.state ?? 'waiting';
  // What the tile shows, from the frames themselves: every frame (实时), or keyframes only (每秒刷新).
  const showing = stats?.showing || (preview ? 'key' : 'full');
  const refresh = stats && showing === 'key' ? refreshS(stats) : NaN;
  const decoderTip = !stats?.decoder ? '' : stats.decoder === 'hardware' ? t('videoHw') : `${t('videoSw')}${stats.decoderNote ? ` (${stats.decoderNote})` : ''}`;
  const modeTip = showing === 'key' ? `${t('videoKeyOnly')}${Number.isFinite(refresh) ? ` · ${t("videoRefreshEvery", { s: refresh.toFixed(1) })}` : ''}` : showing === 'sub' ? t('videoSubStream') : t('videoLive');
  return (
    <div
      className={`video ${className}`}
      ref={box}
      data-testid={`video-${drone}`}
      data-state={state}
      data-showing={showing}
      data-decoder={stats?.decoder ?? ''}
      title={[`${drone} · ${modeTip}`, decoderTip].filter(Boolean).join('\n')}
      onClick={onClick}
    >
      <div className="video-badges">
        <span className={`badge video-mode ${showing}`} data-testid="video-mode-label">
          {showing === 'key' ? t('videoKeyOnly') : showing === 'sub' ? t('videoSubStream') : t('videoLive')}
        </span>
        {state === 'stale' && <span className="badge stale" data-testid="video-stale">{t('videoStale')}</span>}
        {stats?.degraded && state === 'live' && <span className="badge degraded" data-testid="video-degraded">{t('videoDegraded')}</span>}
        {state === 'unsupported' && <span className="badge unsupported">{t('videoH265')}</span>}
        {state === 'error' && <span className="badge error" title={stats?.reason}>{t('videoError')}</span>}
      </div>
      {state === 'waiting' && !stats?.painted && <div className="video-msg">{t('videoWaiting')}</div>}
      {state === 'unsupported' && <div className="video-msg">{t('videoH265Long')}</div>}
      {popOut && (
        <button
          className="video-popout"
          data-testid="video-popout"
          title={t('popOut')}
          onClick={(e) => {
            e.stopPropagation();
            openVideoWindow(drone);
          }}
        >
          {t('popOut')}
        </button>
      )}
      <span className="video-label">{drone}</span>
      <button className="video-snap" data-testid="video-snapshot" onClick={(e) => void snapshot(e)} disabled={!stats?.painted}>
        {t('snapshot')}
      </button>
    </div>
  );
}

/** The median interval between the last few painted pictures, in seconds (NaN before two). */
function refreshS(s: VideoStats): number {
  const a = s.refreshMs.slice(-8).sort((x, y) => x - y);
  return a.length ? a[Math.floor(a.length / 2)]! / 1000 : NaN;
}
