import Router from '@koa/router';

/**
 * Every router of the app: case-sensitive and strict (no optional trailing slash). @koa/router
 * matches a prefixed router's `use` middleware (the auth guards) case-sensitively but its routes
 * case-insensitively by default, so `/API/v1/users` used to reach a handler without passing the
 * guard. With one spelling per route, a guard and the routes it guards agree on every path; other
 * spellings are simply not found.
 *
 * @example
 *   const router = createRouter({ prefix: '/api/v1' });
 *   router.use(requireApiToken);   // runs for every path a route of this router answers
 */
export function createRouter(options: { readonly prefix?: string } = {}): Router {
  return new Router({ ...options, sensitive: true, strict: true });
}
