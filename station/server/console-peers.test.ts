/**
 * What a console may send, on any transport (the WebSocket caps frames itself; the desktop window's port does
 * not): known types with their fields, and nothing over the console socket's cap.
 */
import { describe, expect, it } from 'vitest';
import { parseClientMessage } from './console-peers.js';
import { WS_MAX_CONSOLE_MESSAGE } from './http-guard.js';

const command = { type: 'command', sysid: 11, requestId: 'r1', command: { command: 'rtl' } };

describe('parseClientMessage', () => {
  it('takes the contract’s messages', () => {
    expect(parseClientMessage(JSON.stringify(command))).toMatchObject({ type: 'command', sysid: 11 });
    expect(parseClientMessage(JSON.stringify({ type: 'ack-instruction', requestId: 'a', id: 'I1' }))).toMatchObject({ type: 'ack-instruction' });
  });

  it('refuses what is not text, not JSON, not known, or too big', () => {
    const padded = JSON.stringify({ ...command, pad: 'x'.repeat(WS_MAX_CONSOLE_MESSAGE) });
    for (const bad of [undefined, 42, { type: 'command' }, new ArrayBuffer(8), '', '{', 'null', '[]', JSON.stringify({ type: 'command', sysid: '11', requestId: 'r' }), JSON.stringify({ type: 'shell', sysid: 1, requestId: 'r' }), padded]) {
      expect(parseClientMessage(bad), typeof bad === 'string' ? bad.slice(0, 60) : String(bad)).toBeUndefined();
    }
    // The same message under the cap is taken: the refusal above is the size.
    expect(parseClientMessage(JSON.stringify({ ...command, pad: 'x'.repeat(1000) }))).toBeDefined();
  });
});
