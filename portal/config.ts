import { defineConfigSection, positiveInt } from '../core/config.ts';

export interface PortalConfig {
  /** A portal session ends after this long without a request. */
  readonly idleMinutes: number;
  /** …and after this long in any case. */
  readonly sessionMinutes: number;
  /** A dangerous action needs a TOTP code proven within this many minutes (else it asks again). */
  readonly reauthMinutes: number;
}

declare module '../core/config.ts' {
  interface ModuleConfig {
    portal: PortalConfig;
  }
}

/** The admin portal's settings, at `config.portal`. Short by default: admins hold the keys. */
export const portalConfig = defineConfigSection({
  key: 'portal',
  variables: {
    LANYARD_PORTAL_IDLE_MINUTES: positiveInt.max(24 * 60).default(15),
    LANYARD_PORTAL_SESSION_MINUTES: positiveInt.max(7 * 24 * 60).default(8 * 60),
    LANYARD_PORTAL_REAUTH_MINUTES: positiveInt.max(60).default(5),
  },
  read: (values) => ({
    idleMinutes: values.LANYARD_PORTAL_IDLE_MINUTES,
    sessionMinutes: values.LANYARD_PORTAL_SESSION_MINUTES,
    reauthMinutes: values.LANYARD_PORTAL_REAUTH_MINUTES,
  }),
});
