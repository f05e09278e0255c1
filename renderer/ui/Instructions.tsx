/**
 * Instructions from the sub-bureau centre on the desk (issue 17): each with its text, who at the centre sent it
 * and when (station time). A dispatcher or a pilot acknowledges one; the station then answers the centre
 * "acknowledged" with their name, and every desk shows who acknowledged it and when. Unacknowledged ones come
 * first and stand out. Nothing is shown on a station that has no centre link (no instructions came).
 */
import { stationTime } from '../features/sortie.js';
import { mayAckInstruction } from '../state/store.js';
import { useConsole, useSel, useT } from './context.js';

export function InstructionPanel() {
  const { client } = useConsole();
  const t = useT();
  const list = useSel((s) => s.instructions);
  const error = useSel((s) => s.instructionError);
  const tz = useSel((s) => s.timezone);
  const may = useSel((s) => mayAckInstruction(s.who));
  if (list.length === 0) return null;
  // Pending first (oldest first: the longest waiting on top), then the acknowledged ones, newest first.
  const pending = list.filter((i) => !i.ack);
  const done = list.filter((i) => i.ack).reverse().slice(0, 5);
  return (
    <div className="instructions" data-testid="instructions">
      <div className="panel-title">
        {t('instructions')} {pending.length > 0 && <span className="badge" data-testid="instructions-pending">{t('instructionsPending', { n: pending.length })}</span>}
      </div>
      {error && <p className="refused" data-testid="instruction-error">{error}</p>}
      <ul>
        {[...pending, ...done].map((i) => (
          <li key={i.id} className={i.ack ? 'acked' : 'pending'} data-testid={`instruction-${i.id}`} data-state={i.ack ? 'acknowledged' : 'pending'}>
            <div className="text">{i.text}</div>
            <div className="muted">{t('instructionFrom', { from: i.from, at: stationTime(i.atMs, tz, true) })}</div>
            {i.ack ? (
              <div className="ack" data-testid="instruction-ack">{t('instructionAcked', { by: i.ack.by, at: stationTime(i.ack.atMs, tz, true) })}</div>
            ) : may ? (
              <button data-testid="instruction-ack-button" onClick={() => client.ackInstruction(i.id)}>{t('instructionAck')}</button>
            ) : (
              <div className="muted">{t('instructionWaiting')}</div>
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}
