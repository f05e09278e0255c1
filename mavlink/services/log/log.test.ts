/**
 * The LOG_* machines against a scripted vehicle: the list re-asks for missing entries; the download
 * re-requests holes (lost blocks, a lost end), resumes from an offset, and on a dead link ends with the
 * contiguous bytes it has, so the caller can resume.
 */
import { common } from 'mavlink-mappings';
import { describe, expect, it } from 'vitest';
import { make, type MavLinkData } from '../../codec/messages.js';
import type { DriverEffect, Machine } from '../driver.js';
import { createLogDownload, logDownloadMachine, type LogDownloadResult } from './download.js';
import { createLogList, logListMachine, type LogListResult } from './list.js';

const T = { sysid: 1, compid: 1 };

function run<S, R>(m: Machine<S, R>, st: S, vehicle: (msg: MavLinkData) => MavLinkData[], maxMs = 3_600_000): { result: R | undefined; sent: MavLinkData[] } {
  let now = 0;
  let timer: number | undefined;
  let result: R | undefined;
  const sent: MavLinkData[] = [];
  let inbox: MavLinkData[] = [];
  const apply = (effects: DriverEffect<R>[]): void => {
    for (const e of effects) {
      if (e.type === 'send') {
        sent.push(e.message);
        // A new request replaces the transfer in progress, as on ArduPilot.
        if (e.message instanceof common.LogRequestData) inbox = [];
        inbox.push(...vehicle(e.message));
      } else if (e.type === 'armTimer') timer = now + e.delayMs;
      else if (e.type === 'done') result = e.result;
    }
  };
  let step = m.start(st, now);
  st = step.state;
  apply(step.effects);
  while (result === undefined && now < maxMs) {
    const first = inbox.shift();
    if (first) {
      now += 1;
      step = m.onMessage(st, { sysid: 1, compid: 1, message: first }, now);
    } else if (timer !== undefined) {
      now = timer;
      timer = undefined;
      step = m.onTimeout(st, now);
    } else break;
    st = step.state;
    apply(step.effects);
  }
  return { result, sent };
}

const LOG = Uint8Array.from({ length: 100_007 }, (_, i) => (i * 31 + (i >> 8)) & 0xff);

function dataVehicle(lose: (ofs: number, n: number) => boolean) {
  let n = 0;
  return (m: MavLinkData): MavLinkData[] => {
    if (!(m instanceof common.LogRequestData)) return [];
    const out: MavLinkData[] = [];
    const end = Math.min(LOG.length, m.ofs + m.count);
    for (let ofs = m.ofs; ofs <= end; ofs += 90) {
      const c = Math.max(0, Math.min(90, end - ofs));
      if (c === 0 && end < LOG.length) break;
      const data = Array.from({ length: 90 }, (_, i) => (i < c ? LOG[ofs + i]! : 0));
      if (!lose(ofs, ++n)) out.push(make(common.LogData, { id: 3, ofs, count: c, data }));
      if (c < 90) break;
    }
    return out;
  };
}

describe('log download machine', () => {
  it.each([
    ['clean', () => false],
    ['every 9th block lost', (_o: number, n: number) => n % 9 === 0],
    ['the short last block lost once', (o: number, n: number) => o === 100_080 && n < 1200],
    ['30 % lost', (_o: number, n: number) => (n * 2654435761) % 100 < 30],
  ])('%s → the whole log', (_name, lose) => {
    const { result } = run(logDownloadMachine, createLogDownload(T, { id: 3, size: LOG.length }), dataVehicle(lose));
    const r = result as LogDownloadResult;
    expect(r.ok).toBe(true);
    expect(Buffer.from(r.data).equals(Buffer.from(LOG))).toBe(true);
  });

  it('resumes from an offset and ends with LOG_REQUEST_END', () => {
    const { result, sent } = run(logDownloadMachine, createLogDownload(T, { id: 3, size: LOG.length, fromOffset: 60_000 }), dataVehicle(() => false));
    const r = result as LogDownloadResult;
    expect(Buffer.from(r.data).equals(Buffer.from(LOG.subarray(60_000)))).toBe(true);
    expect((sent[0] as common.LogRequestData).ofs).toBe(60_000);
    expect(sent.at(-1)).toBeInstanceOf(common.LogRequestEnd);
  });

  it('a dead link → timeout with the contiguous bytes', () => {
    const { result } = run(logDownloadMachine, createLogDownload(T, { id: 3, size: LOG.length }, { retries: 2 }), dataVehicle((o) => o >= 45_000));
    const r = result as LogDownloadResult;
    expect(r).toMatchObject({ ok: false, failure: 'timeout' });
    expect(r.data.length).toBe(45_000);
  });
});

describe('log list machine', () => {
  const entry = (id: number): MavLinkData => make(common.LogEntry, { id, numLogs: 4, lastLogNum: 4, timeUtc: 1000 + id, size: id * 1000 });
  it('collects every entry, re-asking for a lost one by id', () => {
    let first = true;
    const { result, sent } = run(logListMachine, createLogList(T), (m) => {
      if (!(m instanceof common.LogRequestList)) return [];
      if (m.start === 0) return [1, 2, 4].map(entry);
      return first ? ((first = false), [entry(m.start)]) : [];
    });
    const r = result as LogListResult;
    expect(r.ok && r.entries.map((e) => e.id)).toEqual([1, 2, 3, 4]);
    expect(sent.map((m) => (m as common.LogRequestList).start)).toEqual([0, 3]);
  });

  it('no logs → an empty list', () => {
    const { result } = run(logListMachine, createLogList(T), () => [make(common.LogEntry, { id: 0, numLogs: 0, lastLogNum: 0, timeUtc: 0, size: 0 })]);
    expect(result).toMatchObject({ ok: true, entries: [] });
  });
});
