/**
 * The last-resort handler of a long-running station process (`kongxun serve`, `kongxun patrol`, the desktop
 * app): an exception nobody caught, or a promise rejected with no handler, is reported with what failed and the
 * process goes on — the drones in the air still need their ground station, which must not die of one bad
 * request. Every known input is checked where it enters (a 400, an error value); this only catches what slipped
 * through, and says so loudly so it gets fixed.
 *
 * Its own output may have gone: the process that read the station's stdout and stderr (a terminal closed, a
 * parent that died, `kongxun serve | head`) leaves a broken pipe, and every write then fails with EPIPE. Left to
 * itself, that error is uncaught, reporting it writes again, which fails again: the station spun in that loop at
 * 70 % CPU and never reached its SIGTERM handler (found as orphaned test stations on a loaded CI machine). So a
 * write error on stdout or stderr is handled here: that stream is left alone from then on, said once on the
 * other if it still works, and the station goes on — and stops when told.
 *
 * The same goes for the hang-up its terminal sends when it closes (an SSH session dropped): SIGHUP would end the
 * process on the spot, drones in the air and all. It is said and the station keeps running; SIGTERM (or Ctrl+C)
 * stops it in order.
 */
export function installLastResort(
  log: (line: string) => void,
  streams: { name: string; stream: NodeJS.EventEmitter }[] = [
    { name: 'stdout', stream: process.stdout },
    { name: 'stderr', stream: process.stderr },
  ],
): () => void {
  const broken = new Set<string>();
  let reporting = false;
  const say = (line: string) => {
    // Never from inside its own report (a log that throws), never to a stream known broken (log writes to one of them).
    if (reporting || broken.size === streams.length) return;
    reporting = true;
    try {
      log(line);
    } catch {
      // The report could not be written: nothing more to do here.
    } finally {
      reporting = false;
    }
  };
  const describe = (e: unknown) => (e instanceof Error ? (e.stack ?? `${e.name}: ${e.message}`) : String(e));
  const onException = (e: unknown, origin: string) => say(`kongxun: INTERNAL ERROR (${origin}), the station keeps running: ${describe(e)}`);
  const onRejection = (e: unknown) => say(`kongxun: INTERNAL ERROR (unhandled rejection), the station keeps running: ${describe(e)}`);
  const onStream = streams.map(({ name, stream }) => {
    const on = (e: NodeJS.ErrnoException) => {
      if (broken.has(name)) return;
      broken.add(name);
      if (broken.size < streams.length) say(`kongxun: ${name} is gone (${e.code ?? e.message}): the station keeps running without it`);
    };
    stream.on('error', on);
    return () => stream.off('error', on);
  });
  const onHangup = () => say('kongxun: SIGHUP (its terminal closed?): the station keeps running, drones may be in the air; stop it with SIGTERM or Ctrl+C');
  process.on('uncaughtException', onException);
  process.on('unhandledRejection', onRejection);
  process.on('SIGHUP', onHangup);
  return () => {
    process.off('uncaughtException', onException);
    process.off('unhandledRejection', onRejection);
    process.off('SIGHUP', onHangup);
    for (const off of onStream) off();
  };
}
