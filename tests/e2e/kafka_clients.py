#!/usr/bin/python3
"""e2e: issue 3's remaining client checks (librdkafka C group members, kafka-python, kcat -L).

- librdkafka (kafka_group3.c, one process per member, session.timeout.ms=6000) on a
  4-partition topic: three members own every partition exactly once; a fourth joins and
  the group rebalances to one partition each; one closes (LeaveGroup) and its partition
  moves to the others; one is SIGKILLed and after its session times out its partition
  moves too; every record produced along the way is consumed at least once;
- kafka-python's bootstrap: ApiVersions v0 and Metadata v0 written pipelined in ONE
  write on a logged-in socket get both answers, in order; KafkaConsumer without a fixed
  api_version probes the gateway and works;
- kafka-python KafkaConsumer(group_id=...) subscribe: reads, commits, and after a gateway
  restart a new consumer of the group resumes from the commit (only new records);
- kcat -L lists the hubs with their partition counts.
"""

import os
import re
import signal
import struct
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

from confluent_kafka import Producer  # noqa: E402
from confluent_kafka.admin import AdminClient, NewTopic  # noqa: E402

PARTS = 4


def create_topic(gw, name, parts):
    a = AdminClient(h.kafka_conf(gw))
    for f in a.create_topics([NewTopic(name, num_partitions=parts,
                                       replication_factor=1)]).values():
        f.result(30 * h.time_scale())


def produce(gw, topic, values):
    p = Producer(h.kafka_conf(gw, {"acks": "all"}))
    for i, v in enumerate(values):
        p.produce(topic, value=v.encode(), partition=i % PARTS)
    return p.flush(30 * h.time_scale())

# ----------------------------------------------------- librdkafka group members


class Member:
    """One kafka_group3 process; a thread parses its stdout into state."""

    def __init__(self, gw, topic, group, name):
        self.name = name
        self.lock = threading.Lock()
        self.assigned = None  # None until the first ASSIGN; set() after a REVOKE
        self.values = set()
        self.lines = []
        self.closed = False
        self.proc = subprocess.Popen(
            [h.tool("E2E_KAFKA_GROUP3"), gw.bootstrap, topic, group] + h.kafka_args(gw) +
            ["session.timeout.ms=6000", "heartbeat.interval.ms=500"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            preexec_fn=h._pdeathsig)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for raw in self.proc.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            with self.lock:
                self.lines.append(line)
                if line.startswith("ASSIGN "):
                    arg = line[7:]
                    self.assigned = set() if arg == "-" else {int(x) for x in arg.split(",")}
                elif line == "REVOKE":
                    self.assigned = set()
                elif line.startswith("MSG "):
                    self.values.add(line.split(" ", 3)[3])
                elif line == "CLOSED":
                    self.closed = True

    def owned(self):
        with self.lock:
            return None if self.assigned is None else set(self.assigned)

    def leave(self, timeout):
        """Close stdin: the member calls rd_kafka_consumer_close (LeaveGroup) and exits."""
        self.proc.stdin.close()
        rc = self.proc.wait(timeout=timeout)
        self.reader.join(timeout)  # its last lines (CLOSED) are parsed before we look
        return rc

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.reader.join(5)

    def tail(self):
        with self.lock:
            out = [l for l in self.lines if not l.startswith("MSG ")][-15:]
        return "%s: %s" % (self.name, out)


def wait_balanced(members, want_each, timeout):
    """Wait until the live members own every partition exactly once, each owning
    `want_each` partitions (None: any count), stable for 1.5 s; returns the ownership."""
    deadline = time.monotonic() + timeout * h.time_scale()
    stable_since = None
    last = None
    while time.monotonic() < deadline:
        own = [m.owned() for m in members]
        ok = all(o is not None for o in own)
        if ok:
            flat = sorted(p for o in own for p in o)
            ok = flat == list(range(PARTS))
            if ok and want_each is not None:
                ok = all(len(o) == want_each for o in own)
        if ok and own == last:
            if stable_since is None:
                stable_since = time.monotonic()
            if time.monotonic() - stable_since >= 1.5:
                return own
        else:
            stable_since = None
        last = own
        time.sleep(0.1)
    return None


def wait_values(members, want, timeout):
    deadline = time.monotonic() + timeout * h.time_scale()
    while time.monotonic() < deadline:
        got = set()
        for m in members:
            with m.lock:
                got |= m.values
        if want <= got:
            return set()
        time.sleep(0.2)
    return want - got


def group_part(s, gw):
    topic, group = "g3-t", "g3-group"
    create_topic(gw, topic, PARTS)
    members = []
    started = []  # every member process, for the cleanup
    produced = set()

    def batch(tag, n=40):
        vals = ["%s-%d" % (tag, i) for i in range(n)]
        s.eq(produce(gw, topic, vals), 0, "%d records produced (%s)" % (n, tag))
        produced.update(vals)

    def diag():
        return "\n".join(m.tail() for m in members)

    try:
        batch("before")
        members = [Member(gw, topic, group, "m%d" % i) for i in range(3)]
        started += members
        own = wait_balanced(members, None, 60)
        s.ok(own is not None and all(len(o) >= 1 for o in own),
             "three members own the 4 partitions exactly once, each at least one (%s)" % own,
             diag())
        batch("three")
        missing = wait_values(members, produced, 30)
        s.ok(not missing, "three members consume every record so far", sorted(missing)[:10])

        members.append(Member(gw, topic, group, "m3"))
        started.append(members[-1])
        own = wait_balanced(members, 1, 60)
        s.ok(own is not None, "a fourth member joins: the group rebalances, one partition each "
             "(%s)" % own, diag())
        batch("four")

        leaver = members.pop(1)
        before = leaver.owned() or set()
        rc = leaver.leave(30 * h.time_scale())
        s.ok(rc == 0 and leaver.closed, "a member closes (LeaveGroup) and exits 0 (%s)" % rc,
             leaver.tail())
        t0 = time.monotonic()
        own = wait_balanced(members, None, 30)
        s.ok(own is not None and before <= set().union(*own),
             "its partitions %s move to the three others (%s, %.1f s)"
             % (sorted(before), own, time.monotonic() - t0), diag())
        batch("left")

        victim = members.pop(0)
        before = victim.owned() or set()
        victim.kill()
        t0 = time.monotonic()
        own = wait_balanced(members, None, 60)
        took = time.monotonic() - t0
        s.ok(own is not None and before <= set().union(*own),
             "a member is SIGKILLed: its partitions %s move to the two others after its "
             "session timeout (%s, %.1f s)" % (sorted(before), own, took), diag())
        s.ok(own is None or took >= 4.0,
             "the move waited for the 6 s session (took %.1f s)" % took)
        batch("killed")
        everyone = members + [leaver, victim]
        missing = wait_values(everyone, produced, 30)
        s.ok(not missing, "every one of the %d records produced was consumed at least once"
             % len(produced), sorted(missing)[:10])
        for m in members:
            rc = m.leave(30 * h.time_scale())
            s.ok(rc == 0, "%s closes cleanly (%s)" % (m.name, rc), m.tail())
    finally:
        for m in started:
            m.stop()

# ------------------------------------------------------------ kafka-python


def raw_pipelined(s, gw):
    """ApiVersions v0 then Metadata v0 (all topics) in one write; both answers, in order."""
    def frame(api, ver, corr, body):
        req = struct.pack(">hhih", api, ver, corr, 9) + b"kp-bootst" + body
        return struct.pack(">i", len(req)) + req

    sock = h.kafka_connect(gw)
    try:
        sock.sendall(frame(18, 0, 101, b"") + frame(3, 0, 102, struct.pack(">i", 0)))
        answers = []
        for _ in range(2):
            n = struct.unpack(">i", h._recv_exact(sock, 4))[0]
            answers.append(h._recv_exact(sock, n))
    finally:
        sock.close()
    corrs = [struct.unpack(">i", a[:4])[0] for a in answers]
    s.eq(corrs, [101, 102], "pipelined ApiVersions v0 + Metadata v0: two answers, in order")
    av = answers[0][4:]
    err, count = struct.unpack(">hi", av[:6])
    keys = {struct.unpack(">h", av[6 + 6 * i:8 + 6 * i])[0] for i in range(count)}
    s.ok(err == 0 and len(av) == 6 + 6 * count and {0, 1, 3, 18} <= keys,
         "ApiVersions v0 answer: error 0, %d keys incl. Produce, Fetch, Metadata" % count)
    md = answers[1][4:]
    nbrokers, node = struct.unpack(">ii", md[:8])
    hlen = struct.unpack(">h", md[8:10])[0]
    host = md[10:10 + hlen]
    port = struct.unpack(">i", md[10 + hlen:14 + hlen])[0]
    s.eq((nbrokers, node, host, port), (1, 0, b"127.0.0.1", gw.kafka_port),
         "Metadata v0 answer lists the one broker, node 0 at the gateway's address")


def kafka_python_part(s, gw):
    from kafka import KafkaConsumer, KafkaProducer, TopicPartition
    raw_pipelined(s, gw)
    topic, group = "kp-t", "kp-group"
    create_topic(gw, topic, PARTS)
    rt = int(20000 * h.time_scale())

    # No api_version: kafka-python probes the broker (check_version) like a fresh client.
    c = KafkaConsumer(**h.kafka_python_kw(gw, client_id="kp-probe", request_timeout_ms=rt))
    try:
        topics = c.topics()
        s.ok(topic in topics, "KafkaConsumer without api_version bootstraps and lists topics",
             topics)
        s.ok(c.config["api_version"] >= (0, 10), "its probe settles on api_version %s"
             % (c.config["api_version"],))
    finally:
        c.close()

    p = KafkaProducer(**h.kafka_python_kw(gw, acks="all", api_version=(2, 4, 0),
                                          request_timeout_ms=rt))
    for i in range(20):
        p.send(topic, value=b"kp-a-%d" % i, partition=i % PARTS)
    p.flush(30 * h.time_scale())

    def consumer():
        return KafkaConsumer(topic, **h.kafka_python_kw(gw, group_id=group,
            api_version=(2, 4, 0), enable_auto_commit=False, auto_offset_reset="earliest",
            session_timeout_ms=6000, heartbeat_interval_ms=500, request_timeout_ms=rt,
            consumer_timeout_ms=int(1000 * h.time_scale())))

    def read(c, want, timeout):
        got = []
        deadline = time.monotonic() + timeout * h.time_scale()
        while len(got) < want and time.monotonic() < deadline:
            for recs in c.poll(timeout_ms=500).values():
                got += [r.value for r in recs]
        return got

    c = consumer()
    try:
        got = read(c, 20, 40)
        s.eq(sorted(got), sorted(b"kp-a-%d" % i for i in range(20)),
             "KafkaConsumer(group_id) subscribe reads the 20 records")
        c.commit()
        offs = {p_: c.committed(TopicPartition(topic, p_)) for p_ in range(PARTS)}
        s.eq(offs, {p_: 5 for p_ in range(PARTS)}, "commit() stores 5 per partition")
    finally:
        c.close()

    gw.stop()
    gw.start()
    p = KafkaProducer(**h.kafka_python_kw(gw, acks="all", api_version=(2, 4, 0),
                                          request_timeout_ms=rt))
    for i in range(8):
        p.send(topic, value=b"kp-b-%d" % i, partition=i % PARTS)
    p.flush(30 * h.time_scale())
    p.close()
    c = consumer()
    try:
        got = read(c, 8, 40)
        got += read(c, 1, 2)  # anything beyond the new records would be a replay
        s.eq(sorted(got), sorted(b"kp-b-%d" % i for i in range(8)),
             "after a gateway restart the group resumes from its commit (only the 8 new)")
    finally:
        c.close()

# -------------------------------------------------------------------- kcat


def kcat_part(s, gw):
    hubs = {"kc-one": 1, "kc-three": 3, "kc-eight": 8}
    for name, n in hubs.items():
        create_topic(gw, name, n)
    p = h.kcat(gw, "-L")
    out = p.stdout.decode("utf-8", "replace")
    s.eq(p.returncode, 0, "kcat -L exits 0")
    listed = dict((t, int(n)) for t, n in re.findall(r'topic "([^"]+)" with (\d+) partitions', out))
    s.eq({t: listed.get(t) for t in hubs}, hubs, "kcat -L lists each hub with its partition count")
    s.ok(re.search(r"1 brokers:\s+broker 0 at 127\.0\.0\.1:%d" % gw.kafka_port, out),
         "kcat -L names the one broker at the gateway's address", out[:400])
    s.ok("__consumer_offsets" not in listed, "the internal offsets hub is not listed")


def main():
    with h.Session("kafka_clients") as s:
        gw = s.gateway()
        for part in (kcat_part, group_part, kafka_python_part):
            try:
                part(s, gw)
            except Exception as exc:
                s.checks.error(part.__name__, exc)
                if not gw.alive():
                    gw.start()


if __name__ == "__main__":
    main()
