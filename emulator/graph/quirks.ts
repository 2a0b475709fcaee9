import { z } from 'zod';

/**
 * Behaviours real Graph has been seen to show around federation, each behind its own switch so a
 * test can prove Lanyard copes with it. All are off by default: Microsoft documents none of them
 * as what Graph always does (federation reference §4.2, §4.4).
 */
export const graphQuirksSchema = z.strictObject({
  /** `GET /domains/{id}/federationConfiguration` on a domain without one answers 404 Request_ResourceNotFound, not an empty collection. */
  federationConfigurationNotFoundWhenNone: z.boolean(),
  /** `PATCH /domains/{id}` `authenticationType: Managed` deletes the domain's federation configuration too. */
  managedDeletesFederationConfiguration: z.boolean(),
  /** `DELETE …/federationConfiguration/{id}` makes the domain (and the subdomains following it) Managed. */
  deletingFederationConfigurationMakesManaged: z.boolean(),
}).partial();

export type GraphQuirks = { -readonly [Name in keyof z.infer<typeof graphQuirksSchema>]-?: boolean };

/** Fresh switches, all off. */
export function defaultGraphQuirks(): GraphQuirks {
  return { federationConfigurationNotFoundWhenNone: false, managedDeletesFederationConfiguration: false, deletingFederationConfigurationMakesManaged: false };
}
