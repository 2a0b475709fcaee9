import { defineConfigSection, positiveInt } from '../core/config.ts';

export interface CspConfig {
  readonly tokenRenewalDays: number;
}

declare module '../core/config.ts' {
  interface ModuleConfig {
    csp: CspConfig;
  }
}

/** The CSP module's settings, at `config.csp`. */
export const cspConfig = defineConfigSection({
  key: 'csp',
  variables: {
    /**
     * The renewal job redeems a partner's refresh token that was not used for this many days, so it
     * never reaches Entra's 90 days of inactivity (after which the partner admin must consent again).
     */
    LANYARD_CSP_TOKEN_RENEWAL_DAYS: positiveInt.max(89).default(30),
  },
  read: (values) => ({ tokenRenewalDays: values.LANYARD_CSP_TOKEN_RENEWAL_DAYS }),
});
