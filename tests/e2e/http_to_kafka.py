#!/usr/bin/python3
"""e2e (b): curl posts Event Hubs HTTP sends; kcat reads them as Kafka records.

1. A JSON batch (Content-Type application/vnd.microsoft.servicebus.json) to
   /eh1/messages?api-version=2014-01 -> 201. Every event becomes a record whose
   value is the Body's UTF-8 bytes and whose headers are the user properties,
   each valued with its full AMQP encoding (string "Strong Wind" = A1 0B ...,
   int 5 = 71 00 00 00 05), followed by x-tributary-src = "http" (lib/evhdr.h).
2. Single-event POSTs with `BrokerProperties: {"PartitionKey":"k1"}` and user
   headers: record key k1, partition = the Event Hubs lookup3 hash of k1
   (eventhubs-surface.md §1.5), the same for every post with that key.
3. A POST to /eh1/partitions/2/messages lands in partition 2.
Every POST carries `Authorization: SharedAccessSignature ...` for the hub eh1
(https://127.0.0.1:PORT/eh1), made with the root key (auth is on by default).

kcat reads with `-f '...%h...'` (as a user would) and with -J for the exact
header bytes: kcat prints %h values with "%.*s", which stops at a NUL byte, so
the text form can only show header values without NULs ("Strong Wind").
"""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

BATCH = [
    {"Body": "m1", "UserProperties": {"Alert": "Strong Wind", "n": 5}},
    {"Body": "m2 \u00fcnic\u00f8de \u2603", "UserProperties": {"flag": True, "pi": 3.5,
        "big": 5000000000, "neg": -7}},
    {"Body": "m3"},
]
BATCH_CT = "application/vnd.microsoft.servicebus.json"
PARTITIONS = 4


def curl_post(gw, path, body, headers=(), content_type=BATCH_CT):
    """POST with curl; returns (status code, response body, CompletedProcess)."""
    argv = ["curl", "-sS", "-o", "-", "-w", "\n%{http_code}", "-X", "POST",
        "-H", "Content-Type: " + content_type, "-H",
        gw.http_auth("https://127.0.0.1:%d/eh1" % gw.http_port)]
    for hd in headers:
        argv += ["-H", hd]
    argv += ["--data-binary", "@-", gw.http_base + path]
    p = h.run(argv, input=body, timeout=30)
    out = p.stdout.rsplit(b"\n", 1)
    code = int(out[1]) if len(out) == 2 and out[1].strip().isdigit() else None
    return code, out[0], p


def header_map(record):
    return {n: v for n, v in record["headers"]}


def check_typed(s, where, hdrs, name, want_type, want_value):
    raw = hdrs.get(name)
    if not s.ok(raw is not None, "%s: header %s present" % (where, name), sorted(hdrs)):
        return
    try:
        v = h.amqp_decode_exact(raw)
    except h.AmqpDecodeError as exc:
        s.checks.error("%s: header %s is one AMQP value (%r)" % (where, name, raw), exc)
        return
    s.ok(v.type == want_type and v.value == want_value,
        "%s: header %s = AMQP %s %r" % (where, name, want_type, want_value), "got %r" % (v,))


def main():
    with h.Session("http_to_kafka") as s:
        gw = s.gateway()

        # ---- 1. batch
        code, body, p = curl_post(gw, "/eh1/messages?api-version=2014-01",
            json.dumps(BATCH).encode())
        s.eq(code, 201, "batch POST of %d events -> 201" % len(BATCH))
        if code != 201:
            print("response: %r %r" % (body[:300], p.stderr[:300]))

        # ---- 2. single events with a partition key and user headers
        single_hdrs = ['BrokerProperties: {"PartitionKey":"k1"}', "Alert: Strong Wind",
            "Count: 42"]
        for n in (1, 2):
            code, body, p = curl_post(gw, "/eh1/messages?timeout=60&api-version=2014-01",
                b"single-%d" % n, single_hdrs, content_type="application/atom+xml;type=entry;charset=utf-8")
            s.eq(code, 201, "single POST %d with PartitionKey k1 -> 201" % n)

        # ---- 3. partition-addressed send
        code, body, p = curl_post(gw, "/eh1/partitions/2/messages?api-version=2014-01",
            json.dumps([{"Body": "to-p2"}]).encode())
        s.eq(code, 201, "batch POST to /eh1/partitions/2/messages -> 201")

        # ---- read everything back with kcat -J (exact bytes)
        records, p = h.kcat_consume_json(gw, "eh1")
        s.ok(p.returncode == 0, "kcat -C -J -e read eh1 to the end", p.stderr.decode(errors="replace"))
        by_value = {}
        for r in records:
            by_value.setdefault(r["payload"], []).append(r)
        want_values = [e["Body"].encode("utf-8") for e in BATCH] + [b"single-1", b"single-2", b"to-p2"]
        s.eq(sorted(r["payload"] for r in records), sorted(want_values),
            "kcat sees exactly the %d posted events" % len(want_values))

        # Batch events: body bytes, typed user properties, then the source marker.
        for e in BATCH:
            v = e["Body"].encode("utf-8")
            rs = by_value.get(v, [])
            if not s.eq(len(rs), 1, "batch event %r stored once" % e["Body"]):
                continue
            r = rs[0]
            where = "event %r" % e["Body"]
            s.ok(r.get("key") is None, "%s: no partition key -> null record key" % where, r.get("key"))
            hdrs = header_map(r)
            names = [n for n, _ in r["headers"]]
            props = list(e.get("UserProperties", {}))
            s.eq(names[:len(props)], props,
                "%s: user properties first, in order, as headers" % where)
            s.eq(hdrs.get("x-tributary-src"), b"http", "%s: header x-tributary-src = http" % where)
            if e["Body"] == "m1":
                s.eq(hdrs.get("Alert"), b"\xa1\x0bStrong Wind",
                    "m1: Alert = A1 0B 'Strong Wind' (AMQP str8)")
                s.eq(hdrs.get("n"), b"\x71\x00\x00\x00\x05", "m1: n = 71 00 00 00 05 (AMQP int)")
            elif e["Body"].startswith("m2"):
                check_typed(s, where, hdrs, "flag", "boolean", True)
                check_typed(s, where, hdrs, "pi", "double", 3.5)
                check_typed(s, where, hdrs, "big", "long", 5000000000)
                check_typed(s, where, hdrs, "neg", "int", -7)
                s.eq(hdrs.get("big", b"")[:1], b"\x81", "m2: int64 property uses the long constructor 0x81")

        # Single events: key k1, the lookup3 partition, user headers typed.
        want_part = h.eventhubs_partition("k1", PARTITIONS)
        parts = set()
        for n in (1, 2):
            rs = by_value.get(b"single-%d" % n, [])
            if not s.eq(len(rs), 1, "single event %d stored once" % n):
                continue
            r = rs[0]
            parts.add(r["partition"])
            s.eq(r.get("key"), b"k1", "single %d: record key = PartitionKey k1" % n)
            s.eq(r["partition"], want_part,
                "single %d: partition = Event Hubs hash of 'k1' over %d partitions" % (n, PARTITIONS))
            hdrs = header_map(r)
            s.eq(hdrs.get("Alert"), b"\xa1\x0bStrong Wind", "single %d: Alert header AMQP string" % n)
            s.eq(hdrs.get("Count"), b"\x71\x00\x00\x00\x2a", "single %d: Count: 42 -> AMQP int" % n)
            s.eq(hdrs.get("x-tributary-src"), b"http", "single %d: x-tributary-src = http" % n)
            lower = {k.lower() for k in hdrs}
            s.ok(not lower & {"host", "content-type", "content-length", "brokerproperties",
                "user-agent", "accept"},
                "single %d: transport headers are not user properties" % n, sorted(hdrs))
        s.eq(len(parts), 1, "both k1 events in one partition")

        rs = by_value.get(b"to-p2", [])
        if s.eq(len(rs), 1, "partition-addressed event stored once"):
            s.eq(rs[0]["partition"], 2, "POST /eh1/partitions/2/messages lands in partition 2")

        # ---- the same through kcat's text formatter, as the README shows it
        p = h.kcat(gw, "-C", "-t", "eh1", "-o", "beginning", "-e", "-q",
            "-f", "%p|%o|%k|%s|%h\n")
        s.ok(p.returncode == 0, "kcat -f '%p|%o|%k|%s|%h' read eh1", p.stderr.decode(errors="replace"))
        lines = p.stdout.split(b"\n")
        m1 = [ln for ln in lines if b"|m1|" in ln]
        s.ok(len(m1) == 1 and b"Alert=\xa1\x0bStrong Wind" in m1[0] and b"x-tributary-src=http" in m1[0],
            "kcat %h shows Alert=<A1 0B>Strong Wind and x-tributary-src=http for m1", m1)
        k1 = [ln for ln in lines if b"|k1|single-" in ln]
        s.eq(len(k1), 2, "kcat shows both single events with key k1")


if __name__ == "__main__":
    main()
