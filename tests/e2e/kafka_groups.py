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
  the committed offset.
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

from confluent_kafka import Consumer, Producer, TopicPartition  # noqa: E402
from confluent_kafka.admin import AdminClient  # noqa: E402

TOPIC = "groups-t"
PARTS = 4


def produce(gw, n, tag):
    p = Producer({"bootstrap.servers": gw.bootstrap, "acks": "all"})
    for i in range(n):
        p.produce(TOPIC, value=("%s-%d" % (tag, i)).encode(), partition=i % PARTS)
    return p.flush(30)


def create_topic(gw):
    from confluent_kafka.admin import NewTopic
    a = AdminClient({"bootstrap.servers": gw.bootstrap})
    fs = a.create_topics([NewTopic(TOPIC, num_partitions=PARTS, replication_factor=1)])
    for f in fs.values():
        f.result(30)


def consumer(gw, group, **extra):
    conf = {"bootstrap.servers": gw.bootstrap, "group.id": group,
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
    md = AdminClient({"bootstrap.servers": gw.bootstrap}).list_topics(timeout=10)
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


def main():
    with h.Session("kafka_groups") as s:
        gw = s.gateway()
        offsets_part(s, gw)


if __name__ == "__main__":
    main()
