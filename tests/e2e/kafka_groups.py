#!/usr/bin/python3
"""e2e: Kafka consumer groups and committed offsets with confluent_kafka (librdkafka).

Committed offsets (always run):
- FindCoordinator answers this broker; assign() + commit() stores offsets (committed() reads them back, unknown partitions give no offset);
- they survive a clean restart and a SIGKILL (the commit ack waited for durability);
- the internal hub __consumer_offsets is not listed by Metadata.
Group membership (when the gateway serves JoinGroup, see kafka_api.c):
- two then three subscribe() consumers share the partitions of a topic; when one
  joins or leaves (close() sends LeaveGroup), the group rebalances and every
  partition is owned exactly once;
- a consumer commits, the gateway restarts, a new consumer of the group resumes from
  the committed offset;
- a raw-socket member (JoinGroup, SyncGroup, Heartbeat v0) that stops heartbeating is
  removed when its 6 s session passes.
"""

import os
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

from confluent_kafka import Consumer, Producer, TopicPartition  # noqa: E402
from confluent_kafka.admin import AdminClient  # noqa: E402

TOPIC = "groups-t"
PARTS = 4


def produce(gw, n, tag):
    p = Producer(h.kafka_conf(gw, {"acks": "all"}))
    for i in range(n):
        p.produce(TOPIC, value=("%s-%d" % (tag, i)).encode(), partition=i % PARTS)
    return p.flush(30)


def create_topic(gw):
    from confluent_kafka.admin import NewTopic
    a = AdminClient(h.kafka_conf(gw))
    fs = a.create_topics([NewTopic(TOPIC, num_partitions=PARTS, replication_factor=1)])
    for f in fs.values():
        f.result(30)


def consumer(gw, group, **extra):
    conf = {**h.kafka_conf(gw), "group.id": group,
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


def offsets_part(s, gw):
    create_topic(gw)
    s.eq(produce(gw, 40, "a"), 0, "40 records produced")
    c = consumer(gw, "standalone")
    c.assign([TopicPartition(TOPIC, p, 0) for p in range(PARTS)])
    got = 0
    deadline = time.monotonic() + 20
    while got < 40 and time.monotonic() < deadline:
        m = c.poll(0.5)
        if m is not None and not m.error():
            got += 1
    s.eq(got, 40, "assign() consumer reads the 40 records")
    res = c.commit(offsets=[TopicPartition(TOPIC, 0, 7),
                            TopicPartition(TOPIC, 1, 9)], asynchronous=False)
    s.ok(all(tp.error is None for tp in res), "commit() of two partitions succeeds",
         [(tp.partition, tp.error) for tp in res])
    c.close()
    want = {0: 7, 1: 9, 2: -1001}
    s.eq(committed(gw, "standalone", [0, 1, 2]), want,
         "committed() gives the offsets (-1001 = none)")
    md = AdminClient(h.kafka_conf(gw)).list_topics(timeout=10)
    s.ok("__consumer_offsets" not in md.topics, "__consumer_offsets is not listed",
         sorted(md.topics))
    gw.stop()
    gw.start()
    s.eq(committed(gw, "standalone", [0, 1]), {0: 7, 1: 9},
         "committed offsets survive a restart")
    c = consumer(gw, "standalone")
    c.commit(offsets=[TopicPartition(TOPIC, 0, 11)], asynchronous=False)
    c.close()
    gw.kill()
    gw.start()
    s.eq(committed(gw, "standalone", [0, 1]), {0: 11, 1: 9},
         "an acknowledged commit survives SIGKILL")


READ = []  # values read by the subscribe() group, at least once each


def take(c, m):
    if m is not None and not m.error():
        READ.append(m.value().decode())
        c.commit(message=m, asynchronous=False)


def settle(consumers, want_members, timeout=40):
    """Polls every consumer until the partitions are spread over exactly `want_members`
    of them, each partition owned once; returns {index: [partitions]} (or the last seen)."""
    deadline = time.monotonic() + timeout
    seen = {}
    while time.monotonic() < deadline:
        for c in consumers:
            take(c, c.poll(0.1))
        seen = {i: sorted(tp.partition for tp in c.assignment()) for i, c in enumerate(consumers)}
        owned = [p for ps in seen.values() for p in ps]
        if sorted(owned) == list(range(PARTS)) and sum(1 for v in seen.values() if v) == want_members:
            return seen, True
    return seen, False


def groups_part(s, gw):
    group = "g-subscribe"
    cs = [consumer(gw, group), consumer(gw, group)]
    for c in cs:
        c.subscribe([TOPIC])
    seen, ok = settle(cs, 2)
    s.ok(ok, "two subscribe() consumers share the 4 partitions", seen)
    cs.append(consumer(gw, group))
    cs[2].subscribe([TOPIC])
    seen, ok = settle(cs, 3)
    s.ok(ok, "a third consumer joins: the group rebalances over three members", seen)
    cs[0].close()
    cs = cs[1:]
    seen, ok = settle(cs, 2)
    s.ok(ok, "one leaves (LeaveGroup): the other two take every partition", seen)
    # members read what they own and commit each position (at least once across rebalances)
    want = set("a-%d" % i for i in range(40))
    deadline = time.monotonic() + 20
    while not want <= set(READ) and time.monotonic() < deadline:
        for c in cs:
            take(c, c.poll(0.2))
    s.ok(want <= set(READ), "the group reads all 40 records", sorted(want - set(READ)))
    for c in cs:
        c.close()
    gw.stop()
    gw.start()
    s.eq(produce(gw, 8, "b"), 0, "8 more records after the restart")
    c = consumer(gw, group)
    c.subscribe([TOPIC])
    vals = []
    deadline = time.monotonic() + 30
    while len(vals) < 8 and time.monotonic() < deadline:
        m = c.poll(0.5)
        if m is not None and not m.error():
            vals.append(m.value().decode())
    s.ok(sorted(vals) == sorted("b-%d" % i for i in range(8)),
         "after a restart the group resumes from its committed offsets (only new records)",
         vals)
    c.close()


def raw_request(sock, key, ver, corr, body):
    hdr = struct.pack(">hhih", key, ver, corr, 3) + b"raw"
    msg = hdr + body
    sock.sendall(struct.pack(">i", len(msg)) + msg)
    n = struct.unpack(">i", recv_all(sock, 4))[0]
    data = recv_all(sock, n)
    return data[4:]  # correlation id


def recv_all(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise RuntimeError("connection closed")
        buf += chunk
    return buf


def s16(v):
    v = v.encode()
    return struct.pack(">h", len(v)) + v


def expiry_part(s, gw):
    """A member that stops heartbeating is removed when its session (6 s) passes."""
    group = "g-expiry"
    sock = h.kafka_connect(gw)
    join = s16(group) + struct.pack(">i", 6000) + s16("") + s16("consumer") + \
        struct.pack(">i", 1) + s16("range") + struct.pack(">i", 0)
    r = raw_request(sock, 11, 0, 1, join)
    err, gen = struct.unpack(">hi", r[:6])
    s.eq((err, gen), (0, 1), "JoinGroup v0 from a raw client: generation 1")
    pos = 6
    for _ in range(3):  # protocol name, leader, member id
        ln = struct.unpack(">h", r[pos:pos + 2])[0]
        if _ == 2:
            member = r[pos + 2:pos + 2 + ln].decode()
        pos += 2 + ln
    sync = s16(group) + struct.pack(">i", 1) + s16(member) + struct.pack(">i", 1) + \
        s16(member) + struct.pack(">i", 0)
    r = raw_request(sock, 14, 0, 2, sync)
    s.eq(struct.unpack(">h", r[:2])[0], 0, "SyncGroup v0 of the leader")
    r = raw_request(sock, 12, 0, 3, s16(group) + struct.pack(">i", 1) + s16(member))
    s.eq(struct.unpack(">h", r[:2])[0], 0, "Heartbeat v0 answered NONE")
    time.sleep(7.5)  # no heartbeats: the session of 6 s passes
    r = raw_request(sock, 12, 0, 4, s16(group) + struct.pack(">i", 1) + s16(member))
    s.eq(struct.unpack(">h", r[:2])[0], 25, "after the session a Heartbeat gets UNKNOWN_MEMBER_ID")
    s.ok("session expired" in gw.log_text(), "the gateway logged the expiry")
    sock.close()
    a = consumer(gw, group)
    a.subscribe([TOPIC])
    seen, ok = settle([a], 1, timeout=20)
    s.ok(ok, "a new member owns every partition of the group", seen)
    a.close()


def main():
    with h.Session("kafka_groups") as s:
        gw = s.gateway()
        offsets_part(s, gw)
        groups_part(s, gw)
        expiry_part(s, gw)


if __name__ == "__main__":
    main()
