/**
 * Who acts on a drone. Every action from any source — console, desktop window, CLI, patrol runner, a dispatch
 * request, the centre — carries a Principal; the command gateway (station/gateway/) decides from it whether the
 * action may be sent and writes it to the audit. Roles are enforced in the station, not only hidden in the UI.
 */

/** 飞手 pilot · 值班调度 dispatcher · 观看 viewer · 复核 reviewer · 管理员 admin. */
export type Role = 'pilot' | 'dispatcher' | 'viewer' | 'reviewer' | 'admin';

export const ROLES: readonly Role[] = ['pilot', 'dispatcher', 'viewer', 'reviewer', 'admin'];

export const ROLE_NAMES: Record<Role, { zh: string; en: string }> = {
  pilot: { zh: '飞手', en: 'Pilot' },
  dispatcher: { zh: '值班调度', en: 'Dispatcher' },
  viewer: { zh: '观看', en: 'Viewer' },
  reviewer: { zh: '复核', en: 'Reviewer' },
  admin: { zh: '管理员', en: 'Admin' },
};

export function isRole(x: unknown): x is Role {
  return typeof x === 'string' && (ROLES as readonly string[]).includes(x);
}

/** Where a user's request came in. */
export type Via = 'console' | 'desktop';

export type Principal =
  /** A signed-in person: their account, role, the client address (or 'desktop') and the surface. */
  | { kind: 'user'; user: string; role: Role; from: string; via: Via }
  /** The scheduled patrol runner acting on its own schedule; `for`: whose request it carries out (a dispatch). */
  | { kind: 'runner'; for?: string }
  /** The `kongxun` command line, as the operating-system user who ran it. */
  | { kind: 'cli'; osUser: string }
  /** The sub-bureau centre (acts with the dispatcher's rights). */
  | { kind: 'centre'; centre: string; from: string };

/** The name written to the audit: `alice`, `patrol-runner`, `cli:root`, `centre:fenju`. */
export function principalName(p: Principal): string {
  switch (p.kind) {
    case 'user':
      return p.user;
    case 'runner':
      return 'patrol-runner';
    case 'cli':
      return `cli:${p.osUser}`;
    case 'centre':
      return `centre:${p.centre}`;
  }
}

/** The role whose rights a principal has (the runner and the CLI on the station's own machine fly as pilots). */
export function principalRole(p: Principal): Role {
  switch (p.kind) {
    case 'user':
      return p.role;
    case 'runner':
    case 'cli':
      return 'pilot';
    case 'centre':
      return 'dispatcher';
  }
}

/** The surface an action came through, for the audit: console, desktop, cli, runner, centre. */
export function principalVia(p: Principal): string {
  return p.kind === 'user' ? p.via : p.kind;
}

/** Where it came from, for the audit: the client's address, `localhost` for the CLI, '' for the runner. */
export function principalFrom(p: Principal): string {
  switch (p.kind) {
    case 'user':
    case 'centre':
      return p.from;
    case 'cli':
      return 'localhost';
    case 'runner':
      return p.for ?? '';
  }
}
