import { randomUUID } from 'node:crypto';
import type { User } from './model.ts';

/** What a new user is made from; everything else starts as Graph's empty default. */
export interface NewUserFields {
  readonly id?: string | undefined;
  readonly userPrincipalName: string;
  readonly displayName: string;
  readonly mailNickname: string;
  readonly accountEnabled: boolean;
  readonly givenName?: string | null | undefined;
  readonly surname?: string | null | undefined;
  readonly jobTitle?: string | null | undefined;
  readonly usageLocation?: string | null | undefined;
  readonly onPremisesImmutableId?: string | null | undefined;
}

/** A user as Graph creates one (seeded or POSTed): `createdDateTime` to the second, like Graph's. */
export function newUser(fields: NewUserFields, now: number): User {
  return {
    id: fields.id ?? randomUUID(),
    userPrincipalName: fields.userPrincipalName,
    displayName: fields.displayName,
    mailNickname: fields.mailNickname,
    accountEnabled: fields.accountEnabled,
    givenName: fields.givenName ?? null,
    surname: fields.surname ?? null,
    mail: null,
    jobTitle: fields.jobTitle ?? null,
    mobilePhone: null,
    officeLocation: null,
    preferredLanguage: null,
    businessPhones: [],
    usageLocation: fields.usageLocation ?? null,
    onPremisesImmutableId: fields.onPremisesImmutableId ?? null,
    assignedLicenses: [],
    createdDateTime: new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    userType: 'Member',
  };
}
