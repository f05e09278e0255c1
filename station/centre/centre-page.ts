/**
 * The centre console's page: plain HTML and one script served from the console itself (no build step, no
 * inline script: the CSP is the station's, script-src 'self'), Leaflet from the installed package. zh-CN first,
 * English second.
 *
 * Without a session it shows the sign-in form (the station's accounts and roles, POST /api/login); signed in,
 * every station's drones on one map (a drone of an offline station is drawn grey, as last seen), the station
 * list, one alert list with acknowledgement, "go and look here" (a click on the map sets the point, the form
 * sends it to a chosen station or the one with the nearest drone) and instructions to a station's desk, with
 * every request's answers as they come (queued, accepted with drone and ETA, arrived, looked, returned;
 * delivered, acknowledged by whom). Updates are pushed over /ws as the broker brings them. What the signed-in
 * role may not do is not offered (the server refuses it anyway). Text from stations goes in with textContent.
 */
export const CENTRE_PAGE = `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>分局情指中心 · Sub-bureau centre — 空巡</title>
<link rel="stylesheet" href="/leaflet/leaflet.css">
<style>
  body { margin: 0; font: 14px/1.4 "Noto Sans CJK SC", "WenQuanYi Zen Hei", sans-serif; }
  #console { display: grid; grid-template-columns: 1fr 440px; height: 100vh; }
  #console[hidden], #signin[hidden] { display: none; }
  #map { height: 100vh; background: #dde3e8; }
  aside { overflow: auto; padding: 8px 12px; border-left: 1px solid #ccc; }
  h2 { font-size: 15px; margin: 12px 0 4px; }
  table { border-collapse: collapse; width: 100%; }
  td, th { border-bottom: 1px solid #eee; padding: 2px 4px; text-align: left; font-size: 13px; }
  .online { color: #0a7d2c; } .offline { color: #b00020; }
  .critical { background: #fde7e9; } .warning { background: #fff6dc; } .acked { opacity: .55; }
  form label { display: inline-block; margin: 2px 8px 2px 0; }
  input[type=number] { width: 70px; }
  .plan, .pending { color: #666; font-style: italic; }
  .err { color: #b00020; }
  .done { color: #0a7d2c; }
  #conn.down { color: #b00020; font-weight: bold; }
  #signin { max-width: 340px; margin: 12vh auto; padding: 24px; border: 1px solid #ccc; border-radius: 6px; }
  #signin label { display: block; margin: 8px 0; }
  #signin input { width: 100%; box-sizing: border-box; }
  .alert-picture img { max-width: 240px; max-height: 135px; display: block; margin-top: 2px; }
</style>
</head>
<body>
<form id="signin" hidden>
  <h1>空巡 · 分局情指中心</h1>
  <h2>登录 Sign in</h2>
  <label>用户名 User name <input id="user" autocomplete="username" maxlength="32" required></label>
  <label>密码 Password <input id="password" type="password" autocomplete="current-password" maxlength="256" required></label>
  <p id="signinmsg" class="err"></p>
  <p id="nousers" class="plan" hidden>还没有用户：在中心的机器上运行 kongxun users add 姓名 --role dispatcher --data 数据目录 · no users yet: run kongxun users add NAME --role dispatcher --data DIR on the centre's machine</p>
  <button type="submit" id="signinbtn">登录 Sign in</button>
</form>
<div id="console" hidden>
<div id="map"></div>
<aside>
  <div><span id="me"></span> <button id="signout" type="button">退出登录 Sign out</button> <span id="conn">…</span></div>
  <h2>站点 Stations</h2>
  <table id="stations"><thead><tr><th>站点 Station</th><th>状态 State</th><th>在飞 Up</th><th>架次 Sorties</th><th>覆盖 Coverage</th></tr></thead><tbody></tbody></table>
  <h2 data-right="dispatch">核查 Go and look here</h2>
  <form id="dispatch" data-right="dispatch">
    <div class="plan" id="point">在地图上点击选择地点 · click the map to choose the point</div>
    <label>派往 To <select id="to"><option value="nearest">最近的无人机所在站 · station with the nearest drone</option></select></label><br>
    <label>半径 Radius m <input type="number" id="radius" value="40" min="0" max="500"></label>
    <label>停留 Hold s <input type="number" id="hold" value="120" min="0" max="3600"></label>
    <label>优先级 Priority <input type="number" id="prio" value="5" min="0" max="10"></label><br>
    <label>说明 Note <input id="text" maxlength="500" size="30"></label>
    <button type="submit" id="send">派出 Send</button> <span id="sendmsg"></span>
  </form>
  <h2 data-right="instruct">指令 Instruction to a station's desk</h2>
  <form id="instruct" data-right="instruct">
    <label>发往 To <select id="ito"></select></label><br>
    <label>内容 Text <input id="itext" maxlength="1000" size="40" required></label>
    <button type="submit" id="isend">下达 Send</button> <span id="isendmsg"></span>
  </form>
  <h2>视频 Drone video</h2>
  <div id="videobox">
    <label>站点 Station <select id="vstation"></select></label>
    <label>无人机 Drone <select id="vdrone"></select></label>
    <button type="button" id="watch">观看 Watch</button> <span id="vmsg"></span>
    <video id="vplayer" autoplay muted playsinline style="width: 100%; display: none; background: #000"></video>
  </div>
  <h2>请求与回复 Requests and answers</h2>
  <table id="requests"><tbody></tbody></table>
  <h2>告警 Alerts</h2>
  <table id="alerts"><tbody></tbody></table>
</aside>
</div>
<script src="/leaflet/leaflet.js"></script>
<script src="/centre.js"></script>
</body>
</html>
`;

export const CENTRE_SCRIPT = `"use strict";
const STATE_ZH = { queued: '已受理 queued', accepted: '已派出 accepted', refused: '拒绝 refused', arrived: '已到达 arrived', looked: '已查看 looked', returned: '已返回 returned', failed: '失败 failed', delivered: '已送达，待确认 delivered, pending', acknowledged: '已确认 acknowledged' };
const LEVEL_ZH = { critical: '严重 critical', warning: '警告 warning', info: '信息 info' };
const ROLE_ZH = { pilot: '飞手 pilot', dispatcher: '值班调度 dispatcher', viewer: '观看 viewer', reviewer: '复核 reviewer', admin: '管理员 admin' };
const $ = (id) => document.getElementById(id);
const el = (tag, text, cls) => { const e = document.createElement(tag); if (text !== undefined) e.textContent = String(text); if (cls) e.className = cls; return e; };
const time = (ms) => new Date(ms).toLocaleTimeString('zh-CN', { hour12: false });
let map = null; const markers = new Map();
let point = null; let pointMarker = null; let fitted = false;
let view = null; let me = null; let ws = null; let retry = 500;

async function post(path, body) {
  const r = await fetch(path, { method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const x = r.status === 204 ? {} : await r.json().catch(() => ({}));
  if (r.status === 401) showSignIn(false);
  if (!r.ok) throw new Error(x.error || r.statusText);
  return x;
}
function showSignIn(setup) {
  if (ws) { ws.onclose = null; ws.close(); ws = null; }
  $('console').hidden = true; $('signin').hidden = false; $('nousers').hidden = !setup; $('user').focus();
}
async function start() {
  const r = await fetch('/api/me', { credentials: 'same-origin', cache: 'no-store' });
  const x = await r.json().catch(() => ({}));
  if (!r.ok) return showSignIn(x.setup === true);
  me = x;
  $('signin').hidden = true; $('console').hidden = false;
  $('me').textContent = me.user + ' · ' + (ROLE_ZH[me.role] || me.role);
  for (const e of document.querySelectorAll('[data-right]')) e.hidden = !me.rights.includes(e.dataset.right);
  if (!map) setUpMap();
  connect();
}
$('signin').addEventListener('submit', async (e) => {
  e.preventDefault(); $('signinmsg').textContent = '';
  try { await post('/api/login', { user: $('user').value, password: $('password').value }); $('password').value = ''; await start(); }
  catch (err) { $('signinmsg').textContent = err.message; }
});
$('signout').addEventListener('click', async () => { try { await post('/api/logout', {}); } catch {} location.replace('/'); });

function connect() {
  ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ws');
  ws.onopen = () => { retry = 500; };
  ws.onmessage = (m) => {
    const x = JSON.parse(m.data);
    if (x.t === 'view') view = x.view;
    else if (x.t === 'update' && view) {
      view.connected = x.connected;
      for (const s of x.stations || []) { const i = view.stations.findIndex((o) => o.id === s.id); if (i >= 0) view.stations[i] = s; else { view.stations.push(s); view.stations.sort((a, b) => a.id.localeCompare(b.id)); } }
      if (x.removed) view.stations = view.stations.filter((s) => !x.removed.includes(s.id));
      if (x.alerts) view.alerts = x.alerts;
      if (x.requests) view.requests = x.requests;
    }
    if (view) { render(view); renderVideo(view); }
  };
  ws.onclose = (e) => {
    ws = null;
    $('conn').textContent = '控制台连接中断 console disconnected'; $('conn').className = 'down';
    if (e.code === 4401) return showSignIn(false);
    // Refused at the handshake (a session that ended shows as 1006): ask who we are before trying again.
    setTimeout(() => void start().catch(() => setTimeout(connect, retry)), retry); retry = Math.min(10000, retry * 2);
  };
}

function setUpMap() {
  map = L.map('map', { zoomControl: true }).setView([24.6, 118.2], 11);
  L.control.scale({ imperial: false }).addTo(map);
  map.on('click', (e) => {
    point = { latDeg: e.latlng.lat, lonDeg: e.latlng.lng };
    $('point').textContent = '地点 Point: ' + point.latDeg.toFixed(5) + ', ' + point.lonDeg.toFixed(5);
    $('point').className = '';
    if (pointMarker) pointMarker.remove();
    pointMarker = L.circle(e.latlng, { radius: Number($('radius').value) || 10, color: '#c00' }).addTo(map);
  });
}

function answerText(r) {
  return r.answers.map((a) => (STATE_ZH[a.state] || a.state) + (a.drone ? ' ' + a.drone : '') + (a.etaS !== null && a.etaS !== undefined ? ' ETA ' + Math.round(a.etaS) + ' s' : '') + (a.reason ? ' (' + a.reason + ')' : '') + (a.by ? ' — ' + a.by : '')).join(' → ');
}
function render(v) {
  $('conn').textContent = v.connected ? '已连接代理 broker connected' : '代理未连接 broker not connected';
  $('conn').className = v.connected ? '' : 'down';
  const tb = $('stations').tBodies[0]; tb.replaceChildren();
  const sel = $('to'); const keep = sel.value; while (sel.options.length > 1) sel.remove(1);
  const isel = $('ito'); const ikeep = isel.value; isel.replaceChildren();
  const seen = new Set(); const bounds = [];
  for (const s of v.stations) {
    const tr = el('tr'); tr.dataset.station = s.id;
    tr.append(el('td', s.name + ' (' + s.id + ')'), el('td', (s.online ? '在线 online' : '离线 offline') + ' · ' + time(s.sinceMs), s.online ? 'online' : 'offline'), el('td', s.dronesUp + '/' + s.drones), el('td', s.sortiesFlown + '/' + s.sortiesToday), el('td', s.coveragePct === null ? '—' : s.coveragePct + '%'));
    tb.append(tr);
    const o = el('option', s.name + ' (' + s.id + ')'); o.value = s.id; sel.append(o); isel.append(o.cloneNode(true));
    for (const r of s.fleet) {
      const [id, lat, lon, alt, hdg, mode, bat, sortie, link] = r;
      if (lat === null || lon === null) continue;
      const key = s.id + '/' + id; seen.add(key); bounds.push([lat, lon]);
      const live = s.online && link === 'up';
      let m = markers.get(key);
      if (!m) { m = L.circleMarker([lat, lon], { radius: 7 }).addTo(map); markers.set(key, m); }
      m.setLatLng([lat, lon]);
      m.setStyle({ color: live ? '#0050b3' : '#888', fillOpacity: live ? 0.8 : 0.3 });
      m.bindTooltip(s.name + ' ' + id + ' · ' + mode + ' · ' + (alt === null ? '—' : alt + ' m') + ' · ' + (bat === null ? '—' : bat + '%') + (sortie ? ' · ' + sortie : '') + (live ? '' : ' · 最后位置 last seen'));
    }
  }
  sel.value = [...sel.options].some((o) => o.value === keep) ? keep : 'nearest';
  if ([...isel.options].some((o) => o.value === ikeep)) isel.value = ikeep;
  for (const [k, m] of markers) if (!seen.has(k)) { m.remove(); markers.delete(k); }
  if (!fitted && bounds.length) { map.fitBounds(bounds, { padding: [40, 40], maxZoom: 14 }); fitted = true; }
  const rq = $('requests').tBodies[0]; rq.replaceChildren();
  for (const r of v.requests) {
    const tr = el('tr'); tr.dataset.request = r.id; tr.dataset.kind = r.kind;
    const what = r.kind === 'dispatch' ? '核查 look ' + Number(r.body.latDeg).toFixed(4) + ',' + Number(r.body.lonDeg).toFixed(4) : r.kind === 'instruct' ? '指令 instruction: ' + r.body.text : '报告 report';
    const last = r.answers[r.answers.length - 1];
    const cls = !last ? 'plan' : last.state === 'refused' || last.state === 'failed' ? 'err' : last.state === 'delivered' ? 'pending' : last.state === 'acknowledged' || last.state === 'returned' ? 'done' : '';
    tr.append(el('td', time(r.sentAtMs)), el('td', r.station), el('td', what + ' — ' + r.by), el('td', answerText(r) || '等待回复 waiting for the station', cls));
    rq.append(tr);
  }
  const at = $('alerts').tBodies[0]; at.replaceChildren();
  for (const a of v.alerts) {
    const tr = el('tr', undefined, a.level + (a.ack ? ' acked' : '')); tr.dataset.alert = a.key;
    const td = el('td');
    if (a.ack) td.textContent = '已确认 acked: ' + a.ack.by;
    else if (me && me.rights.includes('alert')) { const b = el('button', '确认 Ack'); b.onclick = async () => { try { await post('/api/ack', { key: a.key }); } catch (err) { window.alert(err.message); } }; td.append(b); }
    else td.textContent = '未确认 not acknowledged';
    const what = el('td', (a.drone ? a.drone + ': ' : '') + a.text);
    if (a.picture) {
      // The alert's picture (the drone's camera at the alert), as the station sent it; a click opens it full size.
      const src = '/api/picture/' + encodeURIComponent(a.station) + '/' + encodeURIComponent(a.picture.file);
      const link = el('a', undefined, 'alert-picture'); link.href = src; link.target = '_blank'; link.rel = 'noreferrer';
      link.title = '告警画面 alert picture ' + time(a.picture.takenAtMs);
      const img = el('img'); img.src = src; img.alt = '告警画面 alert picture'; img.dataset.testid = 'alert-picture';
      link.append(img); what.append(el('br'), link);
    } else if (a.snapshot) what.append(el('div', '画面未到 picture not received (yet)', 'plan'));
    tr.append(el('td', time(a.atMs)), el('td', a.station), el('td', LEVEL_ZH[a.level] || a.level), what, td);
    at.append(tr);
  }
}
$('dispatch').addEventListener('submit', async (e) => {
  e.preventDefault();
  $('sendmsg').textContent = ''; $('sendmsg').className = '';
  try {
    if (!point) throw new Error('请先在地图上选择地点 · click the map first');
    const to = $('to').value;
    const label = to === 'nearest' ? '最近的无人机所在站 the station with the nearest drone' : to;
    if (!confirm('派无人机前往核查？ Send a drone to look here?\\n' + point.latDeg.toFixed(5) + ', ' + point.lonDeg.toFixed(5) + ' → ' + label)) return;
    const x = await post('/api/dispatch', { station: to, latDeg: point.latDeg, lonDeg: point.lonDeg, radiusM: Number($('radius').value), priority: Number($('prio').value), holdS: Number($('hold').value), text: $('text').value });
    $('sendmsg').textContent = '已发送 sent to ' + x.station + ' (' + x.id + ')';
  } catch (err) { $('sendmsg').textContent = err.message; $('sendmsg').className = 'err'; }
});
$('instruct').addEventListener('submit', async (e) => {
  e.preventDefault();
  $('isendmsg').textContent = ''; $('isendmsg').className = '';
  try {
    const x = await post('/api/instruct', { station: $('ito').value, text: $('itext').value });
    $('isendmsg').textContent = '已下达 sent (' + x.id + ')'; $('itext').value = '';
  } catch (err) { $('isendmsg').textContent = err.message; $('isendmsg').className = 'err'; }
});
// A drone's live video: the station answers with its Janus, the mountpoint and a token of this request's own;
// the page plays it over WebRTC from that Janus (plain HTTP API: create, attach, watch, answer the offer, start).
let videoReq = null; let watching = null;
async function jpost(url, body, token) {
  const r = await fetch(url, { method: 'POST', body: JSON.stringify(Object.assign({}, body, { transaction: Math.random().toString(36).slice(2), token })) });
  const j = await r.json();
  if (j.janus === 'error') throw new Error('janus: ' + ((j.error && j.error.reason) || 'error'));
  return j;
}
async function watchJanus(v, el, onError) {
  const session = (await jpost(v.url, { janus: 'create' }, v.token)).data.id;
  const sUrl = v.url + '/' + session;
  const handle = (await jpost(sUrl, { janus: 'attach', plugin: 'janus.plugin.streaming' }, v.token)).data.id;
  const hUrl = sUrl + '/' + handle;
  const pc = new RTCPeerConnection({ iceServers: [] });
  pc.ontrack = (e) => { el.srcObject = e.streams[0] || new MediaStream([e.track]); el.style.display = 'block'; };
  let closed = false;
  const onEvent = async (e) => {
    if (e.janus === 'trickle') { if (e.candidate && e.candidate.candidate) await pc.addIceCandidate({ candidate: e.candidate.candidate, sdpMid: e.candidate.sdpMid || null, sdpMLineIndex: e.candidate.sdpMLineIndex || 0 }); return; }
    const data = e.plugindata && e.plugindata.data;
    if (data && data.error) return onError('janus streaming: ' + data.error);
    if (e.jsep && e.jsep.type === 'offer') {
      await pc.setRemoteDescription(e.jsep);
      await pc.setLocalDescription(await pc.createAnswer());
      await new Promise((res) => { if (pc.iceGatheringState === 'complete') return res(); const t = setTimeout(res, 1500); pc.addEventListener('icegatheringstatechange', () => { if (pc.iceGatheringState === 'complete') { clearTimeout(t); res(); } }); });
      await jpost(hUrl, { janus: 'message', body: { request: 'start' }, jsep: { type: 'answer', sdp: pc.localDescription.sdp } }, v.token);
    }
  };
  (async () => {
    while (!closed) {
      try {
        const j = await (await fetch(sUrl + '?maxev=5&rid=' + Date.now() + '&token=' + encodeURIComponent(v.token))).json();
        for (const e of Array.isArray(j) ? j : [j]) { if (e.janus === 'error') throw new Error('janus: ' + ((e.error && e.error.reason) || 'error')); await onEvent(e); }
      } catch (err) { if (!closed) onError(String(err)); return; }
    }
  })();
  await jpost(hUrl, { janus: 'message', body: { request: 'watch', id: v.mountpoint } }, v.token);
  return { close() { if (closed) return; closed = true; pc.close(); jpost(sUrl, { janus: 'destroy' }, v.token).catch(() => {}); } };
}
function renderVideo(v) {
  const ss = $('vstation'); const keepS = ss.value; ss.replaceChildren();
  for (const s of v.stations) { const o = el('option', s.name + ' (' + s.id + ')'); o.value = s.id; ss.append(o); }
  if ([...ss.options].some((o) => o.value === keepS)) ss.value = keepS;
  const st = v.stations.find((s) => s.id === ss.value);
  const ds = $('vdrone'); const keepD = ds.value; ds.replaceChildren();
  for (const r of st ? st.fleet : []) { const o = el('option', r[0]); o.value = r[0]; ds.append(o); }
  if ([...ds.options].some((o) => o.value === keepD)) ds.value = keepD;
  if (!videoReq) return;
  const r = v.requests.find((x) => x.id === videoReq);
  const a = r && r.answers[r.answers.length - 1];
  if (!a) return;
  videoReq = null;
  if (a.state !== 'delivered' || !a.video) { $('vmsg').textContent = (STATE_ZH[a.state] || a.state) + (a.reason ? ': ' + a.reason : ''); $('vmsg').className = 'err'; return; }
  $('vmsg').textContent = '经站点视频网关播放 playing through the station Janus: ' + r.station + ' ' + (a.drone || '');
  $('vmsg').className = '';
  watchJanus(a.video, $('vplayer'), (why) => { $('vmsg').textContent = '视频中断 video stopped: ' + why; $('vmsg').className = 'err'; })
    .then((w) => { watching = w; }, (err) => { $('vmsg').textContent = err.message; $('vmsg').className = 'err'; });
}
$('vstation').addEventListener('change', () => { if (view) renderVideo(view); });
$('watch').addEventListener('click', async () => {
  $('vmsg').textContent = ''; $('vmsg').className = '';
  try {
    if (watching) { watching.close(); watching = null; $('vplayer').style.display = 'none'; }
    const x = await post('/api/video', { station: $('vstation').value, drone: $('vdrone').value });
    videoReq = x.id; $('vmsg').textContent = '等待站点回复 waiting for the station'; $('vmsg').className = 'plan';
  } catch (err) { $('vmsg').textContent = err.message; $('vmsg').className = 'err'; }
});
void start();
`;
