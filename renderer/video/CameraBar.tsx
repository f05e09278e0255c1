/** The drone's camera through MAVLink: record on board, take a photo, zoom. Answers land in the command results. */
import { useState } from 'react';
import { useConsole, useSel, useT } from '../ui/context.js';

export function CameraBar({ drone }: { drone: string }) {
  const { client } = useConsole();
  const t = useT();
  const sysid = useSel((s) => s.vehicles.find((v) => v.id === drone)?.sysid);
  const [zoom, setZoom] = useState(0);
  if (sysid === undefined) return null;
  return (
    <div className="camera-bar" data-testid="camera-bar">
      <button onClick={() => void client.command(sysid, { command: 'camera', action: 'record-start' })}>{t('camRecStart')}</button>
      <button onClick={() => void client.command(sysid, { command: 'camera', action: 'record-stop' })}>{t('camRecStop')}</button>
      <button onClick={() => void client.command(sysid, { command: 'camera', action: 'photo' })}>{t('camPhoto')}</button>
      <label>
        {t('camZoom')}
        <input type="range" min={0} max={100} step={10} value={zoom} onChange={(e) => setZoom(Number(e.target.value))} onPointerUp={() => void client.command(sysid, { command: 'camera', action: 'zoom', zoomPct: zoom })} onKeyUp={() => void client.command(sysid, { command: 'camera', action: 'zoom', zoomPct: zoom })} />
      </label>
    </div>
  );
}
