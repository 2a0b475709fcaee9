import type { Context } from 'koa';
import { recordAuditEvent } from '../../core/db/audit-events.ts';
import { LanyardError } from '../../core/errors.ts';
import { clientAddress } from '../../core/http/client-address.ts';
import { assertSecondFactorAllowed, clearSecondFactorFailures, recordSecondFactorFailure } from '../../idp/login/throttle.ts';
import { isSecondFactorRefusal, verifyTotpCode } from '../../idp/mfa/totp.ts';
import { recordPortalReauth } from '../data/portal-sessions.ts';
import { dangerousActions, type Action } from '../policy.ts';
import type { PortalDeps } from './deps.ts';
import type { AdminRequest } from './portal-session.ts';

/** Whether this session proved a TOTP code recently enough for a dangerous action. */
export function hasFreshSecondFactor(deps: PortalDeps, request: AdminRequest): boolean {
  const age = deps.clock.now().getTime() - Date.parse(request.session.reauthAt);
  return age <= deps.context.config.portal.reauthMinutes * 60_000;
}

/**
 * Re-authentication for dangerous actions (policy.ts lists them): passes for any other action, or when the session's last TOTP code is recent,
 * otherwise needs a code in the form (`code`), checked by the IdP's own TOTP check (replay-proof)
 * under the same second-factor throttle as the sign-in pages. ADMIN_REAUTH_REQUIRED without one.
 */
export async function requireFreshSecondFactor(ctx: Context, deps: PortalDeps, request: AdminRequest, action: Action, code: string | undefined): Promise<void> {
  if (!dangerousActions.has(action) || hasFreshSecondFactor(deps, request)) return;
  const { db, config, secretBox } = deps.context;
  if (!code) {
    throw new LanyardError('ADMIN_REAUTH_REQUIRED', `This action needs a fresh code from your authenticator app (the last one is older than ${config.portal.reauthMinutes} minutes).`);
  }
  const now = deps.clock.now();
  const address = clientAddress(ctx, config);
  const attempt = { clientAddress: address, userId: request.user.id };
  await assertSecondFactorAllowed(db, config.throttle, attempt, now);
  try {
    await verifyTotpCode(db, secretBox, request.user.id, code, now);
  } catch (error) {
    if (isSecondFactorRefusal(error)) {
      await recordSecondFactorFailure(db, config.throttle, attempt, now);
      await recordAuditEvent(db, { actor: request.admin.actor, action: 'portal.reauth', target: request.user.upn, outcome: 'failure', reason: error.code, clientAddress: address }, now);
    }
    throw error;
  }
  await clearSecondFactorFailures(db, request.user.id);
  await recordPortalReauth(db, request.session.id, now);
  await recordAuditEvent(db, { actor: request.admin.actor, action: 'portal.reauth', target: request.user.upn, outcome: 'success', clientAddress: address }, now);
}
