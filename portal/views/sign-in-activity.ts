import type { Db } from '../../core/db/database.ts';
import type { Organization, User } from '../../core/db/schema.ts';
import { queryAudit } from './audit.ts';

export const signInActivityPageSize = 20;

/** One step of a person's sign-in, from the audit log. */
export interface SignInActivity {
  readonly occurredAt: string;
  /** 'password', 'totp', 'totp-enrol', 'token' (a token went to the relying party) or 'portal' (an admin session began). */
  readonly step: string;
  readonly outcome: 'success' | 'failure';
  /** Where the sign-in led: Microsoft 365 by WS-Fed or SAML, or the admin portal; null when the step does not say. */
  readonly relyingParty: string | null;
  readonly clientAddress: string | null;
  readonly reason: string | null;
}

const relyingParties: Record<string, string> = { wsfed: 'Microsoft 365 (WS-Fed)', saml: 'Microsoft 365 (SAML 2.0)', portal: 'Lanyard admin portal' };

/**
 * The person's recent sign-in steps, newest first, paged like the audit log (`before` is its
 * cursor). The same audit query the audit page runs, for this one account's sign-in actions
 * (signin.password, signin.totp, signin.totp-enrol, signin.token and portal.signin).
 */
export async function signInActivityOf(db: Db, organization: Organization, user: User, before?: string): Promise<{ activity: SignInActivity[]; next: string | null }> {
  const { events, next } = await queryAudit(db, { kind: 'organization', organization }, { user: user.upn, action: 'signin', before }, signInActivityPageSize);
  const activity = events
    .filter((event) => event.actor === `user:${user.upn}`)
    .map((event) => {
      const details = event.details ? (JSON.parse(event.details) as { protocol?: string }) : {};
      const step = event.action === 'portal.signin' ? 'portal' : event.action.replace(/^signin\./, '');
      return {
        occurredAt: event.occurredAt,
        step,
        outcome: event.outcome,
        relyingParty: step === 'portal' ? relyingParties.portal! : (details.protocol && relyingParties[details.protocol]) || null,
        clientAddress: event.clientAddress,
        reason: event.reason,
      };
    });
  return { activity, next };
}
