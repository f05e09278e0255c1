import { describe, expect, it } from 'vitest';
import { Disposables, type DisposeFailure } from './disposables.js';

describe('Disposables', () => {
  it('runs disposers last-in first-out, awaiting each before the next', async () => {
    const order: string[] = [];
    const d = new Disposables();
    d.add('a', () => void order.push('a'));
    d.add('b', async () => {
      await Promise.resolve();
      order.push('b');
    });
    d.add('c', () => void order.push('c'));
    expect(await d.dispose()).toEqual([]);
    expect(order).toEqual(['c', 'b', 'a']);
  });

  it('runs every disposer when some throw or reject, and reports each failure', async () => {
    const order: string[] = [];
    const reported: DisposeFailure[] = [];
    const d = new Disposables((f) => reported.push(f));
    d.add('first', () => void order.push('first'));
    d.add('sync-throw', () => {
      order.push('sync-throw');
      throw new Error('boom');
    });
    d.add('reject', async () => {
      order.push('reject');
      throw new Error('later');
    });
    d.add('last', () => void order.push('last'));
    const failures = await d.dispose();
    expect(order).toEqual(['last', 'reject', 'sync-throw', 'first']);
    expect(failures.map((f) => [f.name, (f.error as Error).message])).toEqual([
      ['reject', 'later'],
      ['sync-throw', 'boom'],
    ]);
    expect(reported).toEqual(failures);
  });

  it('keeps unwinding when the reporter itself throws', async () => {
    const order: string[] = [];
    const d = new Disposables(() => {
      throw new Error('reporter');
    });
    d.add('a', () => void order.push('a'));
    d.add('b', () => {
      throw new Error('b');
    });
    expect((await d.dispose()).map((f) => f.name)).toEqual(['b']);
    expect(order).toEqual(['a']);
  });

  it('is idempotent: a second dispose runs nothing again and gives the same failures', async () => {
    let runs = 0;
    const d = new Disposables();
    d.add('x', () => {
      runs++;
      throw new Error('x');
    });
    const [one, two] = await Promise.all([d.dispose(), d.dispose()]);
    const three = await d.dispose();
    expect(runs).toBe(1);
    expect(one).toBe(two);
    expect(three).toBe(one);
    expect(d.disposed).toBe(true);
  });

  it('runs a disposer added after dispose began at once', async () => {
    const order: string[] = [];
    const reported: string[] = [];
    const d = new Disposables((f) => reported.push(f.name));
    d.add('a', () => void order.push('a'));
    await d.dispose();
    d.add('late', () => void order.push('late'));
    d.add('late-bad', () => {
      throw new Error('no');
    });
    await new Promise((r) => setImmediate(r));
    expect(order).toEqual(['a', 'late']);
    expect(reported).toEqual(['late-bad']);
  });
});
