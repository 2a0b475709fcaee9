#!/usr/bin/env node
// Entry point of the `lanyard` command. Lanyard runs its TypeScript sources through tsx's loader,
// so there is no build step between `npm install` and `npm start`.
import { register } from 'tsx/esm/api';

register();
await import('../server/cli.ts');
