import type { Router } from '@koa/router';
import type { EmulatorContext } from '../context.ts';
import { BodyError, readFormBody } from '../http/body.ts';
import { AadstsError } from './aadsts.ts';
import { redirectToFederatedIdp } from './federated-redirect.ts';
import { signedInPage } from './pages.ts';
import { showError } from './sign-in.ts';
import { validateLoginSrfPost, type ValidatedSignIn } from './token-validation.ts';

/**
 * `POST /login.srf`: where federated IdPs post WS-Fed RSTRs and SAML Responses. On success the sign-in is
 * recorded (see `/_emulator/sign-ins`) and a page shows who signed in; every failure is a 400 page with
 * the AADSTS code in `#aadsts`.
 */
export function registerLoginSrfRoutes(router: Router, context: EmulatorContext): void {
  router.post('/login.srf', async (ctx) => {
    let form: Map<string, string>;
    try {
      form = await readFormBody(ctx);
    } catch (error) {
      if (!(error instanceof BodyError)) throw error;
      showError(ctx, new AadstsError(900144, 'invalid_request', error.message));
      return;
    }
    let signIn: ValidatedSignIn;
    try {
      signIn = validateLoginSrfPost(context, form);
    } catch (error) {
      if (!(error instanceof AadstsError)) throw error;
      showError(ctx, error);
      return;
    }
    const outcome = applyMfaBehavior(signIn);
    if (outcome === 'bounce') {
      context.loginRequests.redeem(signIn.loginRequest);
      redirectToFederatedIdp(ctx, context, {
        tenant: signIn.tenant,
        domain: signIn.domain,
        userPrincipalName: signIn.loginRequest.userPrincipalName || signIn.user.userPrincipalName,
        mfaRequested: true,
      });
      return;
    }
    if (outcome === 'mfa-missing') {
      showError(ctx, new AadstsError(50074, 'invalid_request', 'Strong authentication is required: the federated IdP did not perform MFA when asked.'));
      return;
    }
    context.loginRequests.redeem(signIn.loginRequest);
    const record = context.state.recordSignIn({
      tenantId: signIn.tenant.id,
      userId: signIn.user.id,
      userPrincipalName: signIn.user.userPrincipalName,
      domain: signIn.domain.id,
      protocol: signIn.protocol,
      issuer: signIn.issuer,
      mfaSatisfiedByFederatedIdp: outcome === 'mfa-satisfied',
    });
    ctx.type = 'html';
    ctx.body = signedInPage({ ...record, objectId: record.userId, protocol: record.protocol });
  });

  // WS-Fed sign-out cleanup, which IdPs load in a hidden frame.
  router.get('/login.srf', (ctx) => {
    if (ctx.query.wa !== 'wsignoutcleanup1.0') {
      showError(ctx, new AadstsError(90081, 'invalid_request', "The request is missing a supported 'wa' parameter."));
      return;
    }
    ctx.type = 'html';
    ctx.body = '<!doctype html><title>Signed out</title><p id="signed-out">Signed out.</p>';
  });
}

/**
 * `federatedIdpMfaBehavior` (null behaves as acceptIfMfaDoneByFederatedIdp): accept takes the claim when
 * present; reject never takes it (Entra would run its own MFA, not emulated); enforce sends the user back
 * to the IdP once with `multipleauthn` requested, and refuses a second answer without it (AADSTS50074,
 * the emulator's choice; Microsoft does not document the loop case).
 */
function applyMfaBehavior(signIn: ValidatedSignIn): 'mfa-satisfied' | 'mfa-not-satisfied' | 'bounce' | 'mfa-missing' {
  const behavior = signIn.domain.federationConfiguration?.federatedIdpMfaBehavior ?? 'acceptIfMfaDoneByFederatedIdp';
  if (behavior === 'rejectMfaByFederatedIdp') return 'mfa-not-satisfied';
  if (signIn.mfaPerformed) return 'mfa-satisfied';
  if (behavior === 'acceptIfMfaDoneByFederatedIdp') return 'mfa-not-satisfied';
  return signIn.loginRequest.mfaRequested ? 'mfa-missing' : 'bounce';
}
