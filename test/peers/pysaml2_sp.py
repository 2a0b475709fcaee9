"""A SAML 2.0 service provider built on pysaml2 (Debian python3-pysaml2), standing in for
urn:federation:MicrosoftOnline. It validates one base64 SAMLResponse posted to the ACS and prints
the NameID, issuer and attributes as JSON; any rejection exits with status 1 and the error on
stderr.

usage: pysaml2_sp.py <idp-metadata.xml> <acs-url> <in-response-to or ""> < SAMLResponse(base64)
"""
import json
import sys

from saml2 import BINDING_HTTP_POST
from saml2.client import Saml2Client
from saml2.config import SPConfig


def main() -> int:
    metadata_path, acs_url, in_response_to = sys.argv[1], sys.argv[2], sys.argv[3]
    config = SPConfig()
    config.load({
        "entityid": "urn:federation:MicrosoftOnline",
        "xmlsec_binary": "/usr/bin/xmlsec1",
        "metadata": {"local": [metadata_path]},
        "allow_unknown_attributes": True,
        "service": {
            "sp": {
                "endpoints": {"assertion_consumer_service": [(acs_url, BINDING_HTTP_POST)]},
                "allow_unsolicited": in_response_to == "",
                "want_assertions_signed": True,
                "want_response_signed": False,
                "name_id_format": "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent",
            }
        },
    })
    client = Saml2Client(config)
    outstanding = {in_response_to: acs_url} if in_response_to else {}
    try:
        response = client.parse_authn_request_response(sys.stdin.read().strip(), BINDING_HTTP_POST, outstanding)
    except Exception as error:  # every pysaml2 rejection is a failure for the test
        print(f"{type(error).__name__}: {error}", file=sys.stderr)
        return 1
    if response is None:
        print("no response", file=sys.stderr)
        return 1
    print(json.dumps({
        "nameId": response.name_id.text,
        "nameIdFormat": response.name_id.format,
        "issuer": response.issuer(),
        "attributes": response.ava,
        "authnContext": [str(ref) for ref in response.authn_info()],
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
