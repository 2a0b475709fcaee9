import { createHash } from 'node:crypto';
import type pg from 'pg';

/**
 * SQL texts that PostgreSQL should parse and plan once per connection: the prepared queries
 * (db/prepared-query.ts) register theirs. A pg client sends a named statement's Parse only the first
 * time on each connection and then just binds new values, which saves the server the work of
 * parsing and planning the small statements on the token path again and again.
 */
const statementNames = new Map<string, string>();

export function registerNamedStatement(sqlText: string): void {
  if (!statementNames.has(sqlText)) statementNames.set(sqlText, `lanyard_${createHash('sha256').update(sqlText).digest('hex').slice(0, 24)}`);
}

/** Makes every client of `pool` run registered SQL texts as named (server-side prepared) statements. */
export function useNamedStatements(pool: pg.Pool): void {
  pool.on('connect', (client) => {
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    // Kysely's PostgreSQL driver calls query(text, values); everything else passes through untouched.
    client.query = ((text: unknown, values?: unknown, ...rest: unknown[]) => {
      const name = typeof text === 'string' && Array.isArray(values) ? statementNames.get(text) : undefined;
      return name ? query({ name, text, values }, ...rest) : query(text, values, ...rest);
    }) as typeof client.query;
  });
}
