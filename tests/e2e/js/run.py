#!/usr/bin/python3
"""Runs one Azure Event Hubs JS SDK test (tests/e2e/js/*.mjs) against a fresh gateway.

    run.py SCRIPT.mjs [ARGS...]

Starts `tributary` with tests/e2e/harness.py (free loopback ports, fresh data directory, clean
SIGTERM stop checked, logs printed on failure), then runs `node SCRIPT.mjs` with the connection
string in TRIB_EH_CONNSTR (see lib.mjs for the whole environment) and counts its ok/FAIL lines.

Authorisation: auth.required is the gateway's default; the harness starts it with
`--set auth.root_key=<random key of this test>` and the connection string carries that key.
E2E_AUTH=open adds `--set auth.required=false` (the key is then not checked), and a script whose
first line is `// needs: auth.required` is skipped (exit 77).
Other scripts (kafka_cross.py) import start_gateway() and node() from here.
"""

import os
import re
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import harness as h  # noqa: E402

HUB = "eh1"


def auth_required():
    return os.environ.get("E2E_AUTH", "required") != "open"


def start_gateway(s, extra=()):
    """A gateway with the session's root key (harness.Session.gateway); open with E2E_AUTH=open."""
    args = list(extra)
    if not auth_required():
        args += ["--set", "auth.required=false"]
    return s.gateway(extra=args)


def conn_str(gw, key=None, key_name=h.ROOT_POLICY):
    return ("Endpoint=sb://127.0.0.1:%d/;SharedAccessKeyName=%s;SharedAccessKey=%s;"
        "UseDevelopmentEmulator=true" % (gw.amqp_port, key_name, gw.key if key is None else key))


def node_env(gw, extra_env=None):
    env = dict(os.environ)
    env.update({
        "TRIB_EH_CONNSTR": conn_str(gw),
        "TRIB_EH_HUB": HUB,
        "TRIB_EH_KEY": gw.key,
        "TRIB_AUTH_REQUIRED": "1" if auth_required() else "0",
        "TRIB_TIME_SCALE": str(h.time_scale()),
        "TRIB_KAFKA_BOOTSTRAP": gw.bootstrap,
    })
    env.update(extra_env or {})
    return env


def check_node_ready():
    if not shutil.which("node"):
        raise SystemExit("node is missing: run scripts/install-deps.sh --test")
    major = subprocess.run(["node", "-p", "process.versions.node.split('.')[0]"],
        stdout=subprocess.PIPE, text=True).stdout.strip()
    if not major.isdigit() or int(major) < 20:
        # @azure/event-hubs 6 declares node >= 20; Debian 12's own nodejs is 18
        print("SKIP: @azure/event-hubs 6 needs Node.js >= 20, this machine has %s" % major)
        raise SystemExit(77)
    if not os.path.isdir(os.path.join(HERE, "node_modules", "@azure", "event-hubs")):
        raise SystemExit("tests/e2e/js/node_modules is missing: run scripts/install-deps.sh --test "
            "(it runs `npm ci` there)")


def node(s, gw, script, args=(), timeout=180, extra_env=None, what=None):
    """Runs a node script; its ok/FAIL lines count as checks here. Returns (exit status, stdout)."""
    check_node_ready()
    what = what or os.path.basename(script)
    p = subprocess.run(["node", os.path.join(HERE, script)] + list(args), cwd=HERE,
        env=node_env(gw, extra_env), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        timeout=timeout * h.time_scale())
    out = p.stdout.decode("utf-8", "replace")
    counted = 0
    for line in out.splitlines():
        print(line, flush=True)
        if re.match(r"ok   - ", line):
            s.checks.passed += 1
            counted += 1
        elif re.match(r"FAIL - ", line):
            s.checks.failed += 1
            counted += 1
    s.ok(p.returncode == 0 and counted > 0, "%s exits 0 after %d checks (exit %d)"
        % (what, counted, p.returncode))
    return p.returncode, out


def main():
    if len(sys.argv) < 2:
        raise SystemExit("usage: run.py SCRIPT.mjs [ARGS...]")
    script = sys.argv[1]
    name = os.path.splitext(os.path.basename(script))[0]
    with open(os.path.join(HERE, script)) as f:
        needs_auth = "// needs: auth.required" in f.readline()
    if needs_auth and not auth_required():
        print("SKIP: %s needs a gateway with auth.required (E2E_AUTH=open)" % script)
        sys.exit(77)
    with h.Session("js_" + name) as s:
        gw = start_gateway(s)
        print("gateway amqp 127.0.0.1:%d, auth %s" % (gw.amqp_port,
            "required" if auth_required() else "open (E2E_AUTH=open)"),
            flush=True)
        node(s, gw, script, sys.argv[2:])


if __name__ == "__main__":
    main()
