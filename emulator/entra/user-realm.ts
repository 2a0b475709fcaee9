import type { Router } from '@koa/router';
import type { EmulatorContext } from '../context.ts';
import { microsoftOnlineUrn } from '../context.ts';

/**
 * `GET /common/userrealm/{upn}?api-version=1.0` (home-realm discovery, also called by MSAL). The answer
 * carries the api-version 1.0 fields MSAL reads (`ver`, `account_type`, `domain_name`,
 * `federation_protocol`, `federation_metadata_url`, `federation_active_auth_url`, `cloud_instance_name`,
 * `cloud_audience_urn`) together with the portal's fields (`NameSpaceType`, `Login`, `DomainName`,
 * `FederationBrandName`, `AuthURL`), since Microsoft's variants of this endpoint differ in which they send.
 */
export function registerUserRealmRoutes(router: Router, context: EmulatorContext): void {
  router.get('/common/userrealm/:login', (ctx) => {
    const login = ctx.params.login ?? '';
    const domainName = (login.includes('@') ? login.split('@').pop() : login)?.toLowerCase() ?? '';
    const found = context.state.findSignInDomain(domainName);
    const common = { ver: '1.0', Login: login, cloud_instance_name: 'microsoftonline.com', cloud_audience_urn: microsoftOnlineUrn };
    if (!found || !found.domain.isVerified) {
      ctx.body = { ...common, account_type: 'Unknown', NameSpaceType: 'Unknown' };
      return;
    }
    const configuration = found.domain.federationConfiguration;
    if (found.domain.authenticationType !== 'Federated' || !configuration) {
      ctx.body = {
        ...common,
        account_type: 'Managed',
        NameSpaceType: 'Managed',
        domain_name: found.domain.id,
        DomainName: found.domain.id,
        FederationBrandName: found.tenant.displayName,
      };
      return;
    }
    const authUrl = new URL(configuration.passiveSignInUri);
    authUrl.searchParams.set('username', login);
    authUrl.searchParams.set('wa', 'wsignin1.0');
    authUrl.searchParams.set('wtrealm', microsoftOnlineUrn);
    authUrl.searchParams.set('wctx', '');
    ctx.body = {
      ...common,
      account_type: 'Federated',
      NameSpaceType: 'Federated',
      domain_name: found.domain.id,
      DomainName: found.domain.id,
      federation_protocol: configuration.preferredAuthenticationProtocol === 'saml' ? 'SAML20' : 'WSTrust',
      federation_metadata_url: configuration.metadataExchangeUri,
      federation_active_auth_url: configuration.activeSignInUri,
      FederationBrandName: configuration.displayName ?? found.tenant.displayName,
      AuthURL: authUrl.toString(),
    };
  });
}
