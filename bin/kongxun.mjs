#!/usr/bin/env node
// The `kongxun` command. Runs the TypeScript sources directly through tsx's loader, so a clone needs no
// build step for the CLI; the desktop app and the web console are bundled by scripts/build.mjs.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../station/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
