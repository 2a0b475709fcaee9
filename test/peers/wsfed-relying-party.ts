import { createRequire } from 'node:module';

/**
 * Auth0's passport-wsfed-saml2 (a WS-Fed relying-party library Lanyard did not write), driven the
 * way its Strategy does: take RequestedSecurityToken out of `wresult`, then `validateSamlAssertion`
 * (signature with xml-crypto 2.x against the pinned certificate or thumbprint, expiry, audience).
 * It resolves to the claims profile, or rejects with the library's error.
 */
export interface WsFedRelyingPartyOptions {
  readonly realm: string;
  /** Base64 DER certificate to pin, or ... */
  readonly certificateBase64?: string;
  /** ... SHA-1 thumbprints (hex) of the signing certificate, as AD FS-era relying parties pin them. */
  readonly thumbprints?: readonly string[];
}

type Profile = Record<string, unknown>;

const require = createRequire(import.meta.url);
const { SAML } = require('passport-wsfed-saml2/lib/passport-wsfed-saml2/saml.js') as {
  SAML: new (options: Record<string, unknown>) => {
    validateSamlAssertion(token: unknown, callback: (error: Error | null, profile?: Profile) => void): void;
  };
};
const WsFederation = require('passport-wsfed-saml2/lib/passport-wsfed-saml2/wsfederation.js') as new (realm: string, homerealm: string, url: string) => {
  retrieveToken(request: { body: { wresult: string } }, callback: (error: Error | null, token?: unknown) => void): void;
};

export function validateWsFedResult(wresult: string, options: WsFedRelyingPartyOptions): Promise<Profile> {
  const saml = new SAML({
    realm: options.realm,
    cert: options.certificateBase64,
    thumbprints: options.thumbprints ? [...options.thumbprints] : undefined,
  });
  const wsfed = new WsFederation(options.realm, '', 'https://idp.invalid/wsfed');
  return new Promise((resolve, reject) => {
    wsfed.retrieveToken({ body: { wresult } }, (retrieveError, token) => {
      if (retrieveError) return reject(retrieveError);
      saml.validateSamlAssertion(token, (error, profile) => (error ? reject(error) : resolve(profile ?? {})));
    });
  });
}
