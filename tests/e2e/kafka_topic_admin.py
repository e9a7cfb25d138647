#!/usr/bin/python3
"""e2e: Kafka topic administration (DeleteTopics, CreatePartitions, DeleteRecords).

- kafka-python KafkaAdminClient: create_topics, create_partitions (grow; shrinking or an
  equal count refused with InvalidPartitionsError), delete_topics; the topic's storage
  directory is gone after the delete, Metadata no longer lists it, and a restart does not
  bring it back; the name can be created again, empty;
- confluent_kafka AdminClient: create_partitions and delete_topics (1.7 has no
  delete_records); a producer writes to a new partition;
- topic configs at creation (CreateTopics v4 from confluent_kafka, v3 from kafka-python):
  kept in hub.json and after a restart; compaction, an unknown name or a bad value are
  refused with INVALID_CONFIG (40) and make nothing; validate_only makes nothing;
- DeleteRecords v0 on a raw socket (neither Debian client has it): the log start moves
  (low watermark answered, ListOffsets earliest and a consumer from the beginning start
  there, also after a restart), -1 = the high watermark, past it OFFSET_OUT_OF_RANGE (1),
  an unknown partition 3.
"""

import json
import os
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

from confluent_kafka import Consumer, Producer, TopicPartition  # noqa: E402
from confluent_kafka.admin import AdminClient, NewPartitions  # noqa: E402
from kafka.admin import KafkaAdminClient, NewPartitions as KpNewPartitions, NewTopic  # noqa: E402
from kafka.errors import InvalidPartitionsError  # noqa: E402


def kp_admin(gw):
    return KafkaAdminClient(**h.kafka_python_kw(gw, request_timeout_ms=10000))


def topic_dir(gw, name):
    return os.path.join(gw.data_dir, name)


def listed(gw, name):
    a = AdminClient(h.kafka_conf(gw))
    return name in a.list_topics(timeout=10).topics


def partitions(gw, name):
    a = AdminClient(h.kafka_conf(gw))
    t = a.list_topics(name, timeout=10).topics.get(name)
    return len(t.partitions) if t is not None and t.error is None else 0


def produce(gw, topic, n, partition=0):
    p = Producer(h.kafka_conf(gw, {"acks": "all"}))
    for i in range(n):
        p.produce(topic, value=b"v%d" % i, partition=partition)
    return p.flush(30)


def kafka_python_part(s, gw):
    a = kp_admin(gw)
    try:
        a.create_topics([NewTopic("kp-t", num_partitions=2, replication_factor=1)])
        s.ok(os.path.isdir(topic_dir(gw, "kp-t")), "create_topics: storage directory made")
        a.create_partitions({"kp-t": KpNewPartitions(total_count=5)})
        s.eq(partitions(gw, "kp-t"), 5, "create_partitions grew the topic to 5")
        for count in (5, 3):
            try:
                a.create_partitions({"kp-t": KpNewPartitions(total_count=count)})
                s.ok(False, "create_partitions to %d refused" % count)
            except InvalidPartitionsError:
                s.ok(True, "create_partitions to %d refused with INVALID_PARTITIONS" % count)
        s.eq(produce(gw, "kp-t", 3, partition=4), 0, "produce to the new partition 4")
        a.delete_topics(["kp-t"])
    finally:
        a.close()
    s.ok(not os.path.exists(topic_dir(gw, "kp-t")), "delete_topics: storage directory gone")
    s.ok(not listed(gw, "kp-t"), "delete_topics: Metadata no longer lists it")
    leftovers = [n for n in os.listdir(gw.data_dir) if n.startswith(".deleted.")]
    s.eq(leftovers, [], "no tombstone left behind")


def confluent_part(s, gw):
    a = AdminClient(h.kafka_conf(gw))
    from confluent_kafka.admin import NewTopic as CkNewTopic
    for f in a.create_topics([CkNewTopic("ck-t", 1, 1)]).values():
        f.result(30)
    for f in a.create_partitions([NewPartitions("ck-t", 3)]).values():
        f.result(30)
    s.eq(partitions(gw, "ck-t"), 3, "confluent create_partitions grew the topic to 3")
    try:
        for f in a.create_partitions([NewPartitions("ck-t", 2)]).values():
            f.result(30)
        s.ok(False, "confluent create_partitions shrink refused")
    except Exception as e:  # KafkaException(INVALID_PARTITIONS)
        s.ok("INVALID_PARTITIONS" in str(e), "confluent shrink refused: %s" % e)
    s.eq(produce(gw, "ck-t", 2, partition=2), 0, "produce to the new partition 2")
    for f in a.delete_topics(["ck-t"]).values():
        f.result(30)
    s.ok(not os.path.exists(topic_dir(gw, "ck-t")), "confluent delete_topics: directory gone")
    try:
        for f in a.delete_topics(["ck-t"]).values():
            f.result(30)
        s.ok(False, "deleting it again fails")
    except Exception as e:
        s.ok("UNKNOWN_TOPIC" in str(e), "deleting it again: %s" % e)


def hub_config(gw, name):
    """The topic configs the hub overrides, as hub.json keeps them."""
    with open(os.path.join(topic_dir(gw, name), "hub.json")) as f:
        return json.load(f).get("config", {})


CK_CONFIGS = {"retention.ms": "3600000", "message.timestamp.type": "CreateTime"}


def configs_part(s, gw):
    from confluent_kafka.admin import NewTopic as CkNewTopic
    a = AdminClient(h.kafka_conf(gw))
    for f in a.create_topics([CkNewTopic("cfg-ck", 1, 1, config=CK_CONFIGS)]).values():
        f.result(30)
    s.eq(hub_config(gw, "cfg-ck"), CK_CONFIGS, "confluent create_topics with configs: kept")
    for cfg, what in (({"cleanup.policy": "compact"}, "compaction"),
                      ({"no.such.config": "1"}, "an unknown config"),
                      ({"retention.ms": "-2"}, "a bad value")):
        try:
            for f in a.create_topics([CkNewTopic("cfg-bad", 1, 1, config=cfg)]).values():
                f.result(30)
            s.ok(False, "confluent create_topics with %s refused" % what)
        except Exception as e:  # KafkaException(INVALID_CONFIG)
            s.ok("INVALID_CONFIG" in str(e), "confluent create_topics with %s: %s" % (what, e))
    s.ok(not listed(gw, "cfg-bad"), "a refused config makes no topic")
    for f in a.create_topics([CkNewTopic("cfg-v", 1, 1, config={"retention.ms": "1000"})],
                             validate_only=True).values():
        f.result(30)
    s.ok(not listed(gw, "cfg-v"), "validate_only with configs makes no topic")
    kp = kp_admin(gw)
    try:
        kp.create_topics([NewTopic("cfg-kp", num_partitions=2, replication_factor=1,
                                   topic_configs={"retention.bytes": "1048576"})])
    finally:
        kp.close()
    s.eq(hub_config(gw, "cfg-kp"), {"retention.bytes": "1048576"},
        "kafka-python create_topics with topic_configs: kept")


def raw_delete_records(gw, topic, parts):
    """DeleteRecords v0 on its own connection; returns {partition: (low_watermark, error)}."""
    body = struct.pack(">i", 1) + struct.pack(">h", len(topic)) + topic.encode()
    body += struct.pack(">i", len(parts))
    for p, off in parts:
        body += struct.pack(">iq", p, off)
    body += struct.pack(">i", 10000)
    hdr = struct.pack(">hhih", 21, 0, 7, 4) + b"test"
    frame = hdr + body
    with h.kafka_connect(gw, timeout=10) as c:
        c.sendall(struct.pack(">i", len(frame)) + frame)
        size = struct.unpack(">i", recv_all(c, 4))[0]
        resp = recv_all(c, size)
    corr, _throttle, ntopics = struct.unpack(">iii", resp[:12])
    assert corr == 7 and ntopics == 1
    pos = 12
    nlen = struct.unpack(">h", resp[pos:pos + 2])[0]
    pos += 2 + nlen
    n = struct.unpack(">i", resp[pos:pos + 4])[0]
    pos += 4
    out = {}
    for _ in range(n):
        p, low, err = struct.unpack(">iqh", resp[pos:pos + 14])
        pos += 14
        out[p] = (low, err)
    return out


def recv_all(c, n):
    buf = b""
    while len(buf) < n:
        chunk = c.recv(n - len(buf))
        if not chunk:
            raise RuntimeError("connection closed")
        buf += chunk
    return buf


def first_offset(gw, topic):
    c = Consumer(h.kafka_conf(gw, {"group.id": "dr-%f" % time.time(),
                  "auto.offset.reset": "earliest", "enable.auto.commit": False}))
    try:
        c.assign([TopicPartition(topic, 0, -2)])  # OFFSET_BEGINNING
        deadline = time.monotonic() + 20 * h.time_scale()
        while time.monotonic() < deadline:
            m = c.poll(0.5)
            if m is not None and m.error() is None:
                return m.offset()
        return None
    finally:
        c.close()


def watermarks(gw, topic):
    c = Consumer(h.kafka_conf(gw, {"group.id": "wm"}))
    try:
        return c.get_watermark_offsets(TopicPartition(topic, 0), timeout=10)
    finally:
        c.close()


def delete_records_part(s, gw):
    a = AdminClient(h.kafka_conf(gw))
    from confluent_kafka.admin import NewTopic as CkNewTopic
    for f in a.create_topics([CkNewTopic("dr-t", 1, 1)]).values():
        f.result(30)
    s.eq(produce(gw, "dr-t", 10), 0, "10 records produced")
    r = raw_delete_records(gw, "dr-t", [(0, 4), (9, 0)])
    s.eq(r.get(0), (4, 0), "DeleteRecords to 4: low watermark 4")
    s.eq(r.get(9, (None, None))[1], 3, "unknown partition: UNKNOWN_TOPIC_OR_PARTITION")
    s.eq(raw_delete_records(gw, "dr-t", [(0, 11)]).get(0), (-1, 1),
         "past the high watermark: OFFSET_OUT_OF_RANGE")
    s.eq(raw_delete_records(gw, "dr-t", [(0, 2)]).get(0), (4, 0), "below the start: unchanged")
    s.eq(watermarks(gw, "dr-t"), (4, 10), "ListOffsets: earliest 4, latest 10")
    s.eq(first_offset(gw, "dr-t"), 4, "a consumer from the beginning starts at 4")
    gw.stop()
    gw.start()
    s.eq(watermarks(gw, "dr-t"), (4, 10), "after a restart: earliest still 4")
    s.eq(raw_delete_records(gw, "dr-t", [(0, -1)]).get(0), (10, 0), "-1: the high watermark")
    s.eq(produce(gw, "dr-t", 1), 0, "one more record")
    s.eq(first_offset(gw, "dr-t"), 10, "a consumer from the beginning starts at 10")


def restart_part(s, gw):
    a = kp_admin(gw)
    try:
        a.create_topics([NewTopic("gone-t", num_partitions=1, replication_factor=1)])
        a.create_topics([NewTopic("kept-t", num_partitions=2, replication_factor=1)])
        a.create_partitions({"kept-t": KpNewPartitions(total_count=4)})
        produce(gw, "gone-t", 3)
        a.delete_topics(["gone-t"])
    finally:
        a.close()
    gw.stop()
    gw.start()
    s.ok(not listed(gw, "gone-t"), "a deleted topic stays deleted after a restart")
    s.ok(not os.path.exists(topic_dir(gw, "gone-t")), "and its directory stays gone")
    s.eq(partitions(gw, "kept-t"), 4, "grown partition count kept after a restart")
    s.eq(hub_config(gw, "cfg-ck"), CK_CONFIGS, "configs given at creation kept after a restart")
    a = kp_admin(gw)
    try:
        a.create_topics([NewTopic("gone-t", num_partitions=1, replication_factor=1)])
    finally:
        a.close()
    s.eq(watermarks(gw, "gone-t"), (0, 0), "re-created topic of the same name is empty")


def main():
    with h.Session("kafka_topic_admin") as s:
        gw = s.gateway()
        kafka_python_part(s, gw)
        confluent_part(s, gw)
        delete_records_part(s, gw)
        configs_part(s, gw)
        restart_part(s, gw)


if __name__ == "__main__":
    main()
