#!/usr/bin/python3
"""e2e: AMQP authorisation (SASL mechanisms, $cbs put-token, link and $management checks)
and the secure default.

The first gateway runs with `--set auth.root_key=<random key>` (auth.required is the default);
its namespace policy RootManageSharedAccessKey (Manage) then has that key.

1. The sasl-mechanisms frame (read on a raw socket) offers MSSBCBS, PLAIN and ANONYMOUS;
   a raw sasl-init with MSSBCBS gets outcome ok.
2. SASL PLAIN with the policy name and key (python3-qpid-proton): a sender to eh1 and a
   receiver on eh1/ConsumerGroups/$Default/Partitions/0 attach; the event comes back.
   With a wrong key the connection is refused (SASL outcome auth).
3. ANONYMOUS without a token: a sender attach is refused with amqp:unauthorized-access.
4. $cbs put-token with a token built here the way the Python SDK builds it (HMAC-SHA256 over
   quote_plus(uri) + "\\n" + expiry, keyed with the key's UTF-8 bytes): status-code 202 (an
   AMQP int) with correlation-id = the request's message-id; then send and receive work.
   A token signed with a wrong key and an expired one get 401 and the attach stays refused.
5. $management READ on a connection without tokens: without security_token 401, with a
   valid one 200.
6. The default (a gateway started with no auth setting at all): an anonymous AMQP receiver is
   detached with amqp:unauthorized-access and an HTTP POST without Authorization gets 401;
   the generated root key is logged exactly once and kept in DATA/.sas-root.key; SASL PLAIN
   with the logged key sends and reads back, a SAS token made with it lets curl post (201).
   Restarted on the same data directory: no new key is logged and the same key still works.
7. An Event Hubs emulator Config.json with no key set: PLAIN with SAS_KEY_VALUE works, no key
   is generated.
"""

import json

import base64
import os
import socket
import struct
import sys
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

from proton import Message  # noqa: E402
from proton.utils import BlockingConnection, LinkDetached  # noqa: E402

KEY_NAME = h.ROOT_POLICY
HUB = "eh1"
EMULATOR_KEY = "SAS_KEY_VALUE"


def sas_token(uri, key_name, key, expiry):
    """The Python SDK's token (azure-eventhub _generate_sas_token): harness.sas_token."""
    return h.sas_token(uri, key, key_name, expiry=expiry)


def connect(gw, mechs="ANONYMOUS", user=None, password=None):
    kw = dict(timeout=20 * h.time_scale(), allowed_mechs=mechs, sasl_enabled=True)
    if user is not None:
        kw.update(user=user, password=password, allow_insecure_mechs=True)
    return BlockingConnection(gw.amqp_url, **kw)


def attach_error(fn):
    """Runs fn (an attach); returns None when it succeeded, else the detach condition name."""
    try:
        fn()
        return None
    except LinkDetached as exc:
        cond = exc.link.remote_condition
        return cond.name if cond else "detached"


# ------------------------------------------------------------ raw SASL


def read_exact(sock, n):
    out = b""
    while len(out) < n:
        chunk = sock.recv(n - len(out))
        if not chunk:
            raise EOFError("connection closed after %d of %d bytes" % (len(out), n))
        out += chunk
    return out


def read_frame(sock):
    size = struct.unpack(">I", read_exact(sock, 4))[0]
    return read_exact(sock, size - 4)


def sasl_init(mech):
    m = mech.encode()
    body = b"\xa3" + bytes([len(m)]) + m
    perf = b"\x00\x53\x41" + b"\xc0" + bytes([len(body) + 1, 1]) + body
    return struct.pack(">IBBH", 8 + len(perf), 2, 1, 0) + perf


def raw_sasl(s, gw):
    with socket.create_connection(("127.0.0.1", gw.amqp_port), timeout=10) as sock:
        sock.sendall(b"AMQP\x03\x01\x00\x00")
        s.eq(read_exact(sock, 8), b"AMQP\x03\x01\x00\x00", "raw: the server answers the SASL header")
        frame = read_frame(sock)
        s.ok(frame[4:7] == b"\x00\x53\x40", "raw: the first SASL frame is sasl-mechanisms", frame)
        # an array (0xe0) of sym8 (0xa3): one constructor, then length-prefixed elements
        at = frame.find(b"\xe0", 7)
        s.ok(at > 0 and frame[at + 2:at + 4] == b"\x03\xa3",
            "raw: sasl-mechanisms is an array of symbols", frame)
        for mech in (b"MSSBCBS", b"PLAIN", b"ANONYMOUS"):
            s.ok(bytes([len(mech)]) + mech in frame,
                "raw: sasl-mechanisms offers %s" % mech.decode(), frame)
        sock.sendall(sasl_init("MSSBCBS"))
        frame = read_frame(sock)
        # sasl-outcome (0x44) with code ubyte 0 (ok)
        s.ok(frame[4:7] == b"\x00\x53\x44" and b"\x50\x00" in frame[7:12],
            "raw: sasl-init MSSBCBS gets outcome ok", frame)


# ------------------------------------------------------------ $cbs / $management


class Node:
    """A request/response pair of links to $cbs or $management on one connection."""

    def __init__(self, conn, address):
        self.conn = conn
        self.sender = conn.create_sender(address)
        self.receiver = conn.create_receiver(address, credit=10)
        self.reply_to = self.receiver.link.name

    def call(self, props, body=None):
        mid = str(uuid.uuid4())
        self.sender.send(Message(id=mid, reply_to=self.reply_to, properties=props, body=body))
        resp = self.receiver.receive(timeout=10 * h.time_scale())
        return mid, resp


def put_token(node, audience, token):
    return node.call({"operation": "put-token", "type": "servicebus.windows.net:sastoken",
        "name": audience}, token)


def status(resp):
    return (resp.properties or {}).get("status-code")


def main():
    with h.Session("amqp_auth") as s:
        gw = s.gateway()
        ROOT_KEY = gw.key
        audience = "sb://127.0.0.1:%d/%s" % (gw.amqp_port, HUB)
        raw_sasl(s, gw)

        # SASL PLAIN, good key: send, then read it back.
        conn = connect(gw, "PLAIN", KEY_NAME, ROOT_KEY)
        try:
            snd = conn.create_sender(HUB + "/Partitions/0")
            d = snd.send(Message(body=b"plain-event"))
            s.ok(d is not None, "PLAIN: a sender to eh1/Partitions/0 attaches and sends")
            rcv = conn.create_receiver(HUB + "/ConsumerGroups/$Default/Partitions/0", credit=10,
                options=h.selector("amqp.annotation.x-opt-offset > '-1'"))
            m = rcv.receive(timeout=10 * h.time_scale())
            s.eq(m.body, b"plain-event", "PLAIN: the receiver reads the event back")
        finally:
            conn.close()

        # SASL PLAIN, wrong key.
        try:
            conn = connect(gw, "PLAIN", KEY_NAME, "not-the-key")
            conn.create_sender(HUB)
            conn.close()
            s.ok(False, "PLAIN with a wrong key is refused")
        except Exception as exc:
            s.ok("unauthorized" in str(exc).lower() or "auth" in str(exc).lower(),
                "PLAIN with a wrong key is refused (%s)" % type(exc).__name__, str(exc))

        conn = connect(gw)
        try:
            # No token: refused with amqp:unauthorized-access.
            s.eq(attach_error(lambda: conn.create_sender(HUB)), "amqp:unauthorized-access",
                "ANONYMOUS without a token: sender attach refused")
            cbs = Node(conn, "$cbs")
            # Wrong key, expired: 401.
            mid, resp = put_token(cbs, audience,
                sas_token(audience, KEY_NAME, "wrong-key", int(time.time()) + 3600))
            s.eq(status(resp), 401, "put-token signed with a wrong key: 401")
            s.ok(bool((resp.properties or {}).get("status-description")),
                "the 401 has a status-description", resp.properties)
            mid, resp = put_token(cbs, audience,
                sas_token(audience, KEY_NAME, ROOT_KEY, int(time.time()) - 3600))
            s.eq(status(resp), 401, "put-token with an expired token: 401")
            s.eq(attach_error(lambda: conn.create_sender(HUB)), "amqp:unauthorized-access",
                "after refused tokens the sender attach is still refused")
            # A good token.
            mid, resp = put_token(cbs, audience,
                sas_token(audience, KEY_NAME, ROOT_KEY, int(time.time()) + 3600))
            s.eq(status(resp), 202, "put-token with a valid token: 202")
            s.ok(isinstance(status(resp), int), "status-code is an integer")
            s.eq(resp.correlation_id, mid, "correlation-id = the request's message-id")
            snd = conn.create_sender(HUB + "/Partitions/1")
            d = snd.send(Message(body=b"token-event"))
            s.ok(d is not None, "put-token then sender attach and send")
            rcv = conn.create_receiver(HUB + "/ConsumerGroups/$Default/Partitions/1", credit=10,
                options=h.selector("amqp.annotation.x-opt-offset > '-1'"))
            m = rcv.receive(timeout=10 * h.time_scale())
            s.eq(m.body, b"token-event", "put-token then receiver reads the event")
        finally:
            conn.close()

        # $management on a connection without tokens: security_token checked.
        conn = connect(gw)
        try:
            mgmt = Node(conn, "$management")
            read = {"operation": "READ", "type": "com.microsoft:eventhub", "name": HUB}
            mid, resp = mgmt.call(dict(read), b"[]")
            s.eq(status(resp), 401, "$management READ without security_token: 401")
            tok = sas_token(audience, KEY_NAME, ROOT_KEY, int(time.time()) + 3600)
            mid, resp = mgmt.call(dict(read, security_token=tok), b"[]")
            s.eq(status(resp), 200, "$management READ with a valid security_token: 200")
            s.eq((resp.body or {}).get("name"), HUB, "$management READ returns the hub")
        finally:
            conn.close()
        s.eq(gw.stop(), 0, "gateway with a set root key stops cleanly")
        s.eq(h.generated_keys(gw.log_text()), [], "with auth.root_key set no key is generated")

        for part in (secure_default, emulator_default):
            try:
                part(s)
            except Exception as exc:
                s.checks.error(part.__name__, exc)


# ------------------------------------------------------------ defaults


def http_post(gw, body, auth=None):
    argv = ["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST",
        "-H", "Content-Type: application/vnd.microsoft.servicebus.json"]
    if auth:
        argv += ["-H", auth]
    p = h.run(argv + ["--data-binary", "@-", gw.http_base + "/eh1/partitions/1/messages"], input=body)
    out = p.stdout.decode().strip()
    return int(out) if out.isdigit() else out


def plain_round_trip(s, gw, key, partition, body, what):
    """PLAIN with `key`: send `body` to eh1/Partitions/N and read it back."""
    conn = connect(gw, "PLAIN", KEY_NAME, key)
    try:
        conn.create_sender("%s/Partitions/%d" % (HUB, partition)).send(Message(body=body))
        rcv = conn.create_receiver("%s/ConsumerGroups/$Default/Partitions/%d" % (HUB, partition),
            credit=10, options=h.selector("amqp.annotation.x-opt-offset > '-1'"))
        got = []
        while True:
            m = rcv.receive(timeout=10 * h.time_scale())
            got.append(m.body)
            if m.body == body:
                break
        s.ok(True, "%s: PLAIN sends and reads back (%d events in the partition)" % (what, len(got)))
        return got
    finally:
        conn.close()


def secure_default(s):
    gw = s.gateway(data_dir=os.path.join(s.workdir, "data-default"), root_key=None)
    logged = h.generated_keys(gw.log_text())
    s.ok(len(logged) == 1, "no auth settings: the generated root key is logged once",
        gw.log_tail(20))
    key = logged[0] if logged else None
    s.ok(key and len(base64.b64decode(key)) == 32, "the key is base64 of 32 bytes: %r" % key)
    with open(os.path.join(gw.data_dir, ".sas-root.key")) as f:
        s.eq(f.read().strip(), key, "the data directory keeps the logged key (.sas-root.key)")
    # Anonymous clients are refused.
    conn = connect(gw)
    try:
        s.eq(attach_error(lambda: conn.create_receiver(HUB + "/ConsumerGroups/$Default/Partitions/0",
            credit=10)), "amqp:unauthorized-access", "default: an anonymous AMQP receiver is refused")
    finally:
        conn.close()
    s.eq(http_post(gw, b'[{"Body": "anonymous"}]'), 401, "default: HTTP POST without Authorization: 401")
    s.eq(http_post(gw, b'[{"Body": "h1"}]', gw.http_auth()), 201,
        "default: HTTP POST with a token made from the logged key: 201")
    plain_round_trip(s, gw, key, 0, b"default-1", "default")
    try:
        connect(gw, "PLAIN", KEY_NAME, h.new_root_key()).create_sender(HUB)
        s.ok(False, "default: PLAIN with another key is refused")
    except Exception as exc:
        s.ok(True, "default: PLAIN with another key is refused (%s)" % type(exc).__name__)
    s.eq(gw.stop(), 0, "default gateway stops cleanly")

    gw.start()
    s.eq(h.generated_keys(gw.log_text()), [], "restart on the same data dir: no new key logged")
    s.eq(gw.key, key, "the key is the one logged at the first start")
    got = plain_round_trip(s, gw, key, 0, b"default-2", "restarted")
    s.eq(got, [b"default-1", b"default-2"], "restarted: the partition holds both events")
    s.eq(http_post(gw, b'[{"Body": "h2"}]', gw.http_auth()), 201,
        "restarted: HTTP POST with a token from the same key: 201")
    s.eq(gw.stop(), 0, "restarted default gateway stops cleanly")


def emulator_default(s):
    cfg = {"UserConfig": {"NamespaceConfig": [{"Type": "EventHub", "Name": "emulatorNs1",
        "Entities": [{"Name": HUB, "PartitionCount": "2", "ConsumerGroups": []}]}],
        "LoggingConfig": {"Type": "File"}}}
    path = os.path.join(s.workdir, "Config.json")
    with open(path, "w") as f:
        json.dump(cfg, f)
    gw = s.gateway(data_dir=os.path.join(s.workdir, "data-emulator"), root_key=None,
        extra=["--config", path])
    s.eq(h.generated_keys(gw.log_text()), [], "emulator Config.json: no key generated")
    plain_round_trip(s, gw, EMULATOR_KEY, 1, b"emulator-event", "emulator Config.json, SAS_KEY_VALUE")
    conn = connect(gw)
    try:
        s.eq(attach_error(lambda: conn.create_sender(HUB)), "amqp:unauthorized-access",
            "emulator Config.json: an anonymous sender is still refused")
    finally:
        conn.close()
    s.eq(gw.stop(), 0, "emulator-config gateway stops cleanly")


if __name__ == "__main__":
    main()
