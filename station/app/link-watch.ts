/**
 * What the service says about its links: state changes in the log, once per change (a radio not plugged in
 * yet — "waiting: … not found — is the radio plugged in?" —, a drone's server not up yet, a link lost and
 * back), and an alert when a link is up but every frame of it is rejected.
 */
import type { Clock } from '../../common/clock.js';
import type { StationEvent } from '../../common/api/contract.js';
import type { Station } from '../compose.js';

/** Status lines per link and minute before they are counted instead of printed. */
export const LINK_LINES_PER_MIN = 20;

/**
 * Logs each link's state changes. A UDP link hears whoever sends to it: a churn of source ports (a hostile
 * sender, a NAT) is at most LINK_LINES_PER_MIN lines a minute per link, then one line saying how many changes
 * were not shown. Returns the unsubscribe.
 */
export function logLinkChanges(station: Station, clock: Clock, log: (line: string) => void): () => void {
  const offs: (() => void)[] = [];
  for (const c of station.connections()) {
    let last = '';
    let windowStart = clock.now();
    let shown = 0;
    let hidden = 0;
    offs.push(
      c.onStatus((st) => {
        const line = st.state === 'reconnecting' ? `waiting (${st.reason})` : st.state === 'connected' ? `up (${st.peer})` : 'reason' in st ? `${st.state} (${st.reason})` : st.state;
        if (line === last || st.state === 'opening' || st.state === 'closed') return;
        last = line;
        const now = clock.now();
        if (now - windowStart >= 60_000) {
          if (hidden > 0) log(`kongxun: link ${c.name}: ${hidden} more peer changes not shown (a UDP link keeps at most 64 peers and forgets one idle for 60 s)`);
          windowStart = now;
          shown = 0;
          hidden = 0;
        }
        if (shown < LINK_LINES_PER_MIN) {
          shown++;
          log(`kongxun: link ${c.name}: ${line}`);
        } else hidden++;
      }),
    );
  }
  return () => offs.splice(0).forEach((off) => off());
}

/**
 * Every 5 s: a link whose frames, all of them, were rejected since the last look (a wrong key, a drone that
 * does not sign under reject) shows no vehicle: an alert, once per episode. Returns the stop.
 */
export function watchRejectingLinks(station: Station, clock: Clock, alert: (e: StationEvent) => void): () => void {
  const last = new Map<string, { framesIn: number; rejected: number; alerted: boolean }>();
  const timer = clock.setInterval(() => {
    for (const c of station.connections()) {
      const s = c.stats;
      const rejected = s.rejectedBadSignature + s.rejectedUnsigned + s.rejectedReplay;
      const prev = last.get(c.name) ?? { framesIn: 0, rejected: 0, alerted: false };
      const newRejected = rejected - prev.rejected;
      let alerted = prev.alerted;
      if (s.framesIn > prev.framesIn) alerted = false;
      else if (newRejected > 0 && !alerted) {
        alerted = true;
        alert({
          atMs: clock.now(),
          kind: 'link-rejecting',
          severity: 'alert',
          text: `link ${c.name} up, every frame rejected: wrong key? (${newRejected} in 5 s: ${s.rejectedBadSignature} bad signature, ${s.rejectedUnsigned} unsigned, ${s.rejectedReplay} replayed in all)`,
          args: { link: c.name },
        });
      }
      last.set(c.name, { framesIn: s.framesIn, rejected, alerted });
    }
  }, 5000);
  return () => clock.clearInterval(timer);
}
