/**
 * Watching one Janus streaming mountpoint over WebRTC, with Janus's plain HTTP API (no janus.js): create a
 * session, attach the streaming plugin, `watch` the mountpoint, answer Janus's offer, `start`. Every request
 * carries the token the station issued (GET /api/janus). Events (the offer, Janus's trickled candidates) come on a
 * long poll, which also keeps the session alive. Each answer is checked before use; a failure ends in `onError`.
 */
export interface JanusWatch {
  pc: RTCPeerConnection;
  close(): void;
}

type Json = Record<string, unknown>;

const tx = () => Math.random().toString(36).slice(2, 12);

async function post(url: string, body: Json, token: string): Promise<Json> {
  const r = await fetch(url, { method: 'POST', body: JSON.stringify({ ...body, transaction: tx(), token }) });
  const j = (await r.json()) as Json;
  if (j.janus === 'error') throw new Error(`janus: ${(j.error as { reason?: string } | undefined)?.reason ?? 'error'}`);
  return j;
}

const idOf = (j: Json): number => {
  const id = (j.data as { id?: unknown } | undefined)?.id;
  if (typeof id !== 'number') throw new Error('janus: no id in its answer');
  return id;
};

export async function watchJanus(o: { url: string; token: string; id: number; onTrack(s: MediaStream): void; onError(reason: string): void }): Promise<JanusWatch> {
  const session = idOf(await post(o.url, { janus: 'create' }, o.token));
  const sUrl = `${o.url}/${session}`;
  const handle = idOf(await post(sUrl, { janus: 'attach', plugin: 'janus.plugin.streaming' }, o.token));
  const hUrl = `${sUrl}/${handle}`;
  const pc = new RTCPeerConnection({ iceServers: [] });
  pc.ontrack = (ev) => {
    // Live video, not a call: ask the receiver to hold no extra jitter buffer (Chromium: jitterBufferTarget, ms).
    const r = ev.receiver as unknown as { jitterBufferTarget?: number | null; playoutDelayHint?: number | null };
    if ('jitterBufferTarget' in r) r.jitterBufferTarget = 0;
    else r.playoutDelayHint = 0;
    o.onTrack(ev.streams[0] ?? new MediaStream([ev.track]));
  };
  let closed = false;
  const onEvent = async (ev: Json) => {
    if (ev.janus === 'trickle') {
      const c = ev.candidate as { candidate?: string; sdpMid?: string; sdpMLineIndex?: number; completed?: boolean } | undefined;
      if (c?.candidate) await pc.addIceCandidate({ candidate: c.candidate, sdpMid: c.sdpMid ?? null, sdpMLineIndex: c.sdpMLineIndex ?? 0 });
      return;
    }
    const jsep = ev.jsep as RTCSessionDescriptionInit | undefined;
    const data = (ev.plugindata as { data?: Json } | undefined)?.data;
    if (data?.error) return o.onError(`janus streaming: ${String(data.error)}`);
    if (jsep?.type === 'offer') {
      await pc.setRemoteDescription(jsep);
      await pc.setLocalDescription(await pc.createAnswer());
      // Loopback and LAN gather in milliseconds: send the answer with the candidates in it.
      await new Promise<void>((resolve) => {
        if (pc.iceGatheringState === 'complete') return resolve();
        const t = setTimeout(resolve, 1500);
        pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && (clearTimeout(t), resolve()));
      });
      await post(hUrl, { janus: 'message', body: { request: 'start' }, jsep: { type: 'answer', sdp: pc.localDescription!.sdp } }, o.token);
    }
  };
  const poll = async () => {
    while (!closed) {
      try {
        const r = await fetch(`${sUrl}?maxev=5&rid=${Date.now()}&token=${encodeURIComponent(o.token)}`);
        const j = (await r.json()) as Json | Json[];
        for (const ev of Array.isArray(j) ? j : [j]) {
          if (ev.janus === 'error') throw new Error(`janus: ${(ev.error as { reason?: string } | undefined)?.reason ?? 'error'}`);
          await onEvent(ev);
        }
      } catch (e) {
        if (!closed) o.onError(String(e));
        return;
      }
    }
  };
  void poll();
  await post(hUrl, { janus: 'message', body: { request: 'watch', id: o.id } }, o.token);
  return {
    pc,
    close: () => {
      if (closed) return;
      closed = true;
      pc.close();
      void post(sUrl, { janus: 'destroy' }, o.token).catch(() => undefined);
    },
  };
}
