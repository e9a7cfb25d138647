#!/usr/bin/python3
"""Cross-protocol with the Azure Event Hubs JS SDK (DESIGN.md §3):

1. events sent with EventHubProducerClient (cross_sdk.mjs send) read by a Kafka consumer
   (confluent_kafka): value = the event body, key = the partition key (null without one),
   partition = Event Hubs hash of the key (or the partition id sent to), headers = the
   application properties in order, each valued with its AMQP encoding as rhea wrote it
   (string, uint, int, boolean, binary), then `x-tributary-src: amqp`;
2. records produced with confluent_kafka read by EventHubConsumerClient (cross_sdk.mjs read):
   body = the record value (one data section), application properties = the headers as AMQP
   binary, in order, `x-opt-kafka-key` = the record key (binary), no x-tributary-* leaks.
"""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run as r  # noqa: E402
h = r.h

PARTITIONS = 4
# body -> (key, partition id, {name: (AMQP type, value)}) as cross_sdk.mjs sends them
SDK_SENT = {
    b"sdk-1": ("cross-key-1", None, [("s", "string", "hello"), ("u", "uint", 7), ("neg", "int", -1234),
        ("yes", "boolean", True), ("bin", "binary", b"\x00\xff")]),
    b"sdk-2": ("cross-key-2", None, [("s", "string", "second")]),
    b"sdk-3 to p2": (None, 2, [("only", "string", "p2")]),
}
KAFKA_PARTITION = 1  # the SDK's sends above go to 0, 3 and 2
KAFKA_SENT = [  # key, value, headers
    (b"kkey-1", b"\x00\x01 kafka binary \xfe", [("h1", b"v1"), ("h2", b"\xff\x00"), ("h3", b"third")]),
    (None, b"kafka no key", []),
    (b"kkey-3", b"", [("empty", b"")]),
]


def sdk_to_kafka(s, gw):
    r.node(s, gw, "cross_sdk.mjs", ["send"], what="SDK send")
    got = h.kafka_consume_all(gw, "eh1", list(range(PARTITIONS)))
    found = {}
    for part, recs in got.items():
        for off, key, value, headers, ts in recs:
            found.setdefault(value, []).append((part, key, headers))
    s.eq(sorted(found), sorted(SDK_SENT), "Kafka sees exactly the SDK's events")
    for body, (key, pid, props) in SDK_SENT.items():
        recs = found.get(body, [])
        if not s.eq(len(recs), 1, "%r stored once" % body):
            continue
        part, rkey, headers = recs[0]
        s.eq(rkey, key.encode() if key else None, "%r: record key = partition key" % body)
        s.eq(part, pid if pid is not None else h.eventhubs_partition(key, PARTITIONS),
            "%r: partition (%s)" % (body, "id sent to" if pid is not None else "Event Hubs hash"))
        names = [n for n, _ in headers]
        s.eq(names[:len(props)], [p[0] for p in props], "%r: application properties first, in order" % body)
        s.ok(len(names) > len(props) and names[len(props)] == "x-tributary-src"
            and dict(headers)["x-tributary-src"] == b"amqp", "%r: then x-tributary-src = amqp" % body, names)
        hv = dict(headers[:len(props)])
        for name, typ, val in props:
            try:
                v = h.amqp_decode_exact(hv.get(name) or b"")
                s.ok(v.type == typ and v.value == val, "%r: header %s is AMQP %s %r" % (body, name, typ, val),
                    "got %r" % (v,))
            except h.AmqpDecodeError as exc:
                s.checks.error("%r: header %s is one AMQP value" % (body, name), exc)
        if body == b"sdk-1":
            s.eq(hv.get("s"), h.amqp_enc_string("hello"), "string header = exact encoding a1 05 hello")


def kafka_to_sdk(s, gw):
    from confluent_kafka import Producer
    p = Producer(h.kafka_conf(gw, {"acks": "all", "linger.ms": 0}))
    for key, value, headers in KAFKA_SENT:
        p.produce("eh1", value=value, key=key, partition=KAFKA_PARTITION, headers=headers or None)
    s.eq(p.flush(20 * h.time_scale()), 0, "confluent_kafka produced %d records to eh1/%d" % (len(KAFKA_SENT), KAFKA_PARTITION))
    rc, out = r.node(s, gw, "cross_sdk.mjs", ["read", str(KAFKA_PARTITION), str(len(KAFKA_SENT))], what="SDK read")
    events = [json.loads(line[6:]) for line in out.splitlines() if line.startswith("EVENT ")]
    if not s.eq(len(events), len(KAFKA_SENT), "SDK received %d events" % len(KAFKA_SENT)):
        return
    for i, ((key, value, headers), ev) in enumerate(zip(KAFKA_SENT, events)):
        where = "Kafka record %d" % i
        s.eq(ev["sequenceNumber"], i, "%s: sequenceNumber = Kafka offset" % where)
        s.ok(isinstance(ev["offset"], str), "%s: offset is a string (%r)" % (where, ev["offset"]))
        s.eq(ev["bodyType"], "data", "%s: body is a data section" % where)
        s.eq(ev["body"], {"binary": value.hex()}, "%s: body bytes = record value" % where)
        want = dict(headers)
        s.eq(ev["propertyOrder"], list(want), "%s: application property names" % where)
        s.eq(ev["properties"], {n: {"binary": v.hex()} for n, v in want.items()},
            "%s: properties are the header values as binary" % where)
        kk = ev["annotations"].get("x-opt-kafka-key")
        s.eq(kk, {"binary": key.hex()} if key is not None else None, "%s: x-opt-kafka-key" % where)
        s.ok(not any(k.startswith("x-tributary-") for k in list(ev["properties"]) + list(ev["annotations"])),
            "%s: no x-tributary-* bookkeeping" % where, ev)


def main():
    with h.Session("js_kafka_cross") as s:
        gw = r.start_gateway(s)
        sdk_to_kafka(s, gw)
        kafka_to_sdk(s, gw)


if __name__ == "__main__":
    main()
