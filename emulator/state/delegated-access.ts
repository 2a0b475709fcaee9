import { AuthorizationCodes } from './authorization-codes.ts';
import { Consents } from './consents.ts';
import { PartnerRelationships } from './partner-relationships.ts';
import { PendingAuthorizations } from './pending-authorizations.ts';
import { RefreshTokens } from './refresh-tokens.ts';
import { SignInPolicies } from './sign-in-policies.ts';

/**
 * Everything the delegated (user) flows remember: per-user sign-in policy, consents and service
 * principals, partner relationships, authorize requests in progress, issued authorization codes and refresh tokens. Reset clears it all.
 */
export class DelegatedAccess {
  readonly signInPolicies = new SignInPolicies();
  readonly consents = new Consents();
  readonly relationships = new PartnerRelationships();
  readonly pendingAuthorizations = new PendingAuthorizations();
  readonly authorizationCodes = new AuthorizationCodes();
  readonly refreshTokens = new RefreshTokens();

  clear(): void {
    this.signInPolicies.clear();
    this.consents.clear();
    this.relationships.clear();
    this.pendingAuthorizations.clear();
    this.authorizationCodes.clear();
    this.refreshTokens.clear();
  }
}
