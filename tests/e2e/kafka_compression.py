#!/usr/bin/python3
"""e2e: compressed Kafka record batches (gzip, snappy, lz4, zstd).

For each codec, real producers write keyed records with headers to partition 0
of a topic of their own (auto-created):
  - kafka-python (python3-kafka, with python3-snappy, -lz4, -zstandard): it
    compresses every codec, and sends snappy in the xerial framing Java
    clients use;
  - confluent_kafka (librdkafka 2.0.2) with compression.codec=<codec>. This
    librdkafka gates gzip, snappy and lz4 on the broker accepting Produce v0
    (rdkafka_msgset_writer.c compr_req); our Produce is served from v0
    (message sets are up-converted, lib/msgset.c), so it compresses every
    codec and its record batches must be stored with that codec.
Then for every topic:
  - a raw Fetch v4 shows the stored batches still carry the codec bits the
    producer sent (stored as sent: not recompressed, not inflated), and the
    xerial magic for kafka-python's snappy;
  - a confluent_kafka consumer (check.crcs) reads every record back: key,
    value, headers, offsets 0..n-1;
  - a python3-qpid-proton AMQP receiver (SASL PLAIN, the harness's root key)
    reads the same events decompressed: body, binary header properties,
    x-opt-kafka-key, x-opt-sequence-number.
Finally a batch flagged gzip whose records are no gzip stream is refused with
CORRUPT_MESSAGE (2) and one flagged codec 5 with UNSUPPORTED_COMPRESSION_TYPE
(76), both over a raw socket, and nothing is stored.
"""

import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

CODECS = {"gzip": 1, "snappy": 2, "lz4": 3, "zstd": 4}
COUNT = 40


def record(codec, i):
    key = b"%s-key-%d" % (codec.encode(), i)
    # compressible values, a few hundred bytes, so every codec really compresses
    value = (b"%s value %d " % (codec.encode(), i)) * (10 + i % 7)
    headers = [("h-codec", codec.encode()), ("h-bin", bytes([0, 1, 0xfe, 0xff, i & 0xff])),
        ("h-empty", b"")]
    return key, value, headers


def produce_rdkafka(gw, topic, codec):
    """confluent_kafka; returns (records not delivered, [(error, offset)])."""
    from confluent_kafka import Producer
    reports = []
    p = Producer(h.kafka_conf(gw, {"compression.codec": codec,
        "linger.ms": 50, "batch.num.messages": 1000, "acks": "all",
        "enable.idempotence": False}))
    for i in range(COUNT):
        k, v, hd = record(codec, i)
        p.produce(topic, value=v, key=k, headers=hd, partition=0,
            on_delivery=lambda err, msg: reports.append((err, msg.offset() if msg else None)))
    left = p.flush(30 * h.time_scale())
    return left, reports


def produce_kafka_python(gw, topic, codec):
    """kafka-python; same answer shape as produce_rdkafka."""
    from kafka import KafkaProducer
    p = KafkaProducer(**h.kafka_python_kw(gw, compression_type=codec, linger_ms=50,
        acks="all", api_version=(2, 4, 0), request_timeout_ms=int(20000 * h.time_scale())))
    futures = []
    for i in range(COUNT):
        k, v, hd = record(codec, i)
        futures.append(p.send(topic, value=v, key=k, headers=hd, partition=0))
    p.flush(30 * h.time_scale())
    reports = []
    for f in futures:
        try:
            reports.append((None, f.get(timeout=10 * h.time_scale()).offset))
        except Exception as exc:
            reports.append((exc, None))
    p.close(5)
    return 0, reports


# --------------------------------------------------------- raw Kafka Fetch


def kstr(s):
    b = s.encode()
    return struct.pack(">h", len(b)) + b


def fetch_raw(gw, topic, partition=0, version=4):
    """The records bytes of one partition from offset 0 (Fetch v4, no library)."""
    body = struct.pack(">iiiib", -1, 100, 1, 8 << 20, 0)
    body += struct.pack(">i", 1) + kstr(topic) + struct.pack(">i", 1)
    body += struct.pack(">iqi", partition, 0, 8 << 20)
    req = struct.pack(">hhi", 1, version, 7) + kstr("e2e-raw") + body
    with h.kafka_connect(gw, timeout=10) as s:
        s.sendall(struct.pack(">i", len(req)) + req)
        n = struct.unpack(">i", recv_exact(s, 4))[0]
        resp = recv_exact(s, n)
    pos = 4 + 4  # correlation id, throttle
    ntopics = struct.unpack_from(">i", resp, pos)[0]
    pos += 4
    assert ntopics == 1, ntopics
    tlen = struct.unpack_from(">h", resp, pos)[0]
    pos += 2 + tlen
    nparts = struct.unpack_from(">i", resp, pos)[0]
    pos += 4
    assert nparts == 1, nparts
    _, err, _, _ = struct.unpack_from(">ihqq", resp, pos)
    pos += 4 + 2 + 8 + 8
    naborted = struct.unpack_from(">i", resp, pos)[0]
    pos += 4 + max(0, naborted) * 16
    rlen = struct.unpack_from(">i", resp, pos)[0]
    pos += 4
    return err, resp[pos:pos + max(0, rlen)]


def recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("peer closed after %d of %d bytes" % (len(buf), n))
        buf += chunk
    return buf


def batches(records):
    """(attributes, recordsCount, whole batch bytes) of each whole batch."""
    out = []
    pos = 0
    while pos + 61 <= len(records):
        blen = struct.unpack_from(">i", records, pos + 8)[0]
        if pos + 12 + blen > len(records):
            break  # a partial batch at the end of a Fetch
        attrs = struct.unpack_from(">h", records, pos + 21)[0]
        count = struct.unpack_from(">i", records, pos + 57)[0]
        out.append((attrs, count, records[pos:pos + 12 + blen]))
        pos += 12 + blen
    return out


# ------------------------------------------------------- raw Kafka Produce


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


def plain_batch(attrs, value=b"not compressed at all"):
    rec = b"\x00" + varint(0) + varint(0) + varint(-1) + varint(len(value)) + value + varint(0)
    recs = varint(len(rec)) + rec
    after_crc = struct.pack(">hiqqqhii", attrs, 0, 1000, 1000, -1, -1, -1, 1) + recs
    body = struct.pack(">ib", -1, 2) + struct.pack(">I", crc32c(after_crc)) + after_crc
    return struct.pack(">qi", 0, len(body)) + body


def produce_raw(gw, topic, batch, version=7):
    """Produce one batch to partition 0; returns the partition's error code."""
    body = struct.pack(">hhi", -1, 1, 10000)  # transactional id null, acks 1, timeout
    body += struct.pack(">i", 1) + kstr(topic) + struct.pack(">i", 1)
    body += struct.pack(">ii", 0, len(batch)) + batch
    req = struct.pack(">hhi", 0, version, 9) + kstr("e2e-raw") + body
    with h.kafka_connect(gw, timeout=10) as s:
        s.sendall(struct.pack(">i", len(req)) + req)
        n = struct.unpack(">i", recv_exact(s, 4))[0]
        resp = recv_exact(s, n)
    pos = 4 + 4  # correlation id, topic count
    tlen = struct.unpack_from(">h", resp, pos)[0]
    pos += 2 + tlen + 4 + 4  # name, partition count, index
    return struct.unpack_from(">h", resp, pos)[0]


# ------------------------------------------------------------------ checks


XERIAL_MAGIC = b"\x82SNAPPY\x00"


def check_codec(s, gw, codec, client):
    """client: "kp" (kafka-python) or "rk" (librdkafka)."""
    topic = "zc-%s-%s" % (codec, client)
    who = "%s/%s" % (codec, "kafka-python" if client == "kp" else "librdkafka")
    left, reports = (produce_kafka_python if client == "kp" else produce_rdkafka)(gw, topic, codec)
    errs = [e for e, _ in reports if e is not None]
    s.ok(left == 0 and len(reports) == COUNT and not errs,
        "%s: %d records acknowledged" % (who, COUNT),
        "left %d, reports %d, errors %s" % (left, len(reports), errs[:3]))
    s.eq(sorted(o for _, o in reports if o is not None), list(range(COUNT)),
        "%s: offsets 0..%d" % (who, COUNT - 1))

    # Stored as sent: every stored batch carries the codec bits the producer used.
    try:
        err, recs = fetch_raw(gw, topic)
        bs = batches(recs)
        s.eq(err, 0, "%s: raw Fetch v4 error code" % who)
        stored = sorted(set(a & 7 for a, _, _ in bs))
        s.eq(sum(n for _, n, _ in bs), COUNT, "%s: stored batches hold %d records" % (who, COUNT))
        s.eq(stored, [CODECS[codec]], "%s: stored batches keep codec %d" % (who, CODECS[codec]))
        raw_len = sum(len(b) for _, _, b in bs)
        plain_len = sum(len(record(codec, i)[1]) for i in range(COUNT))
        s.ok(raw_len < plain_len, "%s: stored bytes (%d) are compressed (values alone %d)"
            % (who, raw_len, plain_len))
        if client == "kp" and codec == "snappy":
            s.ok(all(b[61:69] == XERIAL_MAGIC for _, _, b in bs),
                "%s: stored records use the xerial framing" % who)
    except Exception as exc:
        s.checks.error("%s: raw Fetch" % who, exc)

    # Kafka consumer: the records as produced.
    try:
        got = h.kafka_consume_all(gw, topic, [0])[0]
        s.eq([o for o, *_ in got], list(range(COUNT)), "%s: Kafka consumer offsets" % who)
        ok = len(got) == COUNT
        for off, k, v, hd, _ in got:
            wk, wv, wh = record(codec, off)
            if (k, v, [(n, bytes(x) if x is not None else None) for n, x in hd]) != (wk, wv, wh):
                ok = False
                s.ok(False, "%s: Kafka record %d as produced" % (who, off), (k, v[:40], hd))
                break
        s.ok(ok, "%s: Kafka consumer reads keys, values and headers back" % who)
    except Exception as exc:
        s.checks.error("%s: Kafka consume" % who, exc)

    # AMQP receiver: the same events, decompressed by the gateway.
    addr = "%s/ConsumerGroups/$Default/Partitions/0" % topic
    try:
        raws = h.amqp_receive_raw(gw, addr, COUNT)
        s.eq(len(raws), COUNT, "%s: AMQP receiver gets %d messages" % (who, COUNT))
        bad = []
        for n, raw in enumerate(raws):
            d = h.Delivered(raw)
            k, v, hd = record(codec, n)
            sn = d.annotations.get("x-opt-sequence-number")
            kk = d.annotations.get("x-opt-kafka-key")
            props = {name: (pv.type, pv.value) for name, pv in d.app_props.items()}
            if (d.data[:1] != [v] or sn is None or sn.value != n or kk is None or kk.value != k
                    or props != {name: ("binary", x) for name, x in hd}):
                bad.append((n, d.data[:1][0][:30] if d.data else None, sn, kk, props))
        s.ok(not bad, "%s: AMQP bodies, keys, header properties and sequence numbers" % who,
            bad[:2])
    except Exception as exc:
        s.checks.error("%s: AMQP receive from %s" % (who, addr), exc)


def check_refusals(s, gw):
    topic = "zc-gzip-kp"
    try:
        before = len(batches(fetch_raw(gw, topic)[1]))
        s.eq(produce_raw(gw, topic, plain_batch(1)), 2,
            "gzip bits over records that are no gzip stream: CORRUPT_MESSAGE")
        s.eq(produce_raw(gw, topic, plain_batch(5)), 76,
            "codec 5: UNSUPPORTED_COMPRESSION_TYPE")
        s.eq(produce_raw(gw, topic, plain_batch(0)), 0, "the same batch uncompressed is accepted")
        s.eq(len(batches(fetch_raw(gw, topic)[1])), before + 1,
            "only the uncompressed batch was stored")
    except Exception as exc:
        s.checks.error("raw produce refusals", exc)


def main():
    with h.Session("kafka_compression") as s:
        gw = s.gateway()
        for codec in CODECS:
            for client in ("kp", "rk"):
                check_codec(s, gw, codec, client)
        check_refusals(s, gw)


if __name__ == "__main__":
    main()
