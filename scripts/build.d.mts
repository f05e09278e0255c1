/** Types of scripts/build.mjs, for the TypeScript callers (tests, station/cli/static-dir.ts). */
export const rendererOut: string;
export function rendererIsStale(): boolean;
export function buildRenderer(): Promise<void>;
export function buildElectron(): Promise<void>;
