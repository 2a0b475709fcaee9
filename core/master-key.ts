import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { LanyardError } from './errors.ts';
import type { Logger } from './logger.ts';
import type { Config } from './config.ts';

/**
 * The master key that encrypts secrets at rest. From LANYARD_MASTER_KEY (base64 of 32 bytes) when
 * set; otherwise read from, or generated into, `<data dir>/master.key` (mode 0600) with a warning,
 * so `npm start` works with no set-up. Multi-node deployments must set the variable on every node.
 */
export function loadMasterKey(config: Config, logger: Logger): Buffer {
  if (config.masterKey) return decode(config.masterKey, 'LANYARD_MASTER_KEY');
  const file = path.join(config.dataDir, 'master.key');
  if (existsSync(file)) return decode(readFileSync(file, 'utf8').trim(), file);
  mkdirSync(config.dataDir, { recursive: true });
  const key = randomBytes(32);
  writeFileSync(file, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  logger.warn('LANYARD_MASTER_KEY is not set: generated a master key into the data dir; back it up, and set LANYARD_MASTER_KEY on every node in multi-node mode', { file });
  return key;
}

function decode(value: string, source: string): Buffer {
  const key = Buffer.from(value, 'base64');
  if (key.length !== 32) throw new LanyardError('CONFIG_INVALID', `${source}: master key must be base64 of exactly 32 bytes`);
  return key;
}
