/** Where the station keeps its data when `--data` is not given: the user's data folder, per platform. */
import { homedir } from 'node:os';
import { join } from 'node:path';

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.KONGXUN_DATA) return env.KONGXUN_DATA;
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'Kongxun');
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'Kongxun');
  return join(env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'kongxun');
}
