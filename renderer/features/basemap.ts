/**
 * Basemaps under the station geography: none (the geography alone, for cut-off networks without tiles),
 * the station's offline MBTiles (`/tiles/{z}/{x}/{y}`), OpenStreetMap, Tianditu (CGCS2000 ≈ WGS-84, with the
 * user's key) and AMap-style GCJ-02 tiles. Everything drawn stays WGS-84; for GCJ-02 tiles the tile pane is
 * shifted by the WGS→GCJ offset at the view's centre (the offset varies < 1 m across a 20 km² jurisdiction).
 */
import L from 'leaflet';
import type { ConsoleStore, ConsoleState } from '../state/store.js';
import { wgsToGcj } from '../geo/gcj02.js';

function layerFor(s: ConsoleState, pane: string): L.TileLayer | undefined {
  switch (s.basemap) {
    case 'offline':
      return s.tiles
        ? L.tileLayer('/tiles/{z}/{x}/{y}', { minZoom: 0, maxNativeZoom: s.tiles.maxZoom, maxZoom: 20, pane })
        : undefined;
    case 'osm':
      return L.tileLayer('https://tile.openstreetmap.org/{z}/{x}/{y}.png', { maxZoom: 19, pane });
    case 'tianditu':
      return s.tiandituKey
        ? L.tileLayer(`https://t{s}.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=vec&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=${encodeURIComponent(s.tiandituKey)}`, { subdomains: '01234567', maxZoom: 18, pane })
        : undefined;
    case 'amap':
      return L.tileLayer('https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}', { subdomains: '1234', maxZoom: 18, pane });
    default:
      return undefined;
  }
}

/** Pixel shift that draws GCJ-02 tiles under WGS-84 overlays at the map's centre and zoom. */
export function gcjShiftPx(map: L.Map): L.Point {
  const c = map.getCenter();
  const g = wgsToGcj(c.lat, c.lng);
  const z = map.getZoom();
  return map.project([g.latDeg, g.lonDeg], z).subtract(map.project(c, z));
}

export function mountBasemap(map: L.Map, store: ConsoleStore): () => void {
  const pane = map.createPane('basemap');
  pane.style.zIndex = '150';
  let layer: L.TileLayer | undefined;
  let key = '';
  const shift = () => {
    if (store.getState().basemap !== 'amap') {
      pane.style.transform = '';
      return;
    }
    const d = gcjShiftPx(map);
    pane.style.transform = `translate(${-d.x}px, ${-d.y}px)`;
  };
  const apply = (s: ConsoleState) => {
    const k = `${s.basemap}|${s.tiandituKey}|${s.tiles?.name ?? ''}`;
    if (k === key) return;
    key = k;
    layer?.remove();
    layer = layerFor(s, 'basemap');
    layer?.addTo(map);
    map.getContainer().dataset.basemap = layer ? s.basemap : 'none';
    shift();
  };
  apply(store.getState());
  map.on('zoomend moveend viewreset', shift);
  const unsub = store.subscribe(apply);
  return () => {
    unsub();
    map.off('zoomend moveend viewreset', shift);
    layer?.remove();
  };
}
