#!/usr/bin/python3
"""e2e: the idempotent Kafka producer (KIP-98; issue 3).

1. librdkafka (tests/e2e/kafka_idempotent.c, enable.idempotence=true, 5 requests
   in flight) produces N records to partition 0: every one delivered, at offsets
   0..N-1 in order, and a consumer reads back exactly N records, in order.
2. The same producer writes to another topic while the gateway is SIGKILLed and
   restarted on the same ports mid-stream: librdkafka retries its in-flight
   batches with the same producer id and sequences; the gateway rebuilt the
   producer state from the log, so exactly N records are stored, in order, none
   twice.
3. A raw client: InitProducerId v1 gives a producer id (a transactional id gets
   COORDINATOR_NOT_AVAILABLE); Produce v7 of a batch (producer id, epoch 0,
   sequence 0) is stored at offset b; the identical batch sent again is answered
   with offset b and error 0 and nothing is appended; the next sequence follows;
   a gap gets OUT_OF_ORDER_SEQUENCE_NUMBER (45); a newer epoch starts at 0, after
   which the old epoch gets INVALID_PRODUCER_EPOCH (47); a producer id never
   handed out gets UNKNOWN_PRODUCER_ID (59). After a restart the same retry is
   still recognised, and a second InitProducerId never repeats an id.
4. KIP-360 over flexible InitProducerId v3-v5: the producer's id and epoch get the
   next epoch (also after a restart), which then produces from sequence 0 while the
   older epoch is fenced (47); an exhausted epoch gets a new id with epoch 0; an id
   never handed out is fenced (PRODUCER_FENCED 90 from v4, INVALID_PRODUCER_EPOCH 47
   in v3); an id without an epoch is INVALID_REQUEST (42).
"""

import os
import struct
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

N = 3000


def kstr(s):
    b = s.encode()
    return struct.pack(">h", len(b)) + b


def recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("peer closed after %d of %d bytes" % (len(buf), n))
        buf += chunk
    return buf


def exchange(gw, key, version, body, corr=5):
    req = struct.pack(">hhi", key, version, corr) + kstr("e2e-idem") + body
    with h.kafka_connect(gw, timeout=10) as s:
        s.sendall(struct.pack(">i", len(req)) + req)
        n = struct.unpack(">i", recv_exact(s, 4))[0]
        resp = recv_exact(s, n)
    assert struct.unpack_from(">i", resp, 0)[0] == corr
    return resp[4:]


def init_producer_id(gw, transactional_id=None):
    """(error, producer id, epoch) from InitProducerId v1."""
    tid = struct.pack(">h", -1) if transactional_id is None else kstr(transactional_id)
    resp = exchange(gw, 22, 1, tid + struct.pack(">i", 60000))
    _, err, pid, epoch = struct.unpack(">ihqh", resp)
    return err, pid, epoch


def init_producer_id_flex(gw, version, pid, epoch):
    """(error, producer id, epoch) from a flexible InitProducerId (v3+, null
    transactional id, header v2, the answer's header v1)."""
    body = b"\x00" + struct.pack(">iqh", 60000, pid, epoch) + b"\x00"
    req = struct.pack(">hhi", 22, version, 9) + kstr("e2e-idem") + b"\x00" + body
    with h.kafka_connect(gw, timeout=10) as s:
        s.sendall(struct.pack(">i", len(req)) + req)
        resp = recv_exact(s, struct.unpack(">i", recv_exact(s, 4))[0])
    corr, tags, _, err, new_pid, new_epoch, end = struct.unpack(">iBihqhB", resp)
    assert (corr, tags, end) == (9, 0, 0), "flexible InitProducerId answer framing"
    return err, new_pid, new_epoch


def crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 & -(crc & 1))
    return crc ^ 0xFFFFFFFF


def varint(n):
    z = (n << 1) ^ (n >> 63)
    out = b""
    while True:
        if z < 0x80:
            return out + bytes([z])
        out += bytes([(z & 0x7F) | 0x80])
        z >>= 7


def idem_batch(pid, epoch, seq, values):
    recs = b""
    for i, v in enumerate(values):
        rec = b"\x00" + varint(0) + varint(i) + varint(-1) + varint(len(v)) + v + varint(0)
        recs += varint(len(rec)) + rec
    after_crc = struct.pack(">hiqqqhii", 0, len(values) - 1, 1000, 1000, pid, epoch, seq,
        len(values)) + recs
    body = struct.pack(">ib", -1, 2) + struct.pack(">I", crc32c(after_crc)) + after_crc
    return struct.pack(">qi", 0, len(body)) + body


def produce(gw, topic, batch):
    """Produce v7 of one batch to partition 0, acks=-1: (error, base offset)."""
    body = struct.pack(">hhi", -1, -1, 10000)
    body += struct.pack(">i", 1) + kstr(topic) + struct.pack(">i", 1)
    body += struct.pack(">ii", 0, len(batch)) + batch
    resp = exchange(gw, 0, 7, body)
    pos = 4  # topic count
    tlen = struct.unpack_from(">h", resp, pos)[0]
    pos += 2 + tlen + 4 + 4  # name, partition count, index
    err, base = struct.unpack_from(">hq", resp, pos)
    return err, base


def create_topic(gw, topic):
    """Metadata v4 with auto-creation (one partition per the namespace default is fine)."""
    exchange(gw, 3, 4, struct.pack(">i", 1) + kstr(topic) + b"\x01")


def read_all(gw, topic, want):
    """Values of partition 0 from offset 0, read with confluent_kafka until `want` or idle."""
    from confluent_kafka import Consumer, TopicPartition
    c = Consumer(h.kafka_conf(gw, {"group.id": "idem-check",
        "enable.auto.commit": False, "check.crcs": True}))
    c.assign([TopicPartition(topic, 0, 0)])
    out = []
    deadline = time.monotonic() + 30 * h.time_scale()
    while time.monotonic() < deadline:
        m = c.poll(0.5)
        if m is None:
            if len(out) >= want:
                break
            continue
        if m.error():
            continue
        out.append((m.offset(), m.value()))
    _, high = c.get_watermark_offsets(TopicPartition(topic, 0), timeout=10)
    c.close()
    return out, high


def run_producer(gw, topic, count, pause_every=0):
    argv = [h.tool("E2E_KAFKA_IDEMPOTENT"), gw.bootstrap, topic, "0", str(count)]
    if pause_every:
        argv.append(str(pause_every))
    argv += h.kafka_args(gw)
    return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def check_stored(s, gw, topic, what):
    got, high = read_all(gw, topic, N)
    s.eq(high, N, "%s: high watermark is exactly N" % what)
    s.eq(len(got), N, "%s: a consumer reads exactly N records" % what)
    want = [(i, b"idem-%d" % i) for i in range(N)]
    s.ok(got == want, "%s: records idem-0..idem-%d at offsets 0..%d, in order, none twice"
        % (what, N - 1, N - 1), None if got == want else
        [x for x in zip(got, want) if x[0] != x[1]][:5])


def producer_done(s, p, what, timeout=200):
    out, err = p.communicate(timeout=timeout * h.time_scale())
    s.eq(p.returncode, 0, "%s: librdkafka delivered every record in order, no fatal error"
        % what)
    if p.returncode != 0:
        print(out.decode(), err.decode())
    s.ok(b"DONE %d 0 0 %d 1" % (N, N - 1) in out, "%s: delivery reports at 0..%d" % (what, N - 1),
        out.decode() + err.decode()[-2000:])


def same_ports_restart(gw):
    """SIGKILL, then start again on the ports the producer knows."""
    ports = (gw.kafka_port, gw.amqp_port, gw.http_port)
    gw.kill()
    real = h.free_ports
    h.free_ports = lambda n: ports
    try:
        gw.start()
    finally:
        h.free_ports = real


def check_librdkafka(s, gw):
    topic = "idem-plain"
    create_topic(gw, topic)
    p = run_producer(gw, topic, N)
    producer_done(s, p, "plain")
    check_stored(s, gw, topic, "plain")

    topic = "idem-restart"
    create_topic(gw, topic)
    # about 6 s of 20 ms pauses: still running after the (time-scaled) wait below
    p = run_producer(gw, topic, N, pause_every=10)
    time.sleep(1.0 * h.time_scale())
    s.ok(p.poll() is None, "restart: the producer is still producing when the gateway dies")
    same_ports_restart(gw)
    producer_done(s, p, "restart")
    check_stored(s, gw, topic, "restart")


def check_raw(s, gw):
    topic = "idem-raw"
    create_topic(gw, topic)
    err, _, _ = init_producer_id(gw, "a-transaction")
    s.eq(err, 15, "InitProducerId with a transactional id: COORDINATOR_NOT_AVAILABLE")
    err, pid, epoch = init_producer_id(gw)
    s.eq((err, epoch), (0, 0), "InitProducerId: error 0, epoch 0")
    s.ok(pid >= 0, "InitProducerId: a producer id (%d)" % pid)
    first = idem_batch(pid, 0, 0, [b"r0", b"r1", b"r2"])
    s.eq(produce(gw, topic, first), (0, 0), "first batch (seq 0-2) stored at 0")
    s.eq(produce(gw, topic, first), (0, 0), "the same batch again: offset 0, error 0")
    s.eq(produce(gw, topic, idem_batch(pid, 0, 3, [b"r3"])), (0, 3), "seq 3 follows at 3")
    s.eq(produce(gw, topic, first)[0], 0, "an older batch still in the last five: error 0")
    s.eq(produce(gw, topic, idem_batch(pid, 0, 9, [b"gap"]))[0], 45,
        "a gap in sequence: OUT_OF_ORDER_SEQUENCE_NUMBER")
    s.eq(produce(gw, topic, idem_batch(pid, 1, 0, [b"e1"])), (0, 4), "epoch 1 from seq 0 at 4")
    s.eq(produce(gw, topic, idem_batch(pid, 0, 4, [b"old"]))[0], 47,
        "the old epoch after a newer one: INVALID_PRODUCER_EPOCH")
    s.eq(produce(gw, topic, idem_batch(pid + 10**9, 0, 0, [b"x"]))[0], 59,
        "a producer id never handed out: UNKNOWN_PRODUCER_ID")
    got, high = read_all(gw, topic, 5)
    s.eq(high, 5, "raw: five records stored, nothing for the retries and refusals")
    s.eq([v for _, v in got], [b"r0", b"r1", b"r2", b"r3", b"e1"], "raw: the records in order")

    gw.stop()
    gw.start()
    retry = idem_batch(pid, 1, 0, [b"e1"])
    s.eq(produce(gw, topic, retry), (0, 4), "after a restart: the retry of epoch 1 seq 0 is "
        "recognised from the log (offset 4, error 0)")
    s.eq(produce(gw, topic, idem_batch(pid, 1, 2, [b"gap"]))[0], 45,
        "after a restart: a gap is still OUT_OF_ORDER_SEQUENCE_NUMBER")
    err, pid2, _ = init_producer_id(gw)
    s.ok(err == 0 and pid2 > pid, "after a restart: a new producer id above the old one "
        "(%d > %d)" % (pid2, pid))
    _, high = read_all(gw, topic, 5)
    s.eq(high, 5, "after a restart: still five records")
    check_epoch_bump(s, gw, topic, pid)


def check_epoch_bump(s, gw, topic, pid):
    s.eq(init_producer_id_flex(gw, 4, pid, 1), (0, pid, 2),
        "InitProducerId v4 with (id, epoch 1), after a restart: the same id, epoch 2")
    s.eq(produce(gw, topic, idem_batch(pid, 2, 0, [b"e2"])), (0, 5),
        "the bumped epoch 2 produces from sequence 0 at 5")
    s.eq(produce(gw, topic, idem_batch(pid, 1, 1, [b"stale"]))[0], 47,
        "epoch 1 after the bump: INVALID_PRODUCER_EPOCH")
    s.eq(init_producer_id_flex(gw, 3, pid, 2), (0, pid, 3), "InitProducerId v3 bumps too")
    err, pid3, epoch3 = init_producer_id_flex(gw, 5, pid, 32766)
    s.ok(err == 0 and pid3 > pid and epoch3 == 0,
        "an exhausted epoch (32766): a new id with epoch 0 (%d, %d)" % (pid3, epoch3))
    err, pid4, epoch4 = init_producer_id_flex(gw, 5, -1, -1)
    s.ok(err == 0 and pid4 > pid3 and epoch4 == 0, "v5 with -1/-1: a new id, epoch 0")
    s.eq(init_producer_id_flex(gw, 4, pid + 10**9, 0)[0], 90,
        "v4 bump of an id never handed out: PRODUCER_FENCED")
    s.eq(init_producer_id_flex(gw, 3, pid + 10**9, 0)[0], 47,
        "v3 bump of an id never handed out: INVALID_PRODUCER_EPOCH")
    s.eq(init_producer_id_flex(gw, 4, pid, -1)[0], 42, "an id without an epoch: INVALID_REQUEST")


def main():
    with h.Session("kafka_idempotent") as s:
        gw = s.gateway()
        check_raw(s, gw)
        check_librdkafka(s, gw)


if __name__ == "__main__":
    main()
