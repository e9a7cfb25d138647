#!/usr/bin/env python3
"""Prints an Event Hubs SAS token, as the Azure SDKs make them (docs/auth.md).

    scripts/sas-token.py RESOURCE KEY [POLICY] [TTL]

RESOURCE  what the token covers: a namespace URL (http://127.0.0.1:8080/ = every hub)
          or a hub (http://127.0.0.1:8080/eh1); the scheme and host are not checked
KEY       the policy's key, as written in the config or the log (not base64-decoded)
POLICY    the policy name (default RootManageSharedAccessKey)
TTL       seconds the token stays valid (default 3600)

Output: `SharedAccessSignature sr=...&sig=...&se=...&skn=...`, where
sig = base64(HMAC-SHA256(KEY as UTF-8, quote_plus(RESOURCE) + "\\n" + expiry)).
Use it as an HTTP `Authorization:` header or an AMQP $cbs put-token.
"""

import base64
import hashlib
import hmac
import sys
import time
import urllib.parse


def sas_token(resource, key, policy="RootManageSharedAccessKey", ttl=3600):
    se = int(time.time()) + ttl
    sr = urllib.parse.quote_plus(resource)
    sig = base64.b64encode(hmac.new(key.encode("utf-8"), ("%s\n%d" % (sr, se)).encode("utf-8"),
        hashlib.sha256).digest()).decode("ascii")
    return "SharedAccessSignature sr=%s&sig=%s&se=%d&skn=%s" % (
        sr, urllib.parse.quote_plus(sig), se, urllib.parse.quote_plus(policy))


def main(argv):
    if len(argv) not in (3, 4, 5) or argv[1] in ("-h", "--help"):
        sys.stderr.write(__doc__)
        return 2
    policy = argv[3] if len(argv) > 3 else "RootManageSharedAccessKey"
    try:
        ttl = int(argv[4]) if len(argv) > 4 else 3600
    except ValueError:
        sys.stderr.write("sas-token.py: TTL must be a number of seconds\n")
        return 2
    print(sas_token(argv[1], argv[2], policy, ttl))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
