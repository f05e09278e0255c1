/** What the CLI commands print to, so tests can capture it. */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  print(text: string, code: number): number;
  fail(reason: string, code: number): number;
}

export function processIo(): CliIo {
  return {
    out: (l) => console.log(l),
    err: (l) => console.error(l),
    print: (t, code) => (console.log(t), code),
    fail: (r, code) => (console.error(r), code),
  };
}

export function bufferIo(): CliIo & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return {
    lines,
    errors,
    out: (l) => lines.push(l),
    err: (l) => errors.push(l),
    print: (t, code) => (lines.push(t), code),
    fail: (r, code) => (errors.push(r), code),
  };
}

/** Resolves with the name of the first SIGINT/SIGTERM. */
export function waitForSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (s: NodeJS.Signals) => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      resolve(s);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}
