import type { StoredTokenState } from '../data/tables.ts';

export interface AadstsMeaning {
  /** The partner's token state after Entra answered this. */
  readonly state: StoredTokenState;
  readonly explanation: string;
  readonly remediation: string;
}

export const reconsent = 'A partner admin runs `lanyard csp partner consent <partner>` again, opens the URL and signs in with MFA.';

/**
 * What Entra's refusals of a partner's code or refresh token mean and what the operator does about
 * them: the one table `partner refresh`, `partner status`, the consent callback and the renewal job use.
 */
export const aadstsMeanings: Readonly<Record<string, AadstsMeaning>> = {
  AADSTS700082: { state: 'expired', explanation: 'The refresh token expired: it was not used for 90 days.', remediation: reconsent },
  AADSTS70008: { state: 'expired', explanation: 'The authorization code or refresh token expired (a code lasts 10 minutes; a refresh token lapses when unused).', remediation: reconsent },
  AADSTS70043: { state: 'expired', explanation: 'The refresh token expired under a Conditional Access sign-in frequency policy.', remediation: `${reconsent} Or relax the sign-in frequency policy for this app.` },
  AADSTS50173: { state: 'revoked', explanation: "The grant was revoked: the consenting admin's password was reset or their sessions were revoked.", remediation: reconsent },
  AADSTS70000: { state: 'revoked', explanation: 'The refresh token was already used or belongs to another app.', remediation: reconsent },
  AADSTS65001: { state: 'no-consent', explanation: 'The app is not consented for Partner Center in the partner tenant (the consent was withdrawn or never given).', remediation: reconsent },
  AADSTS50076: { state: 'mfa-missing', explanation: 'A Conditional Access policy requires multi-factor authentication, and the token was obtained without it.', remediation: reconsent },
  AADSTS7000215: { state: 'failed', explanation: 'The client secret is wrong or expired.', remediation: 'Create a new client secret in the app registration, then register the partner again with it.' },
  AADSTS700016: { state: 'failed', explanation: 'No app with this client id exists in the partner tenant.', remediation: 'Check the --client-id and --tenant-id the partner was added with.' },
  AADSTS7000229: { state: 'failed', explanation: 'The app has no service principal in the partner tenant.', remediation: 'A partner admin grants admin consent to the app in the partner tenant, then consents again.' },
  AADSTS53003: { state: 'failed', explanation: 'Conditional Access blocked the token for the consenting admin.', remediation: 'Exclude this app or admin from the blocking Conditional Access policy (keeping MFA), then refresh again.' },
  AADSTS50020: { state: 'failed', explanation: 'The consenting account is not a member of the partner tenant.', remediation: `Consent with a member account of the partner tenant. ${reconsent}` },
  AADSTS50177: { state: 'failed', explanation: 'The consenting account is an external (guest) account, which cannot act for the partner.', remediation: `Consent with a member account of the partner tenant. ${reconsent}` },
};

const unknownMeaning: AadstsMeaning = { state: 'failed', explanation: 'Entra refused the token request.', remediation: 'Read the message from Entra; if the token cannot be refreshed, consent again.' };

/** The first AADSTS code in Entra's error text and its meaning (a generic one for codes not in the table). */
export function explainAadsts(text: string): { code: string | null } & AadstsMeaning {
  const code = /AADSTS\d+/.exec(text)?.[0] ?? null;
  return { code, ...((code && aadstsMeanings[code]) || unknownMeaning) };
}
