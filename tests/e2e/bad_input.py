#!/usr/bin/python3
"""e2e (e): bad input on every port (DESIGN.md §7).

Each bad client must get an error (HTTP 400/404/413) or be disconnected; the
gateway must stay up, nothing of a bad request may be stored, and the next
good client on every port (kcat -L, a good POST, an AMQP send) must be served.

Kafka port: 4 KiB of (seeded) random bytes; a frame whose length prefix is
2 GiB - 1 (0x7fffffff) and one with a negative length (0x80000000); a frame
that announces 64 bytes and closes after 10.
AMQP port: a truncated protocol header; an HTTP request instead of AMQP; a
valid header followed by a frame claiming 2 GiB.
HTTP port: invalid JSON, a non-array batch, an array of non-objects, a body
over 1 MiB, an unknown hub, an unknown partition (all with a valid namespace SAS
token, auth being on by default); no Authorization header, a malformed one and a
token signed with another key (401).
"""

import json
import os
import random
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

from proton import Message  # noqa: E402

BATCH_CT = "application/vnd.microsoft.servicebus.json"


def raw_exchange(port, payload, shut_wr=False, wait=5.0):
    """Send bytes, then read until the peer closes or `wait` s pass.

    Returns (closed: bool, reply bytes). A peer that answers and keeps the
    connection open returns closed=False with what it sent.
    """
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    got = b""
    closed = False
    try:
        try:
            s.sendall(payload)
            if shut_wr:
                s.shutdown(socket.SHUT_WR)
        except OSError:  # EPIPE, ECONNRESET, ENOTCONN: the peer already closed
            return True, got
        deadline = time.monotonic() + wait * h.time_scale()
        while time.monotonic() < deadline:
            s.settimeout(max(0.05, deadline - time.monotonic()))
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                break
            except ConnectionResetError:
                closed = True
                break
            if not chunk:
                closed = True
                break
            got += chunk
    finally:
        s.close()
    return closed, got


def curl(gw, path, body, content_type=BATCH_CT, method="POST", auth=True):
    """POST with curl; auth True = a namespace SAS token, a string = that Authorization value."""
    argv = ["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "-X", method,
        "-H", "Content-Type: " + content_type]
    if auth is True:
        argv += ["-H", gw.http_auth()]
    elif auth:
        argv += ["-H", "Authorization: " + auth]
    argv += ["--data-binary", "@-", gw.http_base + path]
    p = h.run(argv, input=body, timeout=60)
    out = p.stdout.decode().strip()
    return int(out) if out.isdigit() else None


def still_up(s, gw, after):
    s.ok(gw.alive(), "gateway still running after %s" % after, gw.log_tail(20))


def good_clients(s, gw, when):
    p = h.kcat(gw, "-L", "-t", "eh1")
    s.ok(p.returncode == 0 and b'topic "eh1" with 4 partitions' in p.stdout,
        "%s: kcat -L lists eh1 with 4 partitions" % when, (p.stdout + p.stderr).decode(errors="replace"))
    code = curl(gw, "/eh1/messages?api-version=2014-01",
        json.dumps([{"Body": "good-http-%s" % when}]).encode())
    s.eq(code, 201, "%s: a good batch POST -> 201" % when)
    try:
        h.amqp_send(gw, "eh1", [Message(body=b"good-amqp-" + when.encode(), inferred=True)])
        s.ok(True, "%s: a good AMQP send is accepted" % when)
    except Exception as exc:
        s.checks.error("%s: a good AMQP send" % when, exc)
    return [b"good-http-" + when.encode(), b"good-amqp-" + when.encode()]


def kafka_port(s, gw):
    rnd = random.Random(20240611).randbytes(4096)
    cases = [
        ("4 KiB of random bytes", rnd, True),
        ("length prefix 0x7fffffff (2 GiB)", b"\x7f\xff\xff\xff" + b"\x00\x03\x00\x00" + b"\x00" * 64, False),
        ("negative length prefix 0x80000000", b"\x80\x00\x00\x00" + b"\x00" * 16, False),
        ("api key 0x7fff with garbage body", b"\x00\x00\x00\x10\x7f\xff\x00\x00\x00\x00\x00\x01" + b"\xff" * 8,
            False),
    ]
    for what, payload, shut in cases:
        closed, reply = raw_exchange(gw.kafka_port, payload, shut_wr=shut)
        s.ok(closed, "kafka port, %s: connection closed" % what, "reply %r" % reply[:64])
        still_up(s, gw, "kafka " + what)
    # A frame announcing 64 bytes, then the client goes away after 10.
    closed, reply = raw_exchange(gw.kafka_port, b"\x00\x00\x00\x40" + b"\x00\x12" + b"\x00" * 8, shut_wr=True)
    s.ok(closed, "kafka port, truncated frame then EOF: connection closed", reply[:64])
    still_up(s, gw, "kafka truncated frame")


def amqp_port(s, gw):
    closed, reply = raw_exchange(gw.amqp_port, b"AMQP\x00\x01", shut_wr=True)
    s.ok(closed, "amqp port, truncated protocol header: connection closed", reply[:64])
    still_up(s, gw, "amqp truncated header")

    closed, reply = raw_exchange(gw.amqp_port, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n" + b"\xde\xad" * 64)
    s.ok(closed, "amqp port, garbage instead of a header: connection closed", reply[:64])
    s.ok(reply == b"" or reply.startswith(b"AMQP"),
        "amqp port, garbage: at most an AMQP protocol header is sent back", reply[:64])
    still_up(s, gw, "amqp garbage")

    # Valid no-SASL header, then a frame header claiming 2 GiB.
    closed, reply = raw_exchange(gw.amqp_port, b"AMQP\x00\x01\x00\x00" + b"\x7f\xff\xff\xff\x02\x00\x00\x00")
    s.ok(closed, "amqp port, 2 GiB frame size: connection closed", reply[:96])
    still_up(s, gw, "amqp 2 GiB frame")


def http_port(s, gw):
    cases = [
        ("invalid JSON", "/eh1/messages?api-version=2014-01", b'[{"Body": "x"', BATCH_CT, (400,)),
        ("non-array batch", "/eh1/messages?api-version=2014-01", b'{"Body": "x"}', BATCH_CT, (400,)),
        ("array of numbers", "/eh1/messages?api-version=2014-01", b"[1, 2, 3]", BATCH_CT, (400,)),
        ("Body not a string", "/eh1/messages?api-version=2014-01", b'[{"Body": {"a": 1}}]', BATCH_CT,
            (400,)),
        (">1 MiB single body", "/eh1/messages?api-version=2014-01", b"x" * (1024 * 1024 + 1024),
            "application/atom+xml;type=entry;charset=utf-8", (413,)),
        (">1 MiB batch", "/eh1/messages?api-version=2014-01",
            json.dumps([{"Body": "y" * 4096}] * 300).encode(), BATCH_CT, (413,)),
        ("unknown hub", "/nohub/messages?api-version=2014-01", b'[{"Body": "x"}]', BATCH_CT, (404,)),
        ("unknown partition", "/eh1/partitions/99/messages?api-version=2014-01", b'[{"Body": "x"}]',
            BATCH_CT, (400, 404)),
    ]
    for what, path, body, ct, want in cases:
        code = curl(gw, path, body, ct)
        s.ok(code in want, "http %s -> %s" % (what, "/".join(map(str, want))), "got %r" % code)
        still_up(s, gw, "http " + what)
    good = b'[{"Body": "unauthorised"}]'
    for what, auth in [("no Authorization", False),
            ("malformed Authorization", "SharedAccessSignature sr=&sig=x"),
            ("token signed with another key", gw.sas_token(key=h.new_root_key()))]:
        code = curl(gw, "/eh1/messages?api-version=2014-01", good, auth=auth)
        s.eq(code, 401, "http %s -> 401" % what)
        still_up(s, gw, "http " + what)


def main():
    with h.Session("bad_input") as s:
        gw = s.gateway()
        good = good_clients(s, gw, "before")
        for port_test in (kafka_port, amqp_port, http_port):
            try:
                port_test(s, gw)
            except Exception as exc:
                s.checks.error(port_test.__name__, exc)
            if not gw.alive():
                break
        if not gw.alive():
            s.ok(False, "gateway survived the bad input", gw.log_tail(40))
            return
        good += good_clients(s, gw, "after")
        # Nothing of the bad requests was stored: eh1 holds exactly the good events.
        try:
            got = h.kafka_consume_all(gw, "eh1", [0, 1, 2, 3])
            values = sorted(v for recs in got.values() for _, _, v, _, _ in recs)
            s.eq(values, sorted(good), "eh1 holds only the good clients' events")
        except Exception as exc:
            s.checks.error("read eh1 back", exc)


if __name__ == "__main__":
    main()
