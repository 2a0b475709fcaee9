import { generateSigningKey } from '../idp/keys/signing-key.ts';
import { signingMaterialFromDer, type SigningMaterial } from '../idp/keys/signing-material.ts';
import { buildSamlResponse } from '../idp/tokens/saml2-response.ts';
import { buildWsFedResult } from '../idp/tokens/wsfed-token.ts';
import { rate, rsaSignaturesPerSecond as measureRsa } from './measure.ts';

export interface TokenBenchResult {
  /** Raw RSA-2048 PKCS#1 v1.5 SHA-256 signatures per second over a SignedInfo-sized input. */
  readonly rsaSignaturesPerSecond: number;
  readonly wsFedTokensPerSecond: number;
  readonly samlResponsesPerSecond: number;
  /** tokens/s ÷ signatures/s: 1.0 means a token costs exactly one signature. Target ≥ 0.5. */
  readonly wsFedRatio: number;
  readonly samlRatio: number;
}

/**
 * Measures signed-token throughput against the raw RSA signature it cannot avoid, in the same
 * process and run, and prints the ratios (the token builders emit canonical XML directly, so a
 * token should cost little more than its one signature).
 *
 * @example
 *   const result = await benchTokens({ durationMilliseconds: 2000 });
 *   // result.wsFedRatio ≈ 0.9
 */
export async function benchTokens(options: { durationMilliseconds?: number; print?: boolean } = {}): Promise<TokenBenchResult> {
  const durationMilliseconds = options.durationMilliseconds ?? 2000;
  const generated = await generateSigningKey();
  const key: SigningMaterial = signingMaterialFromDer(generated.privateKeyPkcs8Der, generated.certificateDer);
  const input = {
    issuer: 'https://idp.example.com/federation/contoso.com',
    immutableId: 'JLX2E74/mk2m9Jf30wGM3Q==',
    upn: 'alice@contoso.com',
    authnInstant: new Date(),
    mfa: true,
    now: new Date(),
    lifetimeMinutes: 60,
  };
  const rsaSignaturesPerSecond = measureRsa(key.privateKey, durationMilliseconds);
  const wsFedTokensPerSecond = rate(durationMilliseconds, () => buildWsFedResult(input, key));
  const samlResponsesPerSecond = rate(durationMilliseconds, () => buildSamlResponse({
    ...input, destination: 'https://login.microsoftonline.com/login.srf', inResponseTo: '_request', sessionIndex: 'session',
  }, key));
  const result = {
    rsaSignaturesPerSecond,
    wsFedTokensPerSecond,
    samlResponsesPerSecond,
    wsFedRatio: wsFedTokensPerSecond / rsaSignaturesPerSecond,
    samlRatio: samlResponsesPerSecond / rsaSignaturesPerSecond,
  };
  if (options.print ?? true) {
    console.log(`RSA-2048 sign: ${rsaSignaturesPerSecond.toFixed(0)}/s`);
    console.log(`WS-Fed result: ${wsFedTokensPerSecond.toFixed(0)}/s, ratio ${result.wsFedRatio.toFixed(3)}`);
    console.log(`SAML Response: ${samlResponsesPerSecond.toFixed(0)}/s, ratio ${result.samlRatio.toFixed(3)}`);
  }
  return result;
}
