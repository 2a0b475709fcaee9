#!/usr/bin/env node
// Entry point of the `lanyard` command: plain Node on the compiled product in dist/ (built by
// `npm install`'s prepare script, `npm start` and `npm test`; `npm run build` by hand).
import { existsSync } from 'node:fs';

const entry = new URL('../dist/server/cli.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('error: Lanyard is not built yet: run `npm run build` (npm install does it) (NOT_BUILT)\n');
  process.exit(1);
}
await import(entry.href);
