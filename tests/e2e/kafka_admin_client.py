#!/usr/bin/python3
"""e2e: Kafka admin clients against topic and broker configs, groups and the cluster.

python3-confluent-kafka 1.7 (librdkafka 2.0.2) has AdminClient create_topics,
describe_configs (DescribeConfigs v1, synonyms asked), alter_configs (AlterConfigs,
which replaces a topic's whole set) and list_groups; it has no
incremental_alter_configs (librdkafka 2.2) nor describe_cluster. kafka-python 2.0.2's
KafkaAdminClient has describe_configs (v2), alter_configs (v1),
list_consumer_groups and describe_consumer_groups. IncrementalAlterConfigs (v1,
flexible) and DescribeCluster (v1) go over a raw socket.

1. create_topics, then describe_configs of the topic: every key with its default,
   DEFAULT_CONFIG or STATIC_BROKER_CONFIG (max.message.bytes follows the gateway's
   message.max.bytes) with the broker-level synonym; of the broker ("0"): the settings
   clients read, read-only (message.max.bytes, num.partitions, ...).
2. alter_configs sets retention.ms and max.message.bytes: DYNAMIC_TOPIC_CONFIG with
   the override and the default as synonyms; a bigger produce now fails with
   MESSAGE_TOO_LARGE while a small one passes; an alter naming only one key puts the
   other back to its default; validate_only changes nothing; a bad value is
   INVALID_CONFIG with tcfg's message, an unknown topic UNKNOWN_TOPIC_OR_PARTITION,
   the broker INVALID_REQUEST (read-only).
3. IncrementalAlterConfigs v1: SET and DELETE, APPEND on a non-list key refused
   (INVALID_CONFIG); kafka-python describe_configs / alter_configs agree.
4. Groups: a consumer group that committed is listed (confluent list_groups,
   kafka-python list_consumer_groups) and described (kafka-python, Empty).
5. After a restart the altered configs are still described as topic overrides and
   still act (the big produce is still refused).
6. A Listen-only policy describes configs but gets TOPIC_AUTHORIZATION_FAILED (29)
   from AlterConfigs and IncrementalAlterConfigs.
7. DescribeCluster v1: the one broker at the advertised port, cluster id = Metadata's.
"""

import json
import os
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

from confluent_kafka import Consumer, KafkaError, KafkaException, Producer  # noqa: E402
from confluent_kafka.admin import (AdminClient, ConfigResource, ConfigSource,  # noqa: E402
                                   NewTopic)

TOPIC = "adm-t"
GROUP = "adm-g"
LISTEN_KEY = "adm-listen-key"
DEFAULT_MAX = str(1048576 + 12)  # max_message_bytes' default plus Kafka's log overhead
RETENTION_DEFAULT = "604800000"


def config(path):
    cfg = {"UserConfig": {"NamespaceConfig": [{"Type": "EventHub", "Name": "ns",
        "Entities": [{"Name": "eh1", "PartitionCount": "1", "ConsumerGroups": []}]}]},
        "Tributary": {"auth": {"policies": [
            {"name": "listen-all", "key": LISTEN_KEY, "rights": ["Listen"]}]}}}
    with open(path, "w") as f:
        json.dump(cfg, f)


def admin(gw, **auth):
    return AdminClient(h.kafka_conf(gw, **auth))


def result(future):
    """The future's value, or the Kafka error code it failed with."""
    try:
        return future.result(20 * h.time_scale())
    except KafkaException as exc:
        return exc.args[0].code()


def describe(gw, restype, name, **auth):
    """{name: ConfigEntry} of one resource, or its error code."""
    a = admin(gw, **auth)  # alive until the future is done: a destroyed client fails it
    res = ConfigResource(restype, name)
    return result(a.describe_configs([res])[res])


def alter(gw, name, values, validate_only=False, restype=ConfigResource.Type.TOPIC, **auth):
    """alter_configs of one resource: 0 or the error code."""
    a = admin(gw, **auth)
    res = ConfigResource(restype, name, set_config=values)
    out = result(a.alter_configs([res], validate_only=validate_only)[res])
    return 0 if out is None else out


def produce(gw, size):
    """Delivery error code of one record of `size` bytes to TOPIC partition 0."""
    codes = []
    p = Producer(h.kafka_conf(gw, {"acks": "all", "linger.ms": 0,
        "message.timeout.ms": int(10000 * h.time_scale())}))
    p.produce(TOPIC, b"x" * size, partition=0,
        on_delivery=lambda err, msg: codes.append(err.code() if err else 0))
    p.flush(20 * h.time_scale())
    return codes[0] if codes else None

# ---------------------------------------------------------------- raw requests


def uvarint(n):
    out = b""
    while n >= 0x80:
        out += bytes([(n & 0x7F) | 0x80])
        n >>= 7
    return out + bytes([n])


def cstr(s):
    """A compact nullable string."""
    if s is None:
        return b"\0"
    b = s.encode()
    return uvarint(len(b) + 1) + b


class Reader:
    def __init__(self, buf):
        self.buf, self.pos = buf, 0

    def take(self, fmt):
        v = struct.unpack_from(fmt, self.buf, self.pos)
        self.pos += struct.calcsize(fmt)
        return v[0]

    def uvarint(self):
        n = shift = 0
        while True:
            b = self.buf[self.pos]
            self.pos += 1
            n |= (b & 0x7F) << shift
            shift += 7
            if b < 0x80:
                return n

    def cstr(self):
        n = self.uvarint()
        if n == 0:
            return None
        v = self.buf[self.pos:self.pos + n - 1].decode()
        self.pos += n - 1
        return v

    def tags(self):
        assert self.uvarint() == 0, "no tagged fields expected"

    def done(self):
        assert self.pos == len(self.buf), "%d bytes left" % (len(self.buf) - self.pos)


def raw_flex(gw, api, ver, body, **auth):
    """A flexible request (header v2) on a logged-in socket; the body of the answer."""
    with h.kafka_connect(gw, **auth) as sock:
        req = struct.pack(">hhih", api, ver, 7, 3) + b"e2e" + b"\0" + body
        sock.sendall(struct.pack(">i", len(req)) + req)
        resp = h._recv_exact(sock, struct.unpack(">i", h._recv_exact(sock, 4))[0])
    assert struct.unpack(">i", resp[:4])[0] == 7 and resp[4] == 0, "response header v1"
    return resp[5:]


def incremental(gw, topic, ops, validate_only=False, **auth):
    """IncrementalAlterConfigs v1 of one topic, ops [(name, op, value)]: (code, message)."""
    body = uvarint(2) + struct.pack(">b", 2) + cstr(topic) + uvarint(len(ops) + 1)
    for name, op, value in ops:
        body += cstr(name) + struct.pack(">b", op) + cstr(value) + b"\0"
    body += b"\0" + struct.pack(">?", validate_only) + b"\0"
    r = Reader(raw_flex(gw, 44, 1, body, **auth))
    r.take(">i")
    assert r.uvarint() == 2
    code, msg = r.take(">h"), r.cstr()
    assert r.take(">b") == 2 and r.cstr() == topic
    r.tags()
    r.tags()
    r.done()
    return code, msg


def describe_cluster(gw):
    body = b"\0" + struct.pack(">b", 1) + b"\0"  # no authorized operations, brokers, no tags
    r = Reader(raw_flex(gw, 60, 1, body))
    out = {"throttle": r.take(">i"), "error": r.take(">h"), "message": r.cstr(),
        "endpoint_type": r.take(">b"), "cluster_id": r.cstr(), "controller": r.take(">i")}
    out["brokers"] = []
    for _ in range(r.uvarint() - 1):
        out["brokers"].append((r.take(">i"), r.cstr(), r.take(">i"), r.cstr()))
        r.tags()
    out["ops"] = r.take(">i")
    r.tags()
    r.done()
    return out

# ---------------------------------------------------------------- parts


def describe_part(s, gw):
    a = admin(gw)
    s.eq(result(a.create_topics([NewTopic(TOPIC, 3, 1)])[TOPIC]), None,
        "create_topics %s" % TOPIC)
    cfg = describe(gw, ConfigResource.Type.TOPIC, TOPIC)
    s.ok(isinstance(cfg, dict), "describe_configs of the topic", cfg)
    if not isinstance(cfg, dict):
        return
    s.eq(sorted(cfg), ["cleanup.policy", "max.message.bytes", "message.timestamp.type",
        "retention.bytes", "retention.ms", "segment.bytes", "segment.ms"],
        "every topic config is listed")
    r = cfg["retention.ms"]
    s.eq((r.value, r.source, r.is_default, r.is_read_only),
        (RETENTION_DEFAULT, ConfigSource.DEFAULT_CONFIG.value, True, False),
        "retention.ms: 7 days, DEFAULT_CONFIG, default, writable")
    s.eq([(y.name, y.value) for y in r.synonyms.values()] if isinstance(r.synonyms, dict)
        else [(y.name, y.value) for y in r.synonyms], [("log.retention.ms", RETENTION_DEFAULT)],
        "retention.ms synonym: log.retention.ms")
    m = cfg["max.message.bytes"]
    s.eq((m.value, m.source), (DEFAULT_MAX, ConfigSource.STATIC_BROKER_CONFIG.value),
        "max.message.bytes follows the gateway's message.max.bytes (STATIC_BROKER_CONFIG)")
    s.eq(cfg["message.timestamp.type"].value, "LogAppendTime", "message.timestamp.type default")
    b = describe(gw, ConfigResource.Type.BROKER, "0")
    s.ok(isinstance(b, dict), "describe_configs of broker 0", b)
    if isinstance(b, dict):
        s.eq({k: b[k].value for k in ("message.max.bytes", "num.partitions",
            "auto.create.topics.enable", "broker.id", "default.replication.factor")},
            {"message.max.bytes": DEFAULT_MAX, "num.partitions": "4",
             "auto.create.topics.enable": "true", "broker.id": "0",
             "default.replication.factor": "1"}, "broker configs from the gateway's settings")
        s.ok(all(e.is_read_only for e in b.values()), "every broker config is read-only")
    s.eq(describe(gw, ConfigResource.Type.TOPIC, "no-such-topic"),
        KafkaError.UNKNOWN_TOPIC_OR_PART, "describe_configs of an unknown topic")


def alter_part(s, gw):
    s.eq(alter(gw, TOPIC, {"retention.ms": "3600000", "max.message.bytes": "2000"}), 0,
        "alter_configs retention.ms and max.message.bytes")
    cfg = describe(gw, ConfigResource.Type.TOPIC, TOPIC)
    r = cfg["retention.ms"]
    s.eq((r.value, r.source, r.is_default), ("3600000",
        ConfigSource.DYNAMIC_TOPIC_CONFIG.value, False), "retention.ms is a topic override")
    syn = r.synonyms.values() if isinstance(r.synonyms, dict) else r.synonyms
    s.eq([(y.name, y.value) for y in syn], [("retention.ms", "3600000"),
        ("log.retention.ms", RETENTION_DEFAULT)], "synonyms: the override, then the default")
    s.eq(produce(gw, 4000), KafkaError.MSG_SIZE_TOO_LARGE,
        "a 4000-byte record over max.message.bytes 2000: MESSAGE_TOO_LARGE")
    s.eq(produce(gw, 100), 0, "a 100-byte record passes")
    s.eq(alter(gw, TOPIC, {"max.message.bytes": "2000"}), 0, "alter_configs one key")
    cfg = describe(gw, ConfigResource.Type.TOPIC, TOPIC)
    s.eq((cfg["retention.ms"].value, cfg["retention.ms"].source),
        (RETENTION_DEFAULT, ConfigSource.DEFAULT_CONFIG.value),
        "AlterConfigs replaces the set: retention.ms back to its default")
    s.eq(alter(gw, TOPIC, {"retention.ms": "1"}, validate_only=True), 0, "validate_only")
    s.eq(describe(gw, ConfigResource.Type.TOPIC, TOPIC)["max.message.bytes"].value, "2000",
        "validate_only changed nothing")
    s.eq(alter(gw, TOPIC, {"retention.ms": "-5"}), KafkaError.INVALID_CONFIG,
        "a bad value: INVALID_CONFIG")
    s.eq(alter(gw, TOPIC, {"cleanup.policy": "compact"}), KafkaError.INVALID_CONFIG,
        "cleanup.policy compact: INVALID_CONFIG")
    s.eq(alter(gw, "no-such-topic", {"retention.ms": "1"}), KafkaError.UNKNOWN_TOPIC_OR_PART,
        "alter an unknown topic")
    s.eq(alter(gw, "0", {"num.partitions": "9"}, restype=ConfigResource.Type.BROKER),
        KafkaError.INVALID_REQUEST, "alter a broker config: INVALID_REQUEST (read-only)")


def incremental_part(s, gw):
    from kafka.admin import ConfigResource as KpRes, ConfigResourceType, KafkaAdminClient
    s.eq(incremental(gw, TOPIC, [("retention.ms", 0, "7200000"),
        ("max.message.bytes", 1, None)]), (0, None),
        "IncrementalAlterConfigs v1: SET retention.ms, DELETE max.message.bytes")
    code, msg = incremental(gw, TOPIC, [("retention.ms", 2, "5")])
    s.eq(code, KafkaError.INVALID_CONFIG, "APPEND to a non-list key: INVALID_CONFIG")
    s.ok(msg and "append" in msg, "with a message", msg)
    s.eq(incremental(gw, TOPIC, [("cleanup.policy", 2, "delete")])[0], 0,
        "APPEND delete to cleanup.policy")
    kp = KafkaAdminClient(**h.kafka_python_kw(gw, request_timeout_ms=int(20000 *
        h.time_scale())))
    try:
        resp = kp.describe_configs([KpRes(ConfigResourceType.TOPIC, TOPIC)],
            include_synonyms=True)
        entries = {e[0]: e for r in resp for res in r.resources for e in res[4]}
        s.eq(entries.get("retention.ms", (None, None))[1], "7200000",
            "kafka-python describe_configs sees the SET")
        s.eq(entries.get("max.message.bytes", (None, None))[1], DEFAULT_MAX,
            "kafka-python describe_configs sees the DELETE")
        resp = kp.alter_configs([KpRes(ConfigResourceType.TOPIC, TOPIC,
            configs={"retention.ms": "86400000", "max.message.bytes": "2000",
                     "message.timestamp.type": "CreateTime"})])
        s.eq([res[0] for res in resp.resources], [0], "kafka-python alter_configs")
    finally:
        kp.close()
    cfg = describe(gw, ConfigResource.Type.TOPIC, TOPIC)
    s.eq({k: cfg[k].value for k in ("retention.ms", "max.message.bytes",
        "message.timestamp.type", "cleanup.policy")},
        {"retention.ms": "86400000", "max.message.bytes": "2000",
         "message.timestamp.type": "CreateTime", "cleanup.policy": "delete"},
        "confluent describe_configs sees kafka-python's alter_configs")


def groups_part(s, gw):
    from kafka.admin import KafkaAdminClient
    s.eq(produce(gw, 10), 0, "a record for the group to consume")
    c = Consumer(h.kafka_conf(gw, {"group.id": GROUP, "auto.offset.reset": "earliest",
        "enable.auto.commit": False}))
    try:
        c.subscribe([TOPIC])
        deadline = time.monotonic() + 30 * h.time_scale()
        got = None
        while got is None and time.monotonic() < deadline:
            m = c.poll(0.5)
            if m is not None and not m.error():
                got = m
        s.ok(got is not None, "the group consumes a record")
        if got is not None:
            c.commit(message=got, asynchronous=False)
    finally:
        c.close()
    groups = admin(gw).list_groups(timeout=20 * h.time_scale())
    s.ok(GROUP in [g.id for g in groups], "confluent list_groups lists %s" % GROUP,
        [g.id for g in groups])
    kp = KafkaAdminClient(**h.kafka_python_kw(gw, request_timeout_ms=int(20000 *
        h.time_scale())))
    try:
        listed = kp.list_consumer_groups()
        s.ok(GROUP in [g for g, _ in listed], "kafka-python list_consumer_groups", listed)
        desc = kp.describe_consumer_groups([GROUP])
        s.eq([(d.group, d.state) for d in desc], [(GROUP, "Empty")],
            "kafka-python describe_consumer_groups: Empty after the consumer left")
    finally:
        kp.close()


def restart_part(s, gw):
    gw.stop()
    gw.start()
    cfg = describe(gw, ConfigResource.Type.TOPIC, TOPIC)
    s.ok(isinstance(cfg, dict), "describe_configs after a restart", cfg)
    if not isinstance(cfg, dict):
        return
    s.eq({k: (cfg[k].value, cfg[k].source) for k in ("retention.ms", "max.message.bytes")},
        {"retention.ms": ("86400000", ConfigSource.DYNAMIC_TOPIC_CONFIG.value),
         "max.message.bytes": ("2000", ConfigSource.DYNAMIC_TOPIC_CONFIG.value)},
        "after a restart the overrides are still there")
    s.eq(produce(gw, 4000), KafkaError.MSG_SIZE_TOO_LARGE,
        "after a restart max.message.bytes still refuses a 4000-byte record")


def authorization_part(s, gw):
    auth = {"policy": "listen-all", "key": LISTEN_KEY}
    cfg = describe(gw, ConfigResource.Type.TOPIC, TOPIC, **auth)
    s.ok(isinstance(cfg, dict) and cfg["retention.ms"].value == "86400000",
        "Listen-only: describe_configs works", cfg)
    s.eq(alter(gw, TOPIC, {"retention.ms": "1"}, **auth),
        KafkaError.TOPIC_AUTHORIZATION_FAILED, "Listen-only: alter_configs gets 29")
    s.eq(incremental(gw, TOPIC, [("retention.ms", 0, "1")], **auth)[0],
        KafkaError.TOPIC_AUTHORIZATION_FAILED, "Listen-only: IncrementalAlterConfigs gets 29")
    s.eq(describe(gw, ConfigResource.Type.TOPIC, TOPIC)["retention.ms"].value, "86400000",
        "nothing changed")


def cluster_part(s, gw):
    d = describe_cluster(gw)
    s.eq((d["error"], d["endpoint_type"], d["controller"], d["brokers"]),
        (0, 1, 0, [(0, "127.0.0.1", gw.kafka_port, None)]),
        "DescribeCluster v1: this broker, controller 0")
    md = admin(gw).list_topics(timeout=10 * h.time_scale())
    s.eq(d["cluster_id"], md.cluster_id, "DescribeCluster's cluster id is Metadata's")


if __name__ == "__main__":
    with h.Session("kafka_admin_client") as s:
        path = os.path.join(s.workdir, "Config.json")
        config(path)
        gw = s.gateway(extra=["--config", path])
        for part in (describe_part, alter_part, incremental_part, groups_part, restart_part,
                     authorization_part, cluster_part):
            try:
                part(s, gw)
            except Exception as exc:
                s.checks.error(part.__name__, exc)
