/**
 * The desktop app's own origin, `kongxun://app`: a privileged custom scheme (standard, secure) whose requests
 * the main process answers in-process (station/server/fetch-adapter.ts), so the app's windows need no TCP port.
 *
 * Node's URL gives every non-special scheme the origin "null", so origins are never compared here with
 * `URL.origin` (it would make `evil://x` and `kongxun://app` equal): the scheme and host are compared instead,
 * and a URL with credentials or a port is not the app's.
 */
export const APP_SCHEME = 'kongxun';
export const APP_HOST = 'app';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

/** What registerSchemesAsPrivileged is given: a standard scheme (relative URLs, cookies, storage), secure
 * (a secure context: WebCodecs, workers), fetch() allowed; no CORS from other origins, no service workers. */
export const APP_PRIVILEGES = { standard: true, secure: true, supportFetchAPI: true, codeCache: true } as const;

function parse(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

/** A URL of the app's own origin, exactly: `kongxun://app/…`, no credentials, no port. */
export function isAppUrl(url: string): boolean {
  const u = parse(url);
  return u !== undefined && u.protocol === `${APP_SCHEME}:` && u.hostname.toLowerCase() === APP_HOST && u.port === '' && u.username === '' && u.password === '';
}

/** A page of the app with its view: `kongxun://app/?view=desk`. */
export function appPage(view: string): string {
  return `${APP_ORIGIN}/?view=${encodeURIComponent(view)}`;
}

/** The one kind of window a page may open: `kongxun://app/?view=video&drone=ID`, nothing more in the URL. */
export function videoWindowDrone(url: string): string | undefined {
  if (!isAppUrl(url)) return undefined;
  const u = new URL(url);
  if (u.pathname !== '/' || u.hash !== '') return undefined;
  const keys = [...u.searchParams.keys()].sort();
  if (keys.length !== 2 || keys[0] !== 'drone' || keys[1] !== 'view' || u.searchParams.get('view') !== 'video') return undefined;
  const drone = u.searchParams.get('drone')!;
  return drone.length > 0 && drone.length <= 64 && !/[\u0000-\u001f\u007f]/.test(drone) ? drone : undefined;
}

/** Whether the desktop app should open the console's TCP port for consoles in browsers (`--lan`, KONGXUN_LAN=1). */
export function lanWanted(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): boolean {
  return argv.includes('--lan') || env.KONGXUN_LAN === '1';
}
