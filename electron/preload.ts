/**
 * Generic, allow-listed preload: exposes only the app version and platform to the sandboxed page. The page
 * talks to the in-process station over its local WebSocket, exactly as the web console does.
 */
import { contextBridge } from 'electron';

contextBridge.exposeInMainWorld('kongxun', {
  desktop: true,
  platform: process.platform,
  versions: { electron: process.versions.electron, chrome: process.versions.chrome },
});
