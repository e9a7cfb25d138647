#!/usr/bin/python3
"""e2e: Kafka group administration (ListGroups, DescribeGroups, DeleteGroups, OffsetDelete).

python3-confluent-kafka 1.7 in Debian has no list_consumer_groups /
describe_consumer_groups (they came in 2.0): its AdminClient.list_groups()
(librdkafka's rd_kafka_list_groups: ListGroups, then DescribeGroups of each)
is used, and kafka-python 2.0.2's KafkaAdminClient for list_consumer_groups /
describe_consumer_groups / delete_consumer_groups. Neither client has OffsetDelete:
it goes over a raw socket (v0).

Against a live group of two subscribe() consumers:
- both clients list the group (protocol type "consumer") and describe it Stable with
  two members: client id, client host "/127.0.0.1", a subscription naming the topic
  and an assignment;
- DeleteGroups -> NON_EMPTY_GROUP (68); OffsetDelete of the subscribed topic ->
  GROUP_SUBSCRIBED_TO_TOPIC (86) per partition;
after both leave: Empty; OffsetDelete of partition 0 -> removed (committed() shows
none), partition 1 kept; DeleteGroups -> NONE, the group is no longer listed, is
described Dead, a second delete -> GROUP_ID_NOT_FOUND (69). After a restart the
tombstones hold (nothing committed comes back) and a group known only by its
committed offsets is listed Empty and can be deleted.
"""

import os
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

from confluent_kafka import Consumer, Producer, TopicPartition  # noqa: E402
from confluent_kafka.admin import AdminClient, NewTopic  # noqa: E402

TOPIC = "ga-t"
PARTS = 2
GROUP = "ga-live"


def s16(v):
    v = v.encode()
    return struct.pack(">h", len(v)) + v


def recv_all(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise RuntimeError("connection closed")
        buf += chunk
    return buf


def raw_request(gw, key, ver, body, corr=1):
    """One request (header v1, client id "raw") on a connection logged in with SASL PLAIN,
    the response body after the correlation id."""
    with h.kafka_connect(gw) as sock:
        msg = struct.pack(">hhi", key, ver, corr) + s16("raw") + body
        sock.sendall(struct.pack(">i", len(msg)) + msg)
        size = struct.unpack(">i", recv_all(sock, 4))[0]
        data = recv_all(sock, size)
    if struct.unpack(">i", data[:4])[0] != corr:
        raise RuntimeError("correlation id mismatch")
    return data[4:]


def offset_delete(gw, group, topic, parts):
    """OffsetDelete v0: (top-level error, {partition: error})."""
    body = s16(group) + struct.pack(">i", 1) + s16(topic) + struct.pack(">i", len(parts))
    body += b"".join(struct.pack(">i", p) for p in parts)
    r = raw_request(gw, 47, 0, body)
    err, _throttle, ntopics = struct.unpack(">hii", r[:10])
    pos, out = 10, {}
    for _ in range(ntopics):
        ln = struct.unpack(">h", r[pos:pos + 2])[0]
        pos += 2 + ln
        n = struct.unpack(">i", r[pos:pos + 4])[0]
        pos += 4
        for _ in range(n):
            p, e = struct.unpack(">ih", r[pos:pos + 6])
            out[p] = e
            pos += 6
    return err, out


def consumer(gw, group, **extra):
    conf = {**h.kafka_conf(gw), "group.id": group, "client.id": "ga-client",
            "enable.auto.commit": False, "auto.offset.reset": "earliest",
            "session.timeout.ms": 6000, "heartbeat.interval.ms": 500}
    conf.update(extra)
    return Consumer(conf)


def committed(gw, group, parts):
    c = consumer(gw, group)
    try:
        return {tp.partition: tp.offset
                for tp in c.committed([TopicPartition(TOPIC, p) for p in parts], timeout=15)}
    finally:
        c.close()


def settle(cs, timeout=40):
    """Polls until every consumer owns one partition; True when they do."""
    deadline = time.monotonic() + timeout * h.time_scale()
    while time.monotonic() < deadline:
        for c in cs:
            c.poll(0.2)
        owned = [len(c.assignment()) for c in cs]
        if owned == [1] * len(cs):
            return True
    return False


def kp_admin(gw):
    from kafka.admin import KafkaAdminClient
    return KafkaAdminClient(**h.kafka_python_kw(gw, client_id="ga-kp",
                            request_timeout_ms=int(20000 * h.time_scale())))


def describe_kp(admin, group):
    return admin.describe_consumer_groups([group])[0]


def live_part(s, gw):
    a = AdminClient(h.kafka_conf(gw))
    for f in a.create_topics([NewTopic(TOPIC, num_partitions=PARTS,
                                       replication_factor=1)]).values():
        f.result(30)
    p = Producer(h.kafka_conf(gw, {"acks": "all"}))
    for i in range(10):
        p.produce(TOPIC, value=b"v%d" % i, partition=i % PARTS)
    s.eq(p.flush(30), 0, "10 records produced")

    cs = [consumer(gw, GROUP), consumer(gw, GROUP)]
    for c in cs:
        c.subscribe([TOPIC])
    s.ok(settle(cs), "two subscribe() consumers share the two partitions")
    for c in cs:
        part = c.assignment()[0].partition
        c.commit(offsets=[TopicPartition(TOPIC, part, 3 + part)], asynchronous=False)

    # confluent_kafka 1.7: list_groups() = ListGroups + DescribeGroups
    groups = {g.id: g for g in a.list_groups(timeout=20)}
    s.ok(GROUP in groups, "confluent AdminClient.list_groups() lists the live group",
         sorted(groups))
    g = groups.get(GROUP)
    if g is not None:
        s.eq((g.state, g.protocol_type, len(g.members)), ("Stable", "consumer", 2),
             "confluent: the group is Stable, protocol type consumer, two members")
        s.ok(g.protocol in ("range", "roundrobin", "cooperative-sticky"),
             "confluent: the chosen protocol is given", g.protocol)
        for m in g.members:
            s.eq((m.client_id, m.client_host), ("ga-client", "/127.0.0.1"),
                 "confluent: member %s client id and host" % m.id)
            s.ok(TOPIC.encode() in m.metadata and len(m.assignment) > 0,
                 "confluent: member metadata names the topic, assignment present")
    one = a.list_groups(group=GROUP, timeout=20)
    s.eq([x.id for x in one], [GROUP], "confluent: list_groups(group=...) describes one group")

    kp = kp_admin(gw)
    listed = kp.list_consumer_groups()
    s.ok((GROUP, "consumer") in listed, "kafka-python list_consumer_groups()", listed)
    d = describe_kp(kp, GROUP)
    s.eq((d.group, d.state, d.protocol_type, len(d.members)), (GROUP, "Stable", "consumer", 2),
         "kafka-python describe_consumer_groups(): Stable with two members")
    subs = [list(m.member_metadata.subscription) for m in d.members]
    s.eq(subs, [[TOPIC], [TOPIC]], "kafka-python decodes both subscriptions")
    hosts = sorted(m.client_host for m in d.members)
    s.eq(hosts, ["/127.0.0.1", "/127.0.0.1"], "kafka-python: client hosts")

    res = dict(kp.delete_consumer_groups([GROUP]))
    s.eq(res[GROUP].errno, 68, "DeleteGroups of a live group: NON_EMPTY_GROUP")
    err, parts = offset_delete(gw, GROUP, TOPIC, [0, 1])
    s.eq((err, parts), (0, {0: 86, 1: 86}),
         "OffsetDelete of the subscribed topic: GROUP_SUBSCRIBED_TO_TOPIC per partition")
    err, parts = offset_delete(gw, GROUP, "ga-none", [0])
    s.eq((err, parts), (0, {0: 3}), "OffsetDelete of an unknown topic: UNKNOWN_TOPIC_OR_PARTITION")

    for c in cs:
        c.close()  # LeaveGroup
    d = describe_kp(kp, GROUP)
    s.eq((d.state, len(d.members)), ("Empty", 0), "after both leave the group is Empty")
    s.eq(committed(gw, GROUP, [0, 1]), {0: 3, 1: 4}, "both committed offsets are there")
    err, parts = offset_delete(gw, GROUP, TOPIC, [0])
    s.eq((err, parts), (0, {0: 0}), "OffsetDelete of partition 0 of the Empty group: NONE")
    s.eq(committed(gw, GROUP, [0, 1]), {0: -1001, 1: 4},
         "partition 0's offset is gone, partition 1's kept")
    err, _ = offset_delete(gw, "ga-unknown", TOPIC, [0])
    s.eq(err, 69, "OffsetDelete of an unknown group: GROUP_ID_NOT_FOUND")

    res = dict(kp.delete_consumer_groups([GROUP]))
    s.eq(res[GROUP].errno, 0, "DeleteGroups of the Empty group: NONE")
    s.ok(GROUP not in [x[0] for x in kp.list_consumer_groups()], "the group is no longer listed")
    s.eq(describe_kp(kp, GROUP).state, "Dead", "a deleted group is described Dead")
    s.eq(committed(gw, GROUP, [0, 1]), {0: -1001, 1: -1001}, "its committed offsets are gone")
    res = dict(kp.delete_consumer_groups([GROUP]))
    s.eq(res[GROUP].errno, 69, "deleting it again: GROUP_ID_NOT_FOUND")

    # a group known only by offsets committed with assign() (no membership)
    c = consumer(gw, "ga-standalone")
    res = c.commit(offsets=[TopicPartition(TOPIC, 1, 5)], asynchronous=False)
    s.ok(all(tp.error is None for tp in res), "standalone commit for ga-standalone")
    c.close()
    kp.close()


def restart_part(s, gw):
    kp = kp_admin(gw)
    s.eq(committed(gw, GROUP, [0, 1]), {0: -1001, 1: -1001},
         "after a restart the deleted group's offsets stay deleted")
    s.eq(committed(gw, "ga-standalone", [1]), {1: 5}, "the standalone commit survives")
    listed = kp.list_consumer_groups()
    s.ok(("ga-standalone", "") in listed, "a group known by its offsets only is listed",
         listed)
    s.ok(GROUP not in [x[0] for x in listed], "the deleted group is not listed")
    s.eq(describe_kp(kp, "ga-standalone").state, "Empty", "... and described Empty")
    res = dict(kp.delete_consumer_groups(["ga-standalone"]))
    s.eq(res["ga-standalone"].errno, 0, "it can be deleted")
    s.eq(committed(gw, "ga-standalone", [1]), {1: -1001}, "its offset is gone")
    kp.close()


def main():
    with h.Session("kafka_group_admin") as s:
        gw = s.gateway()
        live_part(s, gw)
        s.eq(gw.stop(), 0, "gateway stops cleanly")
        gw.start()
        restart_part(s, gw)


if __name__ == "__main__":
    main()
