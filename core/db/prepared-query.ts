import type { Compilable, CompiledQuery } from 'kysely';
import type { Db } from './database.ts';
import { registerNamedStatement } from './named-statements.ts';

/** Stands for a value supplied when the query runs. */
class Parameter {
  constructor(readonly name: string) {}
}

/** `param(name)` inside a prepared query's builder: the value of `name`, supplied at each run. */
export type QueryParameter<Params> = <Name extends keyof Params & string>(name: Name) => Params[Name];

interface Prepared {
  readonly compiled: CompiledQuery;
  /** For each SQL parameter, the name of the value to put there, or a constant baked into the query. */
  readonly slots: ReadonlyArray<{ readonly name: string } | { readonly constant: unknown }>;
}

/**
 * A query built and compiled once per database, then run with new values. Kysely builds an
 * operation tree, passes it through its plugins (CamelCase) and compiles it to SQL on every call;
 * for the small indexed queries on the token path that costs more than the database's own work.
 * `build` marks run-time values with `param(name)`; the SQL and its shape never change between runs,
 * so a prepared query must not branch on those values. On PostgreSQL the statement is also prepared
 * on the server, once per connection (db/named-statements.ts).
 *
 * @example
 *   const findByName = preparedQuery((db, param: QueryParameter<{ name: string }>) =>
 *     db.selectFrom('domains').selectAll().where('name', '=', param('name')));
 *   const [domain] = await findByName(db, { name: 'contoso.com' });
 */
export function preparedQuery<Params extends Record<string, unknown>, Row>(
  build: (db: Db, param: QueryParameter<Params>) => Compilable<Row>,
): (db: Db, params: Params) => Promise<Row[]> {
  const preparedFor = new WeakMap<Db, Prepared>();
  const prepare = (db: Db): Prepared => {
    const compiled = build(db, ((name: string) => new Parameter(name)) as QueryParameter<Params>).compile();
    const slots = compiled.parameters.map((value) => (value instanceof Parameter ? { name: value.name } : { constant: value }));
    registerNamedStatement(compiled.sql);
    return { compiled, slots };
  };
  return async (db, params) => {
    let prepared = preparedFor.get(db);
    if (!prepared) preparedFor.set(db, (prepared = prepare(db)));
    const parameters = prepared.slots.map((slot) => ('name' in slot ? params[slot.name] : slot.constant));
    const result = await db.executeQuery<Row>({ ...prepared.compiled, parameters } as CompiledQuery<Row>);
    return result.rows;
  };
}
