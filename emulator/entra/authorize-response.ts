import type { Context } from 'koa';
import type { ResponseMode } from '../state/pending-authorizations.ts';
import { type AadstsError, aadstsJson } from './aadsts.ts';
import { autoPostForm } from './pages.ts';

/** Where and how the authorize endpoint answers the app, once its redirect_uri is known to be registered. */
export interface ResponseTarget {
  readonly redirectUri: string;
  readonly responseMode: ResponseMode;
  readonly state: string | undefined;
}

/** An authorize error the app receives at its redirect_uri (errors before that are pages). */
export class RedirectedError extends Error {
  constructor(
    readonly error: AadstsError,
    readonly target: ResponseTarget,
  ) {
    super(error.message);
    this.name = 'RedirectedError';
  }
}

/** `query` and `fragment`: a 302 to the redirect_uri; `form_post`: an auto-submitting form, as Entra sends. */
export function respondToApp(ctx: Context, target: ResponseTarget, fields: Readonly<Record<string, string>>): void {
  const all = { ...fields, ...(target.state !== undefined ? { state: target.state } : {}) };
  if (target.responseMode === 'form_post') {
    ctx.type = 'html';
    ctx.body = autoPostForm(target.redirectUri, all);
    return;
  }
  const url = new URL(target.redirectUri);
  const encoded = new URLSearchParams(all);
  if (target.responseMode === 'fragment') url.hash = encoded.toString();
  else for (const [name, value] of encoded) url.searchParams.append(name, value);
  ctx.redirect(url.toString());
}

/** `error`, `error_description` (AADSTS text with trace and correlation ids), `error_uri`, `state`. */
export function respondWithError(ctx: Context, target: ResponseTarget, error: AadstsError, now: number): void {
  const body = aadstsJson(error, now);
  respondToApp(ctx, target, {
    error: error.oauthError,
    error_description: String(body.error_description),
    error_uri: String(body.error_uri),
  });
}
