#!/usr/bin/python3
"""e2e: SASL PLAIN on the Kafka port, the way Azure Event Hubs takes it (username
`$ConnectionString`, password a connection string), and per-topic authorization.

The gateway runs with the session's root key and a config file declaring hubs eh1 and eh2
and two more policies: `eh1-send` (Send, defined on hub eh1) and `listen-all` (Listen,
namespace).

1. kcat with security.protocol=SASL_PLAINTEXT and the root connection string produces and
   consumes; confluent_kafka likewise (SaslHandshake v1 + SaslAuthenticate).
2. A wrong key is refused: kcat -L fails with a SASL authentication error, a raw
   SaslAuthenticate gets SASL_AUTHENTICATION_FAILED (58) and the connection is closed once
   that answer is written; a wrong username too.
3. Before a login only ApiVersions and the SASL APIs are served: a raw Metadata request
   closes the connection, and so does a 32 KiB frame (the pre-authentication limit is
   16 KiB), while ApiVersions is answered. SaslAuthenticate v2 (flexible) logs in as v0
   does; its refusal (58, with a message) closes the connection too.
4. The hub-scoped policy eh1-send produces to eh1, gets TOPIC_AUTHORIZATION_FAILED (29) on
   eh2, sees only eh1 in Metadata and may not consume eh1 (29 on Fetch).
   listen-all consumes eh1 but may not produce (29), nor create, grow or delete topics (29).
   A namespace root key narrowed by EntityPath=eh2 may produce to eh2 only.
5. kafka-python (SaslHandshake v0, then the raw size-prefixed PLAIN token) produces and
   consumes; with a wrong key it gets no connection.
"""

import json
import os
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

from confluent_kafka import Consumer, KafkaError, Producer, TopicPartition  # noqa: E402

SEND_KEY = "eh1-send-key+/="
LISTEN_KEY = "listen-all-key"


def config(path):
    cfg = {"UserConfig": {"NamespaceConfig": [{"Type": "EventHub", "Name": "ns",
        "Entities": [{"Name": "eh1", "PartitionCount": "2", "ConsumerGroups": []},
                     {"Name": "eh2", "PartitionCount": "2", "ConsumerGroups": []}]}]},
        "Tributary": {"auth": {"policies": [
            {"name": "eh1-send", "key": SEND_KEY, "rights": ["Send"], "hub": "eh1"},
            {"name": "listen-all", "key": LISTEN_KEY, "rights": ["Listen"]}]}}}
    with open(path, "w") as f:
        json.dump(cfg, f)


def produce(gw, topic, values, **auth):
    """confluent_kafka; returns the delivery error codes (0 = delivered)."""
    codes = []
    p = Producer(h.kafka_conf(gw, {"acks": "all", "linger.ms": 0, "message.timeout.ms": 10000,
        "enable.idempotence": False}, **auth))
    for v in values:
        p.produce(topic, v, partition=0,
            on_delivery=lambda err, msg: codes.append(err.code() if err else 0))
    p.flush(20 * h.time_scale())
    return codes


def consume(gw, topic, n, **auth):
    """Values of partition 0 from the beginning (up to n, or what came in 10 s) and errors."""
    c = Consumer(h.kafka_conf(gw, {"group.id": "sasl-%f" % time.time(),
        "enable.auto.commit": False, "enable.partition.eof": True}, **auth))
    got, errors = [], []
    try:
        c.assign([TopicPartition(topic, 0, 0)])
        deadline = time.monotonic() + 10 * h.time_scale()
        while len(got) < n and time.monotonic() < deadline:
            m = c.poll(0.5)
            if m is None:
                continue
            if m.error():
                if m.error().code() != KafkaError._PARTITION_EOF:
                    errors.append(m.error().code())
                    if m.error().code() == KafkaError.TOPIC_AUTHORIZATION_FAILED:
                        break
                continue
            got.append(m.value())
    finally:
        c.close()
    return got, errors


def raw(sock, api_key, version, corr, body):
    return h._kafka_raw_exchange(sock, api_key, version, corr, body)


def raw_flex(sock, api_key, version, corr, body):
    """A flexible request (header v2: client id, empty tag buffer); the body of the answer
    after its header v1 (correlation id, empty tag buffer)."""
    req = struct.pack(">hhih", api_key, version, corr, 6) + b"e2e-rw" + b"\0" + body
    sock.sendall(struct.pack(">i", len(req)) + req)
    resp = h._recv_exact(sock, struct.unpack(">i", h._recv_exact(sock, 4))[0])
    assert struct.unpack(">i", resp[:4])[0] == corr and resp[4] == 0, "header v1"
    return resp[5:]


def uvarint(n):
    out = b""
    while n >= 0x80:
        out += bytes([(n & 0x7F) | 0x80])
        n >>= 7
    return out + bytes([n])


def flexible_login_part(s, gw):
    """SaslAuthenticate v2 (flexible, KIP-482) after SaslHandshake v1."""
    token = b"\0" + h.KAFKA_SASL_USERNAME.encode() + b"\0" + gw.kafka_connstr().encode()
    with socket.create_connection(("127.0.0.1", gw.kafka_port), timeout=10) as sock:
        r = raw(sock, 17, 1, 1, struct.pack(">h", 5) + b"PLAIN")
        s.eq(struct.unpack(">h", r[:2])[0], 0, "SaslHandshake v1 before a v2 login")
        r = raw_flex(sock, 36, 2, 2, uvarint(len(token) + 1) + token + b"\0")
        # error 0, error_message null (0), auth_bytes empty (1), session lifetime 0, no tags
        s.eq(r, struct.pack(">hBBqB", 0, 0, 1, 0, 0), "SaslAuthenticate v2 login: flexible answer")
        r = raw(sock, 3, 0, 3, struct.pack(">i", 0))  # Metadata v0, no topics
        s.ok(len(r) > 8, "after a SaslAuthenticate v2 login, Metadata is answered")
    with socket.create_connection(("127.0.0.1", gw.kafka_port), timeout=10) as sock:
        raw(sock, 17, 1, 1, struct.pack(">h", 5) + b"PLAIN")
        bad = b"\0" + h.KAFKA_SASL_USERNAME.encode() + b"\0" + \
            gw.kafka_connstr(key="wrong-key").encode()
        r = raw_flex(sock, 36, 2, 2, uvarint(len(bad) + 1) + bad + b"\0")
        s.eq(struct.unpack(">h", r[:2])[0], 58, "SaslAuthenticate v2 with a wrong key: 58")
        s.ok(r[2] > 1, "SaslAuthenticate v2 refusal carries a message (compact string)")
        s.ok(closed(sock), "the gateway closes the connection after a v2 refusal")


def closed(sock):
    """True when the peer closed the connection (EOF or reset within a few seconds)."""
    sock.settimeout(5 * h.time_scale())
    try:
        return sock.recv(1) == b""
    except (ConnectionResetError, BrokenPipeError):
        return True
    except socket.timeout:
        return False


def kcat_part(s, gw):
    p = h.kcat(gw, "-P", "-t", "eh1", "-p", "1", input=b"kcat-1\nkcat-2\n")
    s.eq(p.returncode, 0, "kcat -P with SASL PLAIN ($ConnectionString, root key)")
    p = h.kcat(gw, "-C", "-t", "eh1", "-p", "1", "-o", "beginning", "-e", "-q")
    s.eq(p.stdout.split(), [b"kcat-1", b"kcat-2"], "kcat -C with SASL PLAIN reads them back")
    s.eq(produce(gw, "eh1", [b"ck-1", b"ck-2"]), [0, 0], "confluent_kafka produces with SASL")
    got, errors = consume(gw, "eh1", 2)
    s.eq((got, errors), ([b"ck-1", b"ck-2"], []), "confluent_kafka consumes with SASL")


def wrong_key_part(s, gw):
    p = h.kcat(gw, "-L", "-m", "5", auth=False, *h.kcat_sasl_args(gw, key="wrong-key"))
    text = p.stderr.decode("utf-8", "replace")
    s.ok(p.returncode != 0 and "SASL authentication error" in text,
        "kcat -L with a wrong key: SASL authentication error", text[-400:])
    with socket.create_connection(("127.0.0.1", gw.kafka_port), timeout=10) as sock:
        s.eq(h.kafka_sasl_login(sock, gw, key="wrong-key"), 58,
            "raw SaslAuthenticate with a wrong key: SASL_AUTHENTICATION_FAILED (58)")
        s.ok(closed(sock), "the gateway closes the connection after answering 58")
    with socket.create_connection(("127.0.0.1", gw.kafka_port), timeout=10) as sock:
        r = raw(sock, 17, 1, 1, struct.pack(">h", 5) + b"PLAIN")
        token = b"\0RootManageSharedAccessKey\0" + gw.key.encode()
        r = raw(sock, 36, 1, 2, struct.pack(">i", len(token)) + token)
        s.eq(struct.unpack(">h", r[:2])[0], 58,
            "policy name as username (not $ConnectionString): 58")


def before_login_part(s, gw):
    with socket.create_connection(("127.0.0.1", gw.kafka_port), timeout=10) as sock:
        r = raw(sock, 18, 0, 1, b"")
        s.eq(struct.unpack(">h", r[:2])[0], 0, "ApiVersions is answered before a login")
        keys = struct.unpack(">i", r[2:6])[0]
        listed = [struct.unpack(">hhh", r[6 + 6 * i:12 + 6 * i]) for i in range(keys)]
        s.ok((17, 0, 1) in listed and (36, 0, 2) in listed,
            "ApiVersions lists SaslHandshake 0-1 and SaslAuthenticate 0-2", listed)
        sock.sendall(struct.pack(">ihhi", 10, 3, 0, 2) + struct.pack(">h", 0))  # Metadata v0
        s.ok(closed(sock), "Metadata before a login closes the connection")
    with socket.create_connection(("127.0.0.1", gw.kafka_port), timeout=10) as sock:
        sock.sendall(struct.pack(">ihhi", 32 * 1024, 18, 0, 1) + b"\0" * 64)
        s.ok(closed(sock), "a 32 KiB frame before a login closes the connection")
    with h.kafka_connect(gw) as sock:
        r = raw(sock, 3, 0, 5, struct.pack(">i", 0))  # Metadata v0, no topics
        s.ok(len(r) > 8, "after a raw SaslHandshake v1 + SaslAuthenticate, Metadata is answered")


def metadata_topics(gw, **auth):
    from confluent_kafka.admin import AdminClient
    md = AdminClient(h.kafka_conf(gw, **auth)).list_topics(timeout=10 * h.time_scale())
    return sorted(t for t in md.topics)


def fetch_error(gw, topic, **auth):
    """Error code of a raw Fetch v4 of partition 0 over an authenticated raw connection."""
    body = struct.pack(">iiiib", -1, 0, 1, 1 << 20, 0)
    body += struct.pack(">i", 1) + struct.pack(">h", len(topic)) + topic.encode()
    body += struct.pack(">i", 1) + struct.pack(">iqi", 0, 0, 1 << 20)
    with h.kafka_connect(gw, **auth) as sock:
        r = raw(sock, 1, 4, 11, body)
    pos = 4 + 4  # throttle, topic count
    pos += 2 + struct.unpack_from(">h", r, pos)[0] + 4
    return struct.unpack_from(">ih", r, pos)[1]


def scoped_part(s, gw):
    send = {"key": SEND_KEY, "policy": "eh1-send"}
    s.eq(produce(gw, "eh1", [b"scoped-1"], **send), [0], "eh1-send produces to eh1")
    s.eq(produce(gw, "eh2", [b"scoped-2"], **send), [KafkaError.TOPIC_AUTHORIZATION_FAILED],
        "eh1-send producing to eh2: TOPIC_AUTHORIZATION_FAILED")
    s.eq(metadata_topics(gw, **send), ["eh1"], "eh1-send: Metadata lists eh1 only")
    s.eq(metadata_topics(gw), ["eh1", "eh2"], "root: Metadata lists eh1 and eh2")
    s.eq(fetch_error(gw, "eh1", **send), 29, "eh1-send fetching eh1: 29 (no Listen)")
    s.eq(fetch_error(gw, "eh1", key=SEND_KEY, policy="eh1-send", entity="eh1"), 29,
        "eh1-send with EntityPath=eh1: still no Listen")
    listen = {"key": LISTEN_KEY, "policy": "listen-all"}
    s.eq(fetch_error(gw, "eh1", **listen), 0, "listen-all fetches eh1")
    got, errors = consume(gw, "eh1", 3, **listen)
    s.eq(got, [b"ck-1", b"ck-2", b"scoped-1"], "listen-all consumes eh1 with confluent_kafka")
    s.eq(produce(gw, "eh1", [b"no"], **listen), [KafkaError.TOPIC_AUTHORIZATION_FAILED],
        "listen-all producing: TOPIC_AUTHORIZATION_FAILED")
    narrowed = {"entity": "eh2"}
    s.eq(produce(gw, "eh2", [b"narrow-2"], **narrowed), [0], "root key with EntityPath=eh2 -> eh2")
    s.eq(produce(gw, "eh1", [b"narrow-1"], **narrowed), [KafkaError.TOPIC_AUTHORIZATION_FAILED],
        "root key with EntityPath=eh2 -> eh1: TOPIC_AUTHORIZATION_FAILED")
    with socket.create_connection(("127.0.0.1", gw.kafka_port), timeout=10) as sock:
        s.eq(h.kafka_sasl_login(sock, gw, key=SEND_KEY, policy="eh1-send", entity="eh2"), 58,
            "eh1-send with EntityPath=eh2 (outside its hub): 58")
    admin_codes = admin_errors(gw, **listen)
    s.eq(admin_codes, [KafkaError.TOPIC_AUTHORIZATION_FAILED] * 3,
        "listen-all: CreateTopics, CreatePartitions and DeleteTopics get 29")
    s.eq(metadata_topics(gw), ["eh1", "eh2"], "nothing was created or deleted")


def admin_errors(gw, **auth):
    """Error codes of CreateTopics new-t, CreatePartitions eh2 to 3 and DeleteTopics eh2."""
    from confluent_kafka import KafkaException
    from confluent_kafka.admin import AdminClient, NewPartitions, NewTopic
    a = AdminClient(h.kafka_conf(gw, **auth))
    out = []
    for futures in (a.create_topics([NewTopic("new-t", 1, 1)]),
                    a.create_partitions([NewPartitions("eh2", 3)]),
                    a.delete_topics(["eh2"])):
        for f in futures.values():
            try:
                f.result(20 * h.time_scale())
                out.append(0)
            except KafkaException as exc:
                out.append(exc.args[0].code())
    return out


def kafka_python_part(s, gw):
    from kafka import KafkaConsumer, KafkaProducer, TopicPartition as KpTp
    from kafka.errors import KafkaError as KpError
    p = KafkaProducer(**h.kafka_python_kw(gw, acks="all", api_version=(2, 4, 0),
        request_timeout_ms=int(20000 * h.time_scale())))
    md = p.send("eh2", b"kp-1", partition=1).get(timeout=20 * h.time_scale())
    p.close()
    s.eq(md.offset, 0, "kafka-python (SaslHandshake v0 + raw token) produces to eh2")
    c = KafkaConsumer(**h.kafka_python_kw(gw, api_version=(2, 4, 0), enable_auto_commit=False,
        consumer_timeout_ms=int(5000 * h.time_scale())))
    c.assign([KpTp("eh2", 1)])
    c.seek_to_beginning()
    got = [m.value for m in c]
    c.close()
    s.eq(got, [b"kp-1"], "kafka-python consumes it back")
    p = None
    try:
        p = KafkaProducer(**h.kafka_python_kw(gw, key="wrong", api_version=(2, 4, 0),
            max_block_ms=3000))
        p.send("eh2", b"never", partition=1).get(timeout=5 * h.time_scale())
        s.ok(False, "kafka-python with a wrong key gets no connection")
    except KpError as exc:
        s.ok(True, "kafka-python with a wrong key gets no connection (%s)" % type(exc).__name__)
    finally:
        if p is not None:
            p.close(timeout=1)
    s.ok("SASL PLAIN (raw token) refused" in gw.log_text(),
        "the gateway logged the refused raw token")


if __name__ == "__main__":
    with h.Session("kafka_sasl") as s:
        path = os.path.join(s.workdir, "Config.json")
        config(path)
        gw = s.gateway(extra=["--config", path])
        for part in (kcat_part, wrong_key_part, before_login_part, flexible_login_part, scoped_part,
                     kafka_python_part):
            try:
                part(s, gw)
            except Exception as exc:
                s.checks.error(part.__name__, exc)
