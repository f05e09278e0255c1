import { common } from 'mavlink-mappings';
import { describe as group, expect, it } from 'vitest';
import { make } from '../../codec/messages.js';
import { createClear, createSetCurrent, simpleMachine, type SimpleResult, type SimpleState } from './clear.js';
import { createDownload, downloadMachine, type DownloadResult, type DownloadState } from './download.js';
import { Bench, PEER, ack, count, itemMsg, sampleItems } from './machine-testkit.js';

const A = common.MavMissionResult;
const items = sampleItems(3);
const it_ = (seq: number) => itemMsg(items[seq]!);

group('mission download', () => {
  const bench = () => new Bench<DownloadState, DownloadResult>(downloadMachine, createDownload(PEER, 'mission', { retries: 3, initialTimeoutMs: 500 }));

  const table: { name: string; run: (b: Bench<DownloadState, DownloadResult>) => void; log: string[]; outcome: string }[] = [
    { name: 'clean', run: (b) => b.start().recv(count(3, 0, 77)).recv(it_(0)).recv(it_(1)).recv(it_(2)), log: ['REQUEST_LIST', 'REQ_INT 0', 'REQ_INT 1', 'REQ_INT 2', 'ACK 0'], outcome: 'ok' },
    { name: 'lost COUNT: REQUEST_LIST resent', run: (b) => b.start().timeout().recv(count(3)).recv(it_(0)).recv(it_(1)).recv(it_(2)), log: ['REQUEST_LIST', 'REQUEST_LIST', 'REQ_INT 0', 'REQ_INT 1', 'REQ_INT 2', 'ACK 0'], outcome: 'ok' },
    { name: 'lost REQUEST or ITEM: request resent', run: (b) => b.start().recv(count(3)).recv(it_(0)).timeout().recv(it_(1)).recv(it_(2)), log: ['REQUEST_LIST', 'REQ_INT 0', 'REQ_INT 1', 'REQ_INT 1', 'REQ_INT 2', 'ACK 0'], outcome: 'ok' },
    { name: 'duplicate ITEM ignored', run: (b) => b.start().recv(count(3)).recv(it_(0)).recv(it_(0)).recv(it_(1)).recv(it_(2)), log: ['REQUEST_LIST', 'REQ_INT 0', 'REQ_INT 1', 'REQ_INT 2', 'ACK 0'], outcome: 'ok' },
    { name: 'out-of-order ITEM kept; the lowest missing is asked', run: (b) => b.start().recv(count(3)).recv(it_(2)).recv(it_(0)).recv(it_(1)), log: ['REQUEST_LIST', 'REQ_INT 0', 'REQ_INT 1', 'ACK 0'], outcome: 'ok' },
    { name: 'wrong sequence (seq ≥ count) ignored', run: (b) => b.start().recv(count(3)).recv(itemMsg({ ...items[0]!, seq: 9 })).recv(it_(0)).recv(it_(1)).recv(it_(2)), log: ['REQUEST_LIST', 'REQ_INT 0', 'REQ_INT 1', 'REQ_INT 2', 'ACK 0'], outcome: 'ok' },
    { name: 'repeated COUNT (REQUEST_LIST resent) ignored', run: (b) => b.start().recv(count(3)).recv(count(3)).recv(it_(0)).recv(it_(1)).recv(it_(2)), log: ['REQUEST_LIST', 'REQ_INT 0', 'REQ_INT 1', 'REQ_INT 2', 'ACK 0'], outcome: 'ok' },
    { name: 'COUNT changes mid-download → rejected', run: (b) => b.start().recv(count(3)).recv(count(5)), log: ['REQUEST_LIST', 'REQ_INT 0'], outcome: 'rejected' },
    { name: 'NACK from the vehicle', run: (b) => b.start().recv(count(3)).recv(ack(A.INVALID_SEQUENCE)), log: ['REQUEST_LIST', 'REQ_INT 0'], outcome: 'rejected' },
    { name: 'empty list: COUNT 0 → ACK', run: (b) => b.start().recv(count(0)), log: ['REQUEST_LIST', 'ACK 0'], outcome: 'ok' },
    { name: 'cancel', run: (b) => b.start().recv(count(3)).cancel().recv(it_(0)), log: ['REQUEST_LIST', 'REQ_INT 0', 'ACK 15'], outcome: 'cancelled' },
    { name: 'deadline', run: (b) => b.start().recv(count(3)).deadline().recv(it_(0)), log: ['REQUEST_LIST', 'REQ_INT 0', 'ACK 15'], outcome: 'timeout' },
    { name: 'timeout waiting for COUNT', run: (b) => b.start().timeout().timeout().timeout().timeout().timeout(), log: ['REQUEST_LIST', 'REQUEST_LIST', 'REQUEST_LIST', 'REQUEST_LIST'], outcome: 'timeout' },
    { name: 'timeout waiting for an item', run: (b) => b.start().recv(count(3)).recv(it_(0)).timeout().timeout().timeout().timeout(), log: ['REQUEST_LIST', 'REQ_INT 0', 'REQ_INT 1', 'REQ_INT 1', 'REQ_INT 1', 'REQ_INT 1'], outcome: 'timeout' },
    { name: 'another vehicle / mission type ignored', run: (b) => b.start().recv(count(3), { sysid: 9, compid: 1 }).recv(count(2, 1)).recv(count(3)).recv(it_(0)).recv(itemMsg(items[1]!, 2)).recv(it_(1)).recv(it_(2)), log: ['REQUEST_LIST', 'REQ_INT 0', 'REQ_INT 1', 'REQ_INT 2', 'ACK 0'], outcome: 'ok' },
  ];
  for (const t of table) {
    it(t.name, () => {
      const b = bench();
      t.run(b);
      expect(b.log).toEqual(t.log);
      expect(b.result.outcome).toBe(t.outcome);
      if (t.outcome === 'ok' && t.name !== 'empty list: COUNT 0 → ACK') expect(b.result.items.map((x) => x.seq)).toEqual([0, 1, 2]);
    });
  }

  it('keeps the opaque_id and the items, progress to 3/3', () => {
    const b = bench().start().recv(count(3, 0, 77)).recv(it_(0)).recv(it_(1)).recv(it_(2));
    expect(b.result.opaqueId).toBe(77);
    expect(b.result.items[1]).toMatchObject({ command: 22, x: items[1]!.x, z: 30 });
    expect(b.progress.at(-1)).toEqual({ done: 3, total: 3 });
  });

  it('accepts a legacy MISSION_ITEM (float degrees)', () => {
    const legacy = make(common.MissionItem, { targetSystem: 255, targetComponent: 190, seq: 0, frame: 3, command: 16, x: 24.4798, y: 118.0894, z: 30, missionType: 0 } as Partial<common.MissionItem>);
    const b = new Bench<DownloadState, DownloadResult>(downloadMachine, createDownload(PEER, 'mission')).start().recv(count(1)).recv(legacy);
    expect(b.result.items[0]).toMatchObject({ x: 244798000, y: 1180894000 });
  });
});

group('clear and set current', () => {
  it('clear: ACK ACCEPTED → ok; lost ACK → resend; NACK → rejected; timeout', () => {
    const mk = () => new Bench<SimpleState, SimpleResult>(simpleMachine, createClear(PEER, 'fence', { retries: 2 }));
    expect(mk().start().recv(ack(A.ACCEPTED, 1)).result.outcome).toBe('ok');
    const lost = mk().start().timeout().recv(ack(A.ACCEPTED, 1));
    expect(lost.log).toEqual(['CLEAR_ALL', 'CLEAR_ALL']);
    expect(lost.result.outcome).toBe('ok');
    expect(mk().start().recv(ack(A.ACCEPTED, 0)).recv(ack(A.DENIED, 1)).result.outcome).toBe('rejected');
    const t = mk().start().timeout().timeout().timeout();
    expect(t.log).toEqual(['CLEAR_ALL', 'CLEAR_ALL', 'CLEAR_ALL']);
    expect(t.result.outcome).toBe('timeout');
  });

  it('set current: waits for MISSION_CURRENT with the asked seq', () => {
    const cur = (seq: number) => make(common.MissionCurrent, { seq } as Partial<common.MissionCurrent>);
    const b = new Bench<SimpleState, SimpleResult>(simpleMachine, createSetCurrent(PEER, 3)).start().recv(cur(1)).recv(cur(3));
    expect(b.log).toEqual(['SET_CURRENT 3']);
    expect(b.result.outcome).toBe('ok');
  });
});
