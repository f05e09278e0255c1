/**
 * A stack of things to stop, for the app's composition roots (Node 20 has no AsyncDisposableStack). Each part
 * that is started registers its stop at once; `dispose` runs them last-in first-out, awaits each in turn, and
 * goes on when one throws or rejects: every disposer runs, every failure is reported (to `onError` and in the
 * returned list). A second `dispose` waits for the first and runs nothing again; a disposer added after
 * `dispose` began runs at once (a part whose start finished late is still stopped).
 */
export type Disposer = () => void | Promise<void>;

export interface DisposeFailure {
  /** The name the disposer was added under. */
  name: string;
  error: unknown;
}

export class Disposables {
  private readonly stack: { name: string; fn: Disposer }[] = [];
  private done: Promise<DisposeFailure[]> | undefined;

  constructor(private readonly onError: (f: DisposeFailure) => void = () => undefined) {}

  /** Register the stop of something just started; `name` says what it is in a failure's report. */
  add(name: string, fn: Disposer): void {
    if (this.done) {
      void this.run([{ name, fn }]);
      return;
    }
    this.stack.push({ name, fn });
  }

  /** Whether `dispose` was called. */
  get disposed(): boolean {
    return this.done !== undefined;
  }

  /** Run every disposer, last added first; resolves (never rejects) with the failures, in the order they happened. */
  dispose(): Promise<DisposeFailure[]> {
    if (!this.done) this.done = this.run(this.stack.splice(0).reverse());
    return this.done;
  }

  private async run(list: readonly { name: string; fn: Disposer }[]): Promise<DisposeFailure[]> {
    const failures: DisposeFailure[] = [];
    for (const { name, fn } of list) {
      try {
        await fn();
      } catch (error) {
        const f = { name, error };
        failures.push(f);
        try {
          this.onError(f);
        } catch {
          /* a reporter that throws must not stop the unwinding */
        }
      }
    }
    return failures;
  }
}
