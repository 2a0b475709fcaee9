import { z } from 'zod';
import { defineConfigSection, positiveInt } from '../core/config.ts';

export interface ProvisioningConfig {
  readonly leaseSeconds: number;
  readonly pollSeconds: number;
}

declare module '../core/config.ts' {
  interface ModuleConfig {
    provisioning: ProvisioningConfig;
  }
}

/** The provisioning module's settings, at `config.provisioning`. */
export const provisioningConfig = defineConfigSection({
  key: 'provisioning',
  variables: {
    /**
     * How long a provisioning run stays claimed by a process without renewal (renewed every third of
     * it). After a crash, another node or a new command resumes the run once this has passed.
     */
    LANYARD_PROVISIONING_LEASE_SECONDS: positiveInt.default(60),
    /** How often `lanyard serve` looks for accounts to auto-provision and interrupted runs to resume. */
    LANYARD_PROVISIONING_POLL_SECONDS: z.coerce.number().positive().default(2),
  },
  read: (values) => ({ leaseSeconds: values.LANYARD_PROVISIONING_LEASE_SECONDS, pollSeconds: values.LANYARD_PROVISIONING_POLL_SECONDS }),
});
