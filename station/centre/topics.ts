/**
 * The topic tree between stations and the centre (resources/formats/centre.md):
 *
 *   kongxun/v1/s/<station>/out/status        retained, last will {online:false}
 *   kongxun/v1/s/<station>/out/fleet         QoS 0, 1–2 Hz
 *   kongxun/v1/s/<station>/out/event         QoS 1
 *   kongxun/v1/s/<station>/out/alert         QoS 1
 *   kongxun/v1/s/<station>/out/snapshot      QoS 1 (an alert's picture; droppable)
 *   kongxun/v1/s/<station>/out/sortie        QoS 1
 *   kongxun/v1/s/<station>/out/report        QoS 1
 *   kongxun/v1/s/<station>/out/answer/<centre>   QoS 1 (the response topic a request names)
 *   kongxun/v1/s/<station>/in/dispatch       QoS 1, from the centre
 *   kongxun/v1/s/<station>/in/instruct       QoS 1
 *   kongxun/v1/s/<station>/in/report         QoS 1
 *   kongxun/v1/s/<station>/in/video          QoS 1 (a drone's live video: answered with the station's Janus and a token)
 *
 * A station writes only under its own `out/` and reads only its own `in/` (the broker's ACL, README); its id
 * is its broker user name. Answers live under the station's own tree so that the ACL needs no exception.
 */
export const ROOT = 'kongxun/v1/s';
export const ID_RE = /^[A-Za-z0-9_-]{1,64}$/;

export type OutKind = 'status' | 'fleet' | 'event' | 'alert' | 'snapshot' | 'sortie' | 'report';
export type InKind = 'dispatch' | 'instruct' | 'report' | 'video';

export const outTopic = (station: string, kind: OutKind): string => `${ROOT}/${station}/out/${kind}`;
export const inTopic = (station: string, kind: InKind): string => `${ROOT}/${station}/in/${kind}`;
export const answerTopic = (station: string, centre: string): string => `${ROOT}/${station}/out/answer/${centre}`;

/** What a topic is: station and kind (answer: and for which centre); null for anything else. */
export function parseTopic(t: string): { station: string; dir: 'out' | 'in'; kind: string; centre?: string } | null {
  const p = t.split('/');
  if (p.length < 6 || `${p[0]}/${p[1]}/${p[2]}` !== ROOT || !ID_RE.test(p[3]!)) return null;
  const dir = p[4];
  if (dir !== 'out' && dir !== 'in') return null;
  if (p[5] === 'answer' && dir === 'out' && p.length === 7 && ID_RE.test(p[6]!)) return { station: p[3]!, dir, kind: 'answer', centre: p[6]! };
  if (p.length !== 6) return null;
  return { station: p[3]!, dir, kind: p[5]! };
}
