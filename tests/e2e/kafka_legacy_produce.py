#!/usr/bin/python3
"""e2e: producers that send Kafka message sets (magic 0 and 1, Produce v0-v2).

Old clients and old client settings still send message sets; the gateway
up-converts each set to one RecordBatch v2 (lib/msgset.c). For every codec
(none, gzip, snappy, lz4) the test produces 25 records with keys, null keys,
null values and timestamps through:
  - librdkafka 2.0.2 with api.version.request=false and
    broker.version.fallback 0.8.2 (Produce v0, magic 0) or 0.9.0 (Produce v1,
    magic 0), which skip ApiVersions and SASL;
  - kafka-python with api_version (0, 8, 2) (Produce v0), (0, 9) (v1) and
    (0, 10, 0) (v2, magic 1, timestamps); kafka-python needs python3-xxhash
    for magic 0 lz4, which Debian's package does not pull in, so those two are
    left out;
  - librdkafka at its normal versions (record batches), for comparison.
A librdkafka consumer (check.crcs) then reads every topic back: offsets
0..24, the same keys and values, and for magic 1 the producer's timestamps
(stamped LogAppendTime by the topic's default: checked to be an append time).
These clients cannot log in, so the gateway runs with auth.required=false.
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

from confluent_kafka import Consumer, Producer, TopicPartition  # noqa: E402
from kafka import KafkaProducer  # noqa: E402

N = 25
TS = 1700000000000


def records(tag):
    return [(("%s-k%d" % (tag, i)).encode() if i % 5 else None,
             (("%s value %d " % (tag, i)) * (1 + i % 9)).encode() if i % 7 != 4 else None)
            for i in range(N)]


def produce_rdkafka(gw, topic, codec, extra):
    conf = h.kafka_conf(gw, {"compression.codec": codec, "linger.ms": 100, "acks": "all"},
                        sasl=False)
    conf.update(extra)
    p = Producer(conf)
    errs = []
    for i, (k, v) in enumerate(records(topic)):
        p.produce(topic, key=k, value=v, partition=0, timestamp=TS + i,
                  on_delivery=lambda e, m: errs.append(e) if e else None)
    left = p.flush(30 * h.time_scale())
    return left == 0 and not errs, errs[:1]


def produce_kafka_python(gw, topic, codec, api_version):
    p = KafkaProducer(bootstrap_servers=gw.bootstrap, api_version=api_version, linger_ms=100,
                      acks="all", compression_type=None if codec == "none" else codec)
    futures = [p.send(topic, key=k, value=v, partition=0, timestamp_ms=TS + i)
               for i, (k, v) in enumerate(records(topic))]
    p.flush(30 * h.time_scale())
    errs = []
    for f in futures:
        try:
            f.get(10 * h.time_scale())
        except Exception as exc:  # noqa: BLE001 - reported as a check
            errs.append(repr(exc))
    p.close(5)
    return not errs, errs[:1]


def consume(gw, topic):
    c = Consumer(h.kafka_conf(gw, {"group.id": "g-" + topic, "enable.auto.commit": False,
                                   "check.crcs": True}, sasl=False))
    c.assign([TopicPartition(topic, 0, 0)])
    got = []
    deadline = time.time() + 20 * h.time_scale()
    while len(got) < N and time.time() < deadline:
        m = c.poll(1)
        if m is not None and not m.error():
            got.append(m)
    c.close()
    return got


def check(s, gw, name, produce, magic1):
    ok, errs = produce(name)
    s.ok(ok, "%s: every record acknowledged" % name, errs)
    got = consume(gw, name)
    want = records(name)
    s.eq([m.offset() for m in got], list(range(N)), "%s: offsets read back" % name)
    s.ok(len(got) == N and all((m.key(), m.value()) == w for m, w in zip(got, want)),
         "%s: keys and values read back as produced" % name)
    if got and magic1:
        kind, ts = got[0].timestamp()
        s.ok(kind != 0 and ts > TS, "%s: a LogAppendTime timestamp (%s, %s)" % (name, kind, ts))


def main():
    with h.Session("kafka_legacy_produce") as s:
        gw = s.gateway(extra=("--set", "auth.required=false"))
        old = {"api.version.request": False}
        for codec in ("none", "gzip", "snappy", "lz4"):
            check(s, gw, "rdk-v0-" + codec, lambda t, c=codec: produce_rdkafka(
                gw, t, c, dict(old, **{"broker.version.fallback": "0.8.2"})), False)
            check(s, gw, "rdk-v1-" + codec, lambda t, c=codec: produce_rdkafka(
                gw, t, c, dict(old, **{"broker.version.fallback": "0.9.0"})), False)
            check(s, gw, "rdk-batch-" + codec, lambda t, c=codec: produce_rdkafka(
                gw, t, c, {}), True)
            if codec != "lz4":
                check(s, gw, "kpy-v0-" + codec, lambda t, c=codec: produce_kafka_python(
                    gw, t, c, (0, 8, 2)), False)
                check(s, gw, "kpy-v1-" + codec, lambda t, c=codec: produce_kafka_python(
                    gw, t, c, (0, 9)), False)
            check(s, gw, "kpy-v2-" + codec, lambda t, c=codec: produce_kafka_python(
                gw, t, c, (0, 10, 0)), True)


if __name__ == "__main__":
    main()
