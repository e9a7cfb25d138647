#!/usr/bin/python3
"""e2e (c): an AMQP 1.0 sender (python3-qpid-proton) writes to `eh1` and
`eh1/Partitions/<n>`; a Kafka consumer (confluent_kafka, i.e. librdkafka) reads
the events.

Expected (DESIGN.md §3): record value = the data section; record key = the
x-opt-partition-key annotation (UTF-8); headers = the application properties,
in order, each valued with the property's full AMQP encoding (string "hello" =
A1 05 68 65 6C 6C 6F, int 1234 = 71 00 00 04 D2), then the marker
x-tributary-src = "amqp". A keyed event sent to `eh1` lands in the partition
the Event Hubs hash gives; one sent to `eh1/Partitions/2` lands in 2.
Then the same events read back over AMQP come back as sent: body, typed
application properties, x-opt-partition-key, and no x-tributary-* bookkeeping.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

from proton import Message, int32, symbol  # noqa: E402

PARTITIONS = 4


def message(body, key=None, props=None):
    m = Message(body=body, inferred=True)  # inferred + bytes = one data section
    if props:
        m.properties = props
    if key is not None:
        m.annotations = {symbol("x-opt-partition-key"): key}
    return m


SENDS = [
    # address, body, partition key, application properties
    ("eh1", b"amqp-1", "pk-a", {"s": "hello", "i": int32(1234), "l": 5000000000,
        "flag": True, "bin": b"\x00\x01\x02"}),
    ("eh1", b"amqp-2", "pk-b", {"s": "second"}),
    ("eh1", b"amqp-3 no key", None, {"only": "props"}),
    ("eh1/Partitions/2", b"amqp-4 to p2", "pk-c", {"s": "to partition 2", "i": int32(-1)}),
    ("eh1/Partitions/3", b"amqp-5 to p3", None, {}),
]

def want_prop(name, value):
    """(exact bytes or None, AMQP type, value) expected for a sent property."""
    if isinstance(value, bool):
        return (None, "boolean", value)
    if isinstance(value, int32):
        return (h.amqp_enc_int(value) if not -128 <= value <= 127 else None, "int", int(value))
    if isinstance(value, int):
        return (None, "long", value)
    if isinstance(value, bytes):
        return (b"\xa0" + bytes([len(value)]) + value, "binary", value)
    return (h.amqp_enc_string(value), "string", value)


def check_headers(s, where, headers, props):
    names = [n for n, _ in headers]
    s.eq(names[:len(props)], list(props), "%s: application properties first, in order" % where)
    s.ok(len(names) > len(props) and names[len(props)] == "x-tributary-src",
        "%s: then the x-tributary-src marker" % where, names)
    hmap = dict(headers)
    s.eq(hmap.get("x-tributary-src"), b"amqp", "%s: x-tributary-src = amqp" % where)
    for name, value in props.items():
        exact, typ, val = want_prop(name, value)
        raw = hmap.get(name)
        if not s.ok(raw is not None, "%s: header %s present" % (where, name)):
            continue
        if exact is not None:
            s.eq(raw, exact, "%s: header %s = exact AMQP encoding" % (where, name))
        try:
            v = h.amqp_decode_exact(raw)
            s.ok(v.type == typ and v.value == val, "%s: header %s decodes to %s %r" % (where, name, typ, val),
                "got %r" % (v,))
        except h.AmqpDecodeError as exc:
            s.checks.error("%s: header %s is one AMQP value" % (where, name), exc)


def main():
    with h.Session("amqp_to_kafka") as s:
        gw = s.gateway()
        # Spec examples, exact: string "hello" and int 1234 (eventhubs-surface.md §5).
        assert h.amqp_enc_string("hello") == bytes.fromhex("a10568656c6c6f")
        assert h.amqp_enc_int(1234) == bytes.fromhex("71000004d2")

        by_addr = {}
        for addr, body, key, props in SENDS:
            by_addr.setdefault(addr, []).append(message(body, key, props))
        for addr, msgs in by_addr.items():
            try:
                h.amqp_send(gw, addr, msgs)
                s.ok(True, "AMQP send of %d message(s) to %s accepted" % (len(msgs), addr))
            except Exception as exc:
                s.checks.error("AMQP send to %s" % addr, exc)

        try:
            got = h.kafka_consume_all(gw, "eh1", list(range(PARTITIONS)))
        except Exception as exc:
            s.checks.error("confluent_kafka reads eh1 from the beginning to the end", exc)
            return
        found = {}
        for part, recs in got.items():
            for off, key, value, headers, ts in recs:
                found.setdefault(value, []).append((part, off, key, headers, ts))
        s.eq(sum(len(v) for v in got.values()), len(SENDS), "Kafka sees exactly %d records" % len(SENDS))

        for addr, body, key, props in SENDS:
            where = "%r via %s" % (body, addr)
            recs = found.get(body, [])
            if not s.eq(len(recs), 1, "%s: stored once" % where):
                continue
            part, off, rkey, headers, ts = recs[0]
            s.eq(rkey, key.encode() if key is not None else None, "%s: record key = partition key" % where)
            if addr.startswith("eh1/Partitions/"):
                s.eq(part, int(addr.rsplit("/", 1)[1]), "%s: partition from the address" % where)
            elif key is not None:
                s.eq(part, h.eventhubs_partition(key, PARTITIONS),
                    "%s: partition = Event Hubs hash of %r" % (where, key))
            check_headers(s, where, headers, props)
            s.ok(ts[0] != 0 and ts[1] > 0, "%s: record has a timestamp" % where, ts)

        # Round trip: read the events back over AMQP.
        for addr, body, key, props in SENDS:
            recs = found.get(body, [])
            if len(recs) != 1:
                continue
            part, off = recs[0][0], recs[0][1]
            where = "AMQP re-read of %r" % body
            try:
                raws = h.amqp_receive_raw(gw, "eh1/ConsumerGroups/$Default/Partitions/%d" % part, 1,
                    expr="amqp.annotation.x-opt-sequence-number >= '%d'" % off, settle_wait=0)
                d = h.Delivered(raws[0])
            except Exception as exc:
                s.checks.error(where, exc)
                continue
            s.eq(d.data, [body], "%s: one data section, same body" % where)
            s.eq(sorted(d.app_props), sorted(props), "%s: same application property names" % where)
            for name, value in props.items():
                exact, typ, val = want_prop(name, value)
                got_v = d.app_props.get(name)
                s.ok(got_v is not None and got_v.type == typ and got_v.value == val,
                    "%s: property %s is %s %r" % (where, name, typ, val), "got %r" % (got_v,))
            pk = d.annotations.get("x-opt-partition-key")
            if key is not None:
                s.ok(pk is not None and pk.type == "string" and pk.value == key,
                    "%s: x-opt-partition-key = %r" % (where, key), "got %r" % (pk,))
            s.ok("x-opt-kafka-key" not in d.annotations,
                "%s: no x-opt-kafka-key on an AMQP-written event" % where, sorted(d.annotations))
            s.eq(d.annotations.get("x-opt-sequence-number").value if "x-opt-sequence-number" in
                d.annotations else None, off, "%s: x-opt-sequence-number = Kafka offset" % where)
            s.ok(not any(k.startswith("x-tributary-") for k in d.app_props),
                "%s: bookkeeping headers stripped" % where, sorted(d.app_props))


if __name__ == "__main__":
    main()
