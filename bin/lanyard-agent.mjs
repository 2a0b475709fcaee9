#!/usr/bin/env node
// Entry point of the `lanyard-agent` command (the on-premises directory agent). Like `lanyard`, it
// runs the TypeScript sources through tsx's loader, so there is no build step.
import { register } from 'tsx/esm/api';

register();
await import('../agent/cli.ts');
