import type { Router } from '@koa/router';
import { loginSrfUrl, microsoftOnlineUrn, type EmulatorContext } from '../context.ts';
import { certificateBase64 } from '../tls/certificates.ts';

/**
 * Entra's SAML 2.0 SP metadata (Microsoft serves it at
 * nexus.microsoftonline-p.com/federationmetadata/saml20/federationmetadata.xml): entityID
 * urn:federation:MicrosoftOnline, WantAssertionsSigned, the OrgID signing certificate, ACS and single
 * logout at login.srf. The certificate is also at `/_emulator/orgid-certificate.pem`.
 */
export function registerSamlMetadataRoutes(router: Router, context: EmulatorContext): void {
  router.get('/federationmetadata/saml20/federationmetadata.xml', (ctx) => {
    const certificate = certificateBase64(context.keys.organizationIdSigning.certificatePem);
    const loginUrl = loginSrfUrl(context);
    ctx.type = 'application/samlmetadata+xml';
    ctx.body = `<?xml version="1.0" encoding="utf-8"?>
<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" entityID="${microsoftOnlineUrn}">
  <SPSSODescriptor WantAssertionsSigned="true" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <KeyDescriptor use="signing">
      <KeyInfo xmlns="http://www.w3.org/2000/09/xmldsig#">
        <X509Data><X509Certificate>${certificate}</X509Certificate></X509Data>
      </KeyInfo>
    </KeyDescriptor>
    <SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="${loginUrl}"/>
    <NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</NameIDFormat>
    <AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="${loginUrl}" index="0" isDefault="true"/>
    <AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST-SimpleSign" Location="${loginUrl}" index="1"/>
    <AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:PAOS" Location="${loginUrl}" index="2"/>
  </SPSSODescriptor>
</EntityDescriptor>`;
  });
}
