import type { Context } from 'koa';
import type { Domain } from '../../core/db/schema.ts';
import { completeSignIn } from './complete.ts';
import type { IdpDeps } from './deps.ts';
import { startSignInRequest, type ProtocolRequest } from './sign-in-request.ts';
import { stepFromSession } from './steps.ts';

/**
 * Answers a sign-in request from Microsoft: straight from the browser's SSO session when it is
 * enough (one round trip, nothing stored), otherwise by recording the request and sending the
 * person to the first sign-in page.
 */
export async function beginSignIn(ctx: Context, deps: IdpDeps, domain: Domain, request: ProtocolRequest): Promise<void> {
  const fromSession = await stepFromSession(ctx, deps, request, domain);
  if (fromSession?.step.kind === 'complete') return completeSignIn(ctx, deps, domain, undefined, request, fromSession.step);
  ctx.status = 303;
  ctx.redirect(await startSignInRequest(ctx, deps, domain, request));
}
