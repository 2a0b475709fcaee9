import type { Middleware } from 'koa';
import { LanyardError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { renderErrorPage } from '../pages/error-page.ts';

/** Neutral page titles by status: every module's errors share them, the message says what happened. */
const titles: Record<number, string> = {
  400: 'This request cannot be used',
  401: 'Not signed in',
  403: 'Not allowed',
  404: 'Not found',
  409: 'Not possible right now',
  413: 'Request too large',
  415: 'Unsupported request',
  429: 'Too many attempts',
  503: 'Temporarily unavailable',
};

/**
 * One error handler: LanyardErrors answer with their status and stable code (an HTML page for
 * browsers, JSON for API clients); anything else is a server fault, logged with its detail and
 * answered with a generic 500 that leaks nothing.
 */
export function errorHandler(logger: Logger): Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (caught) {
      const error = caught instanceof LanyardError ? caught : undefined;
      const status = error?.status ?? 500;
      const code = error?.code ?? 'INTERNAL_ERROR';
      const message = error?.expose ? error.message : 'Something went wrong on our side. Please try again.';
      if (status >= 500) logger.error('request failed', { error: caught, path: ctx.path, requestId: ctx.state.requestId });
      ctx.status = status;
      const retryAfter = error?.details?.retryAfterSeconds;
      if (typeof retryAfter === 'number') ctx.set('Retry-After', String(retryAfter));
      if (ctx.accepts('html', 'json') === 'html' && !ctx.path.startsWith('/api/')) {
        ctx.type = 'html';
        ctx.body = renderErrorPage({ nonce: ctx.state.nonce ?? '', title: titles[status] ?? 'Something went wrong', message, code });
      } else {
        // The facts a caller may act on (the running run's id in RUN_IN_PROGRESS), unless the registry keeps them for the log.
        const details = error?.exposeDetails ? error.details : undefined;
        ctx.body = { error: { code, message, ...(details && { details }) } };
      }
    }
  };
}
