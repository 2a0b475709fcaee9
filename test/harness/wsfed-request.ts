/** Entra's passive sign-in redirect, as captured from real tenants (reference §1.1). */
export function wsFedSignInUrl(lanyardUrl: string, domain: string, extra: Record<string, string> = {}): string {
  const query = new URLSearchParams({
    'client-request-id': '6b7d3a1c-0000-4000-8000-000000000001',
    wa: 'wsignin1.0',
    wtrealm: 'urn:federation:MicrosoftOnline',
    wctx: 'LoginOptions=3&estsredirect=2&estsrequest=rQIIAeNisNLJKCkpKLbS1y8vL9fLTEnNK8ksqdTLL0pPzEvOzNYvLU_ULc5Mz0ssyMxLt2IRYhJiEG__',
    cbcxt: '',
    mkt: '',
    lc: '',
    ...extra,
  });
  return `${lanyardUrl}/federation/${domain}/wsfed?${query}`;
}
