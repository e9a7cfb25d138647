#!/usr/bin/python3
"""e2e (a): Kafka producers (kcat and a librdkafka C program) write keyed records
with headers to eh1; an AMQP 1.0 receiver (python3-qpid-proton) reads them from
eh1/ConsumerGroups/$Default/Partitions/<n> with the Event Hubs selector filter
`amqp.annotation.x-opt-offset > '-1'`.

Expected (DESIGN.md §3, eventhubs-surface.md §1.5/§5): body = the record value
as ONE data section; every Kafka header = an application property with a
BINARY value of the header bytes (and nothing else in application-properties);
message annotations (symbol keys) x-opt-kafka-key = key (binary),
x-opt-sequence-number = offset (long), x-opt-offset = offset as a decimal
string, x-opt-enqueued-time = a timestamp near now.
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

KCAT_PARTITION = 1
KCAT_RECORDS = [(b"kk-1", b"kcat value one"), (b"kk-2", b"kcat value two"),
    (b"kk-3", b"kcat value \xc3\xa9 three")]
KCAT_HEADERS = [("src", b"kcat"), ("trace", b"abc-123")]
C_COUNT = 8


def c_record(i):
    key = b"key-%d" % i
    value = b"value-%d" % i
    headers = [("h-str", b"hello-%d" % i), ("h-bin", bytes([0, 1, 0xfe, 0xff, i & 0xff])),
        ("h-empty", b"")]
    return key, value, headers


def check_delivery(s, d, want, t0, where):
    """One delivered message against the record it should be."""
    key, value, headers, offset = want
    s.eq(d.section_names.count("data"), 1, "%s: exactly one data section" % where)
    s.ok(not any(n in ("amqp-value", "amqp-sequence") for n in d.section_names),
        "%s: no amqp-value/amqp-sequence body" % where, d.section_names)
    s.eq(d.data[:1], [value], "%s: body = record value" % where)

    props = d.app_props
    s.eq(sorted(props), sorted(n for n, _ in headers),
        "%s: application properties = the Kafka headers, nothing else" % where)
    for name, hv in headers:
        pv = props.get(name)
        s.ok(pv is not None and pv.type == "binary" and pv.value == hv,
            "%s: header %s -> binary property %r" % (where, name, hv), "got %r" % (pv,))
    s.ok(all(t == "string" for t in d.app_prop_key_types.values()),
        "%s: application-property keys are strings" % where, d.app_prop_key_types)

    ann = d.annotations
    s.ok(all(t == "symbol" for t in d.annotation_key_types.values()),
        "%s: annotation keys are symbols" % where, d.annotation_key_types)
    kk = ann.get("x-opt-kafka-key")
    s.ok(kk is not None and kk.type == "binary" and kk.value == key,
        "%s: x-opt-kafka-key = binary %r" % (where, key), "got %r" % (kk,))
    sn = ann.get("x-opt-sequence-number")
    s.ok(sn is not None and sn.type == "long" and sn.value == offset,
        "%s: x-opt-sequence-number = long %d" % (where, offset), "got %r" % (sn,))
    off = ann.get("x-opt-offset")
    s.ok(off is not None and off.type == "string" and off.value == str(offset),
        "%s: x-opt-offset = string %r" % (where, str(offset)), "got %r" % (off,))
    et = ann.get("x-opt-enqueued-time")
    now_ms = int(time.time() * 1000)
    s.ok(et is not None and et.type == "timestamp" and t0 - 60000 <= et.value <= now_ms + 60000,
        "%s: x-opt-enqueued-time is a timestamp near now" % where,
        "got %r, window [%d, %d]" % (et, t0 - 60000, now_ms + 60000))
    s.ok(not any(k.startswith("x-tributary-") for k in props),
        "%s: no x-tributary-* bookkeeping leaks into properties" % where, sorted(props))


def main():
    with h.Session("kafka_to_amqp") as s:
        gw = s.gateway()
        t0 = int(time.time() * 1000)

        # 1. kcat, explicit partition, keys split on ':' and two headers on every record.
        lines = b"".join(k + b":" + v + b"\n" for k, v in KCAT_RECORDS)
        args = ["-P", "-t", "eh1", "-p", str(KCAT_PARTITION), "-K", ":"]
        for name, val in KCAT_HEADERS:
            args += ["-H", "%s=%s" % (name, val.decode())]
        p = h.kcat(gw, *args, input=lines)
        s.ok(p.returncode == 0, "kcat -P produced %d keyed records with headers" % len(KCAT_RECORDS),
            p.stderr.decode(errors="replace"))

        # 2. librdkafka C producer, key-based partitioner, acks=-1.
        p = h.run([h.tool("E2E_KAFKA_PRODUCE"), gw.bootstrap, "eh1", str(C_COUNT)] +
            h.kafka_args(gw))
        s.ok(p.returncode == 0, "librdkafka producer: %d records acknowledged" % C_COUNT,
            p.stderr.decode(errors="replace"))
        landed = {}
        for line in p.stdout.decode().splitlines():
            f = line.split()
            if len(f) == 4 and f[0] == "DR":
                landed[int(f[1])] = (int(f[2]), int(f[3]))
        s.eq(len(landed), C_COUNT, "every C record has a delivery report")

        # Expected content per partition, by value (offsets of kcat records come from AMQP).
        by_part = {}
        for k, v in KCAT_RECORDS:
            by_part.setdefault(KCAT_PARTITION, {})[v] = (k, v, KCAT_HEADERS, None)
        for i, (part, off) in landed.items():
            k, v, hdrs = c_record(i)
            by_part.setdefault(part, {})[v] = (k, v, hdrs, off)

        for part in sorted(by_part):
            want = by_part[part]
            addr = "eh1/ConsumerGroups/$Default/Partitions/%d" % part
            try:
                raws = h.amqp_receive_raw(gw, addr, len(want))
            except Exception as exc:
                s.checks.error("AMQP receive %d messages from %s" % (len(want), addr), exc)
                continue
            s.eq(len(raws), len(want), "%s: %d messages, no more" % (addr, len(want)))
            offsets = []
            for n, raw in enumerate(raws):
                where = "%s msg %d" % (addr, n)
                try:
                    d = h.Delivered(raw)
                except h.AmqpDecodeError as exc:
                    s.checks.error("%s decodes as AMQP sections" % where, exc)
                    continue
                body = d.data[0] if d.data else None
                w = want.get(body)
                if not s.ok(w is not None, "%s: body %r is one of the produced values" % (where, body)):
                    continue
                sn = d.annotations.get("x-opt-sequence-number")
                offset = sn.value if sn is not None else -1
                offsets.append(offset)
                if w[3] is not None:
                    s.eq(offset, w[3], "%s: offset matches the producer's delivery report" % where)
                check_delivery(s, d, (w[0], w[1], w[2], offset), t0, where)
            s.eq(offsets, sorted(offsets), "%s: delivered in offset order" % addr)
            s.eq(len(set(offsets)), len(offsets), "%s: no offset delivered twice" % addr)

        # Starting after an offset: a selector with a real offset skips what precedes it.
        part = KCAT_PARTITION
        n_all = len(by_part[part])
        if n_all >= 2:
            try:
                raws = h.amqp_receive_raw(gw, "eh1/ConsumerGroups/$Default/Partitions/%d" % part,
                    n_all - 1, expr="amqp.annotation.x-opt-offset > '0'")
                seqs = [h.Delivered(r).annotations["x-opt-sequence-number"].value for r in raws]
                s.eq(seqs, list(range(1, n_all)), "offset filter > '0' starts at offset 1")
            except Exception as exc:
                s.checks.error("AMQP receive with x-opt-offset > '0'", exc)


if __name__ == "__main__":
    main()
