import { common } from 'mavlink-mappings';
import { describe as group, expect, it } from 'vitest';
import { ARDUPILOT_COPTER, GENERIC } from '../../quirks.js';
import { Bench, PEER, ack, req, sampleItems } from './machine-testkit.js';
import { createUpload, uploadMachine, type UploadResult, type UploadState } from './upload.js';

const A = common.MavMissionResult;
const FIRMWARE = [
  { name: 'ardupilot', quirks: ARDUPILOT_COPTER, legacy: true },
  { name: 'generic', quirks: GENERIC, legacy: false },
] as const;

for (const fw of FIRMWARE) {
  group(`mission upload (${fw.name})`, () => {
    const items = sampleItems(3);
    const bench = (retries = 3) => new Bench<UploadState, UploadResult>(uploadMachine, createUpload(PEER, 'mission', items, fw.quirks, { retries, initialTimeoutMs: 500 }));
    const r = (seq: number) => req(seq, fw.legacy);

    it('clean: COUNT, one item per request, ACK → ok with progress to 3/3', () => {
      const b = bench().start().recv(r(0)).recv(r(1)).recv(r(2)).recv(ack(A.ACCEPTED, 0, 1234));
      expect(b.log).toEqual(['COUNT 3', 'ITEM 0', 'ITEM 1', 'ITEM 2']);
      expect(b.result).toMatchObject({ outcome: 'ok', resends: 0, itemsDone: 3, opaqueId: fw.quirks.missionOpaqueId ? 1234 : undefined });
      expect(b.progress.at(-1)).toEqual({ done: 3, total: 3 });
      expect(b.result.srttMs).toBe(10);
    });

    const table: { name: string; run: (b: Bench<UploadState, UploadResult>) => void; log: string[]; outcome: string }[] = [
      { name: 'lost COUNT: COUNT resent', run: (b) => b.start().timeout().recv(r(0)).recv(r(1)).recv(r(2)).recv(ack(A.ACCEPTED)), log: ['COUNT 3', 'COUNT 3', 'ITEM 0', 'ITEM 1', 'ITEM 2'], outcome: 'ok' },
      { name: 'lost REQUEST: last item resent on timeout', run: (b) => b.start().recv(r(0)).timeout().recv(r(1)).recv(r(2)).recv(ack(A.ACCEPTED)), log: ['COUNT 3', 'ITEM 0', 'ITEM 0', 'ITEM 1', 'ITEM 2'], outcome: 'ok' },
      { name: 'lost ITEM: the vehicle asks again, item resent', run: (b) => b.start().recv(r(0)).recv(r(0)).recv(r(1)).recv(r(2)).recv(ack(A.ACCEPTED)), log: ['COUNT 3', 'ITEM 0', 'ITEM 0', 'ITEM 1', 'ITEM 2'], outcome: 'ok' },
      { name: 'lost ACK, vehicle re-ACKs the resent last item', run: (b) => b.start().recv(r(0)).recv(r(1)).recv(r(2)).timeout().recv(ack(A.ACCEPTED)), log: ['COUNT 3', 'ITEM 0', 'ITEM 1', 'ITEM 2', 'ITEM 2'], outcome: 'ok' },
      { name: 'lost ACK for good: unconfirmed (verify by read-back)', run: (b) => b.start().recv(r(0)).recv(r(1)).recv(r(2)).timeout().timeout().timeout().timeout(), log: ['COUNT 3', 'ITEM 0', 'ITEM 1', 'ITEM 2', 'ITEM 2', 'ITEM 2', 'ITEM 2'], outcome: 'unconfirmed' },
      { name: 'duplicate REQUEST answered each time', run: (b) => b.start().recv(r(0)).recv(r(1)).recv(r(1)).recv(r(2)).recv(ack(A.ACCEPTED)), log: ['COUNT 3', 'ITEM 0', 'ITEM 1', 'ITEM 1', 'ITEM 2'], outcome: 'ok' },
      { name: 'out-of-order REQUEST (earlier seq) answered', run: (b) => b.start().recv(r(0)).recv(r(1)).recv(r(0)).recv(r(2)).recv(ack(A.ACCEPTED)), log: ['COUNT 3', 'ITEM 0', 'ITEM 1', 'ITEM 0', 'ITEM 2'], outcome: 'ok' },
      { name: 'wrong sequence (seq ≥ count) ignored', run: (b) => b.start().recv(r(0)).recv(r(7)).recv(r(1)).recv(r(2)).recv(ack(A.ACCEPTED)), log: ['COUNT 3', 'ITEM 0', 'ITEM 1', 'ITEM 2'], outcome: 'ok' },
      {
        name: 'INVALID_SEQUENCE ACK mid-transfer',
        run: (b) => b.start().recv(r(0)).recv(ack(A.INVALID_SEQUENCE)).recv(r(1)).recv(r(2)).recv(ack(A.ACCEPTED)),
        // ArduPilot: not the end; it holds item 0 and waits for 1, whose request was lost: item 1 goes at once.
        log: fw.quirks.missionInvalidSequenceNonFatal ? ['COUNT 3', 'ITEM 0', 'ITEM 1', 'ITEM 1', 'ITEM 2'] : ['COUNT 3', 'ITEM 0'],
        outcome: fw.quirks.missionInvalidSequenceNonFatal ? 'ok' : 'rejected',
      },
      { name: 'NACK after COUNT (early error ACK NO_SPACE)', run: (b) => b.start().recv(ack(A.NO_SPACE)), log: ['COUNT 3'], outcome: 'rejected' },
      { name: 'NACK mid-transfer (UNSUPPORTED item)', run: (b) => b.start().recv(r(0)).recv(r(1)).recv(ack(A.UNSUPPORTED)), log: ['COUNT 3', 'ITEM 0', 'ITEM 1'], outcome: 'rejected' },
      { name: 'early ACCEPTED (a stale ACK) ignored, then timeout', run: (b) => b.start().recv(ack(A.ACCEPTED)).timeout().timeout().timeout().timeout(), log: ['COUNT 3', 'COUNT 3', 'COUNT 3', 'COUNT 3'], outcome: 'timeout' },
      { name: 'cancel: OPERATION_CANCELLED sent to the vehicle', run: (b) => b.start().recv(r(0)).cancel().recv(r(1)).timeout(), log: ['COUNT 3', 'ITEM 0', 'ACK 15'], outcome: 'cancelled' },
      { name: 'deadline: cancelled on the wire, a timeout to the caller', run: (b) => b.start().recv(r(0)).deadline().recv(r(1)).timeout(), log: ['COUNT 3', 'ITEM 0', 'ACK 15'], outcome: 'timeout' },
      { name: 'timeout: nothing answers', run: (b) => b.start().timeout().timeout().timeout().timeout().timeout(), log: ['COUNT 3', 'COUNT 3', 'COUNT 3', 'COUNT 3'], outcome: 'timeout' },
      { name: 'another vehicle / another mission type ignored', run: (b) => b.start().recv(r(0), { sysid: 2, compid: 1 }).recv(req(0, fw.legacy, 1)).recv(r(0)).recv(r(1)).recv(r(2)).recv(ack(A.ACCEPTED, 1)).recv(ack(A.ACCEPTED)), log: ['COUNT 3', 'ITEM 0', 'ITEM 1', 'ITEM 2'], outcome: 'ok' },
    ];
    for (const t of table) {
      it(t.name, () => {
        const b = bench();
        t.run(b);
        expect(b.log).toEqual(t.log);
        expect(b.result.outcome).toBe(t.outcome); // exactly one result
        if (t.outcome !== 'ok') expect(b.result.reason).toBeTruthy();
      });
    }

    it('the result comes exactly once; late inputs do nothing', () => {
      const b = bench().start().recv(r(0)).recv(r(1)).recv(r(2)).recv(ack(A.ACCEPTED));
      const n = b.sent.length;
      b.recv(ack(A.ACCEPTED)).recv(r(2)).timeout().cancel();
      expect(b.done).toHaveLength(1);
      expect(b.sent).toHaveLength(n);
    });

    if (fw.quirks.missionInvalidSequenceNonFatal) {
      it('INVALID_SEQUENCE pushes each next item once only (no loop on a vehicle that keeps refusing)', () => {
        const b = bench(20).start().recv(r(0));
        for (let i = 0; i < 10; i++) b.recv(ack(A.INVALID_SEQUENCE));
        expect(b.log).toEqual(['COUNT 3', 'ITEM 0', 'ITEM 1', 'ITEM 2']);
        expect(b.done).toHaveLength(0);
      });
    }

    it('NACK names the result', () => {
      const b = bench().start().recv(ack(A.NO_SPACE));
      expect(b.result.reason).toContain('NO_SPACE');
    });

    it('empty list: COUNT 0 → ACK → ok', () => {
      const b = new Bench<UploadState, UploadResult>(uploadMachine, createUpload(PEER, 'fence', [], fw.quirks)).start().recv(ack(A.ACCEPTED, 1));
      expect(b.result.outcome).toBe('ok');
    });
  });
}

group('retransmission timer', () => {
  it("ignores a 'round trip' that was the vehicle's own 1 s re-request, and re-seeds on a much faster sample", () => {
    const items = sampleItems(30);
    const b = new Bench<UploadState, UploadResult>(uploadMachine, createUpload(PEER, 'mission', items, ARDUPILOT_COPTER, { initialTimeoutMs: 1500 })).start();
    b.recv(req(0, true), undefined, 1050); // the first request was lost; this is the vehicle's re-request
    expect(b.state.rto.srttMs).toBe(1050);
    for (let i = 1; i < 10; i++) b.recv(req(i, true), undefined, 50);
    expect(b.state.rto.srttMs).toBeLessThan(100);
    b.recv(req(10, true), undefined, 1050); // another re-request artefact
    expect(b.state.rto.srttMs).toBeLessThan(100);
    expect(b.timerMs).toBeLessThanOrEqual(150);
  });

  it('adapts to the measured RTT (Karn: resent exchanges are not sampled)', () => {
    const items = sampleItems(20);
    const b = new Bench<UploadState, UploadResult>(uploadMachine, createUpload(PEER, 'mission', items, ARDUPILOT_COPTER, { initialTimeoutMs: 1500 })).start();
    for (let i = 0; i < 20; i++) b.recv(req(i, true), undefined, 300);
    expect(b.state.rto.srttMs).toBeCloseTo(300, 0);
    expect(b.timerMs).toBeLessThan(600);
    expect(b.timerMs).toBeGreaterThanOrEqual(300);
  });
});
