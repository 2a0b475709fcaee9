/**
 * Structured JSON logs, one object per line on stdout (stderr for warn/error), so a log collector
 * needs no parsing rules. Child loggers add fixed fields (request id, component).
 *
 * @example
 *   const log = createLogger('info').child({ component: 'wsfed' });
 *   log.info('token issued', { upn });
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

const rank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export function createLogger(level: LogLevel, base: Record<string, unknown> = {}): Logger {
  const write = (messageLevel: Exclude<LogLevel, 'silent'>, message: string, fields?: Record<string, unknown>) => {
    if (rank[messageLevel] < rank[level]) return;
    const line = JSON.stringify({ time: new Date().toISOString(), level: messageLevel, message, ...base, ...fields }, errorReplacer);
    (rank[messageLevel] >= rank.warn ? process.stderr : process.stdout).write(`${line}\n`);
  };
  return {
    debug: (message, fields) => write('debug', message, fields),
    info: (message, fields) => write('info', message, fields),
    warn: (message, fields) => write('warn', message, fields),
    error: (message, fields) => write('error', message, fields),
    child: (fields) => createLogger(level, { ...base, ...fields }),
  };
}

function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) {
    return { name: value.name, message: value.message, code: (value as { code?: unknown }).code, stack: value.stack };
  }
  return value;
}
