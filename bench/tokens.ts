import { generateSigningKey } from '../idp/keys/signing-key.ts';
import { signingMaterialFromDer } from '../idp/keys/signing-material.ts';
import { buildSamlResponse } from '../idp/tokens/saml2-response.ts';
import { buildWsFedResult } from '../idp/tokens/wsfed-token.ts';
import { concurrentRate, rawRsaSignature, ratioFigure, type BenchFigure } from './measure.ts';

/**
 * Signed tokens built in process, per CPU-second, against raw RSA-2048 signatures per CPU-second
 * measured in the same run: 1.0 would mean a token costs exactly its one signature (the builders
 * emit canonical XML directly and sign once). CPU time counts every thread of this process, because
 * the signature itself runs on libuv's thread pool; wall-clock time would hide that work.
 */
export async function benchTokens(options: { durationMilliseconds?: number } = {}): Promise<BenchFigure[]> {
  const durationMilliseconds = options.durationMilliseconds ?? 2000;
  const generated = await generateSigningKey();
  const key = signingMaterialFromDer(generated.privateKeyPkcs8Der, generated.certificateDer);
  const input = {
    issuer: 'https://idp.example.com/federation/contoso.com',
    immutableId: 'JLX2E74/mk2m9Jf30wGM3Q==',
    upn: 'alice@contoso.com',
    authnInstant: new Date(),
    mfa: true,
    now: new Date(),
    lifetimeMinutes: 60,
  };
  const sequentially = { durationMilliseconds, concurrency: 1 };
  const rsa = await perCpuSecond(async () => (await concurrentRate(sequentially, async () => void rawRsaSignature(key.privateKey))).count);
  const reference = { name: 'raw RSA-2048 signatures per CPU-second', value: rsa, unit: '/s' };
  const wsFed = await perCpuSecond(async () => (await concurrentRate(sequentially, async () => void (await buildWsFedResult(input, key)))).count);
  const saml = await perCpuSecond(async () => (await concurrentRate(sequentially, async () => void (await buildSamlResponse({
    ...input, destination: 'https://login.microsoftonline.com/login.srf', inResponseTo: '_request', sessionIndex: 'session',
  }, key)))).count);
  return [
    ratioFigure('WS-Fed tokens built and signed per CPU-second (in process)', wsFed, '/s', reference, 0.5),
    ratioFigure('SAML responses built and signed per CPU-second (in process)', saml, '/s', reference, 0.5),
  ];
}

/** Runs `work`, which answers how many operations it did, and returns operations per CPU-second of this process. */
async function perCpuSecond(work: () => Promise<number>): Promise<number> {
  const before = process.cpuUsage();
  const count = await work();
  const used = process.cpuUsage(before);
  return count / ((used.user + used.system) / 1e6);
}
