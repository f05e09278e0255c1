/**
 * The last-resort handler of a long-running station process (`kongxun serve`, `kongxun patrol`, the desktop
 * app): an exception nobody caught, or a promise rejected with no handler, is reported with what failed and the
 * process goes on — the drones in the air still need their ground station, which must not die of one bad
 * request. Every known input is checked where it enters (a 400, an error value); this only catches what slipped
 * through, and says so loudly so it gets fixed.
 */
export function installLastResort(log: (line: string) => void): () => void {
  const describe = (e: unknown) => (e instanceof Error ? (e.stack ?? `${e.name}: ${e.message}`) : String(e));
  const onException = (e: unknown, origin: string) => log(`kongxun: INTERNAL ERROR (${origin}), the station keeps running: ${describe(e)}`);
  const onRejection = (e: unknown) => log(`kongxun: INTERNAL ERROR (unhandled rejection), the station keeps running: ${describe(e)}`);
  process.on('uncaughtException', onException);
  process.on('unhandledRejection', onRejection);
  return () => {
    process.off('uncaughtException', onException);
    process.off('unhandledRejection', onRejection);
  };
}
