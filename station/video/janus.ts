/**
 * Kiosks (警务站) and the sub-bureau centre watch the drones through Janus (Meetecho's WebRTC gateway, Debian's
 * `janus`), not through the pilot's station: the station forwards each drone's RTP as it arrives — the same
 * datagrams, no re-encoding — to a Janus streaming mountpoint, and viewers get WebRTC from Janus.
 *
 *  - `JanusGateway` drives any Janus — ours (janus-process.ts, `kongxun serve --janus`) or an existing one —
 *    through its admin API (`message_plugin`, `add_token`, `remove_token`).
 *  - A mountpoint per drone (`create`, type rtp, one H.264 video stream on a port Janus picks), made when the
 *    drone's first packet arrives; `JanusForwarder` then sends each RTP packet to it over UDP.
 *  - No open stream: Janus checks a token on every request (`token_auth`); the station issues one per
 *    authorised console request (`issueToken`, valid for the streaming plugin only, revoked after its lifetime).
 *
 * Everything is a Result: a missing `janus`, a port in use, a Janus that does not answer, a refused request.
 */
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { err, ok, type Result } from '../../common/result.js';
import type { JanusAccess } from '../../common/api/contract.js';
import { realDeadline, realNow, type Cancel } from '../real-time.js';

export type { JanusAccess };

export interface JanusGatewayOptions {
  /** The Janus API (viewers): http://host:8088/janus */
  url: string;
  /** The admin API (the station): http://host:7088/admin */
  adminUrl: string;
  adminSecret: string;
  streamingKey: string;
  /** Where the station sends RTP for mountpoints (Janus's address as the station reaches it). */
  rtpHost?: string;
  /** Per request (ms). */
  timeoutMs?: number;
}

export interface Mountpoint {
  drone: string;
  id: number;
  /** The UDP port Janus receives this drone's RTP on. */
  port: number;
}

/** The mountpoint id of a drone: stable across restarts (FNV-1a of the drone id, 1..2^31-1). */
export function mountpointId(drone: string): number {
  let h = 0x811c9dc5;
  for (const c of new TextEncoder().encode(`kongxun:${drone}`)) h = Math.imul(h ^ c, 0x01000193) >>> 0;
  return (h % 0x7ffffffe) + 1;
}

type Json = Record<string, unknown>;

export class JanusGateway {
  readonly url: string;
  readonly adminUrl: string;
  readonly rtpHost: string;
  constructor(private readonly o: JanusGatewayOptions) {
    this.url = o.url;
    this.adminUrl = o.adminUrl;
    this.rtpHost = o.rtpHost ?? new URL(o.adminUrl).hostname.replace(/^\[|\]$/g, '');
  }

  private async admin(body: Json): Promise<Result<Json>> {
    const ctl = new AbortController();
    const cancel = realDeadline(this.o.timeoutMs ?? 5000, () => ctl.abort());
    try {
      const r = await fetch(this.o.adminUrl, { method: 'POST', body: JSON.stringify({ ...body, transaction: randomBytes(8).toString('hex'), admin_secret: this.o.adminSecret }), signal: ctl.signal });
      const text = await r.text();
      if (text.length > 1_000_000) return err('janus-bad-answer', 'janus: answer too large');
      const j = JSON.parse(text) as Json;
      if (j.janus === 'error') {
        const e = j.error as { code?: number; reason?: string } | undefined;
        return err('janus-refused', `janus: ${String(body.janus)}: ${e?.reason ?? 'error'} (${e?.code ?? '?'})`);
      }
      return ok(j);
    } catch (e) {
      return err('janus-unreachable', `janus admin API ${this.o.adminUrl}: ${(e as Error).name === 'AbortError' ? 'no answer' : String(e)}`);
    } finally {
      cancel();
    }
  }

  /** Janus's own description (version, plugins); proves the admin API answers and the secret is right. */
  async info(): Promise<Result<Json>> {
    const r = await this.admin({ janus: 'get_status' });
    return r.ok ? ok((r.value.status as Json | undefined) ?? {}) : r;
  }

  private async streaming(request: Json): Promise<Result<Json>> {
    const r = await this.admin({ janus: 'message_plugin', plugin: 'janus.plugin.streaming', request: { ...request, admin_key: this.o.streamingKey } });
    if (!r.ok) return r;
    const data = ((r.value.response as Json | undefined) ?? {}) as Json;
    if (data.error) return err('janus-refused', `janus streaming: ${String(request.request)}: ${String(data.error)} (${String(data.error_code ?? '?')})`);
    return ok(data);
  }

  /**
   * The drone's mountpoint: one H.264 video stream on a port Janus picks (an existing one of the same id, from
   * an earlier run of the station, is destroyed first: its port may be another).
   */
  async mountpoint(drone: string): Promise<Result<Mountpoint>> {
    const id = mountpointId(drone);
    await this.streaming({ request: 'destroy', id, permanent: false });
    const r = await this.streaming({
      request: 'create',
      type: 'rtp',
      id,
      name: `kongxun-${drone}`,
      description: drone,
      permanent: false,
      media: [{ type: 'video', mid: 'v', label: drone, port: 0, pt: 96, codec: 'h264', fmtp: 'profile-level-id=42e01f;packetization-mode=1' }],
    });
    if (!r.ok) return r;
    const stream = r.value.stream as { id?: unknown; ports?: { port?: unknown }[]; video_port?: unknown } | undefined;
    const port = Number(stream?.ports?.[0]?.port ?? stream?.video_port);
    if (!Number.isInteger(port) || port <= 0 || port > 65535) return err('janus-bad-answer', `janus: created the mountpoint of ${drone} but named no port`);
    return ok({ drone, id, port });
  }

  /** A token for the streaming plugin only (Janus token_auth); revoke it with `revokeToken`. */
  async addToken(token: string): Promise<Result<void>> {
    const r = await this.admin({ janus: 'add_token', token, plugins: ['janus.plugin.streaming'] });
    return r.ok ? ok(undefined) : r;
  }

  async revokeToken(token: string): Promise<Result<void>> {
    const r = await this.admin({ janus: 'remove_token', token });
    return r.ok ? ok(undefined) : r;
  }
}

export interface JanusForwarderOptions {
  gateway: JanusGateway;
  log?: (line: string) => void;
  /** A token's lifetime (ms); default 12 h. */
  tokenTtlMs?: number;
  now?: () => number;
}

/**
 * Forwards the drones' RTP to their mountpoints and issues viewer tokens. `forward` is called by the video hub
 * for every RTP packet of a drone's main stream, as it arrives; the first one makes the drone's mountpoint
 * (packets before it is ready are not queued: a viewer starts at a keyframe anyway).
 */
export class JanusForwarder {
  private readonly sock: Socket;
  private readonly mounts = new Map<string, Mountpoint | 'pending' | 'failed'>();
  private readonly tokens = new Map<string, Cancel>();
  private readonly now: () => number;
  /** Packets sent per drone (tests, status). */
  readonly sent = new Map<string, number>();
  private closed = false;

  constructor(private readonly o: JanusForwarderOptions) {
    this.sock = createSocket('udp4');
    this.sock.on('error', (e) => o.log?.(`kongxun: janus forwarding: ${e.message}`));
    this.sock.unref();
    this.now = o.now ?? realNow;
  }

  forward(drone: string, packet: Uint8Array): void {
    if (this.closed) return;
    const m = this.mounts.get(drone);
    if (m === undefined) {
      this.mounts.set(drone, 'pending');
      void this.o.gateway.mountpoint(drone).then((r) => {
        if (this.closed) return;
        if (r.ok) this.mounts.set(drone, r.value);
        else {
          this.mounts.set(drone, 'failed');
          this.o.log?.(`kongxun: no Janus mountpoint for ${drone}: ${r.reason}`);
        }
      });
      return;
    }
    if (typeof m === 'string') return;
    this.sock.send(packet, m.port, this.o.gateway.rtpHost);
    this.sent.set(drone, (this.sent.get(drone) ?? 0) + 1);
  }

  mountpoints(): Mountpoint[] {
    return [...this.mounts.values()].filter((m): m is Mountpoint => typeof m !== 'string');
  }

  /**
   * A token for one authorised console request (the hook the console's session binds to): registered with
   * Janus for the streaming plugin only, revoked when its lifetime ends or the station closes.
   */
  async issue(ttlMs?: number): Promise<Result<JanusAccess>> {
    if (this.closed) return err('closed', 'janus forwarding is closed');
    const token = randomBytes(24).toString('base64url');
    const r = await this.o.gateway.addToken(token);
    if (!r.ok) return r;
    const ttl = ttlMs ?? this.o.tokenTtlMs ?? 12 * 3_600_000;
    this.tokens.set(token, realDeadline(ttl, () => void this.revoke(token), { unref: true }));
    return ok({ url: this.o.gateway.url, token, expiresMs: this.now() + ttl, mountpoints: this.mountpoints().map(({ drone, id }) => ({ drone, id })) });
  }

  /**
   * A Janus started again (janus-supervisor.ts) knows no mountpoint and no token: every drone's mountpoint is
   * made again (on a port the new Janus picks; packets before it is ready are dropped) and every live token is
   * registered again, so viewers keep theirs.
   */
  async renew(): Promise<Result<{ mountpoints: number; tokens: number }>> {
    if (this.closed) return err('closed', 'janus forwarding is closed');
    const drones = [...this.mounts.keys()];
    for (const d of drones) this.mounts.set(d, 'pending');
    const fails: string[] = [];
    let made = 0;
    for (const d of drones) {
      const r = await this.o.gateway.mountpoint(d);
      if (this.closed) return err('closed', 'janus forwarding is closed');
      if (r.ok) {
        this.mounts.set(d, r.value);
        made++;
      } else {
        // Tried again at the drone's next packet.
        this.mounts.delete(d);
        fails.push(`${d}: ${r.reason}`);
      }
    }
    let tokens = 0;
    for (const t of this.tokens.keys()) {
      const r = await this.o.gateway.addToken(t);
      if (r.ok) tokens++;
      else fails.push(`token: ${r.reason}`);
    }
    return fails.length ? err('janus-renew', fails.join('; ')) : ok({ mountpoints: made, tokens });
  }

  async revoke(token: string): Promise<void> {
    const cancel = this.tokens.get(token);
    if (!cancel) return;
    cancel();
    this.tokens.delete(token);
    await this.o.gateway.revokeToken(token);
  }

  async close(): Promise<void> {
    for (const token of [...this.tokens.keys()]) await this.revoke(token);
    this.closed = true;
    this.sock.close();
  }
}

/**
 * A drone's live video for the sub-bureau centre (issue 18, `in/video`): that drone's mountpoint on this
 * station's Janus and a token of the request's own, for `ttlMs` (default 2 h). Refused while the drone sends no
 * video (no mountpoint yet) or when Janus refuses the token.
 */
export async function centreVideoAccess(fwd: JanusForwarder, drone: string, o: { publicUrl?: string; ttlMs?: number } = {}): Promise<Result<{ url: string; token: string; mountpoint: number; expiresMs: number }>> {
  const m = fwd.mountpoints().find((x) => x.drone === drone);
  if (!m) return err('no-video', `no live video from ${drone} on this station's Janus (the drone sends none, or its mountpoint is not made yet)`);
  const a = await fwd.issue(o.ttlMs ?? 2 * 3_600_000);
  if (!a.ok) return a;
  return ok({ url: o.publicUrl ?? a.value.url, token: a.value.token, mountpoint: m.id, expiresMs: Math.round(a.value.expiresMs) });
}
