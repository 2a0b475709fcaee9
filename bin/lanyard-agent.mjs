#!/usr/bin/env node
// Entry point of the `lanyard-agent` command (the on-premises directory agent): plain Node on the
// compiled agent in dist/, like `lanyard`.
import { existsSync } from 'node:fs';

const entry = new URL('../dist/agent/cli.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('error: Lanyard is not built yet: run `npm run build` (npm install does it) (NOT_BUILT)\n');
  process.exit(1);
}
await import(entry.href);
