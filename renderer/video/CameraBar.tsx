/**
 * The drone's camera through MAVLink: record on board, take a photo, zoom, point the gimbal (pitch 0 to −90°
 * down, yaw ±90° from the nose; sent when the slider is let go). Answers land in the command results.
 */
import { useState } from 'react';
import { useConsole, useSel, useT } from '../ui/context.js';

export function CameraBar({ drone }: { drone: string }) {
  const { client } = useConsole();
  const t = useT();
  const sysid = useSel((s) => s.vehicles.find((v) => v.id === drone)?.sysid);
  const [zoom, setZoom] = useState(0);
  const [pitch, setPitch] = useState(0);
  const [yaw, setYaw] = useState(0);
  if (sysid === undefined) return null;
  const point = (pitchDeg: number, yawDeg: number) => void client.command(sysid, { command: 'gimbal', pitchDeg, yawDeg });
  return (
    <div className="camera-bar" data-testid="camera-bar">
      <button onClick={() => void client.command(sysid, { command: 'camera', action: 'record-start' })}>{t('camRecStart')}</button>
      <button onClick={() => void client.command(sysid, { command: 'camera', action: 'record-stop' })}>{t('camRecStop')}</button>
      <button onClick={() => void client.command(sysid, { command: 'camera', action: 'photo' })}>{t('camPhoto')}</button>
      <label>
        {t('camZoom')}
        <input type="range" min={0} max={100} step={10} value={zoom} onChange={(e) => setZoom(Number(e.target.value))} onPointerUp={() => void client.command(sysid, { command: 'camera', action: 'zoom', zoomPct: zoom })} onKeyUp={() => void client.command(sysid, { command: 'camera', action: 'zoom', zoomPct: zoom })} />
      </label>
      <label>
        {t('camPitch')}
        <input type="range" data-testid="gimbal-pitch" min={-90} max={0} step={5} value={pitch} onChange={(e) => setPitch(Number(e.target.value))} onPointerUp={() => point(pitch, yaw)} onKeyUp={() => point(pitch, yaw)} />
      </label>
      <label>
        {t('camYaw')}
        <input type="range" data-testid="gimbal-yaw" min={-90} max={90} step={5} value={yaw} onChange={(e) => setYaw(Number(e.target.value))} onPointerUp={() => point(pitch, yaw)} onKeyUp={() => point(pitch, yaw)} />
      </label>
      <button
        onClick={() => {
          setPitch(0);
          setYaw(0);
          point(0, 0);
        }}
      >
        {t('camCentre')}
      </button>
    </div>
  );
}
