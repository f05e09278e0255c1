/**
 * An alert's picture in the event list (issue 18): the drone's last keyframe when the alert was raised, served by
 * the station at /api/snapshots/<file>. The file may follow the event by a moment (ffmpeg writes it): one retry.
 * A click opens it full size; the tooltip gives the picture's own time.
 */
import { useState } from 'react';
import type { StationEvent } from '../../common/api/contract.js';
import { useT } from '../ui/context.js';

export function AlertSnapshot({ snapshot }: { snapshot: NonNullable<StationEvent['snapshot']> }) {
  const t = useT();
  const [tries, setTries] = useState(0);
  if (tries > 2) return null;
  const src = `/api/snapshots/${encodeURIComponent(snapshot.file)}${tries ? `?t=${tries}` : ''}`;
  return (
    <a className="alert-snapshot" href={src} target="_blank" rel="noreferrer" data-testid="alert-snapshot" title={`${t('alertPicture')} ${new Date(snapshot.atMs).toLocaleTimeString()}`}>
      <img src={src} alt={t('alertPicture')} onError={() => setTimeout(() => setTries((n) => n + 1), 1000)} />
    </a>
  );
}
