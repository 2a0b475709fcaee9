import { LanyardError } from '../../core/errors.ts';
import type { SecretBox } from '../../core/secret-box.ts';
import type { SignInResponder } from './responders.ts';

/** What the sign-in proved, handed to the admin portal (sealed: only this Lanyard can read it). */
export interface PortalTicket {
  readonly upn: string;
  /** When the password was typed and when the ticket was made (the TOTP step is just before). */
  readonly passwordAt: string;
  readonly issuedAt: string;
  readonly mfa: boolean;
  /** The sign-in request this came from: the portal makes one session per sign-in, so a ticket works once. */
  readonly signInRef: string;
  /** Hash of the portal's state cookie of the browser that started the sign-in (login CSRF). */
  readonly stateHash: string;
}

const ticketContext = 'portal-ticket v1';

/** Where the portal receives the ticket (a same-origin form post). */
export const portalTicketPath = '/admin/signin/complete';

/**
 * The portal's "token": after the same password and TOTP steps as every other sign-in, the browser
 * carries a sealed ticket to the portal, which opens its own session from it. The request always
 * forces both factors (forcePassword, forceMfa), so an SSO session never stands in for them.
 */
export const portalResponder: SignInResponder<'portal'> = {
  protocol: 'portal',
  async respond(deps, signIn, request) {
    const ticket: PortalTicket = {
      upn: signIn.upn,
      passwordAt: signIn.authnInstant.toISOString(),
      issuedAt: signIn.now.toISOString(),
      mfa: signIn.mfa,
      signInRef: signIn.sessionIndex,
      stateHash: request.stateHash,
    };
    return { action: `${deps.config.publicUrl}${portalTicketPath}`, fields: { ticket: deps.secretBox.seal(JSON.stringify(ticket), ticketContext) } };
  },
};

/** Opens a ticket sealed by `portalResponder`; PORTAL_SIGNIN_INVALID when it is not one. */
export function openPortalTicket(secretBox: SecretBox, sealed: string): PortalTicket {
  try {
    return JSON.parse(secretBox.open(sealed, ticketContext).toString('utf8')) as PortalTicket;
  } catch {
    throw new LanyardError('PORTAL_SIGNIN_INVALID', 'This sign-in could not be completed. Sign in to the portal again.');
  }
}
