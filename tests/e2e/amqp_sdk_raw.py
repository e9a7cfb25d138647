#!/usr/bin/python3
"""e2e: raw AMQP checks the Event Hubs SDKs cannot make (issue 4).

1. Both forms of the Event Hubs selector filter descriptor (python3-qpid-proton receivers):
   the symbol `apache.org:selector-filter:string` and the ulong 0x0000468C00000004, each
   with a sequence-number and an offset expression, give the same events.
2. A 2 MiB message (one delivery over many transfer frames, from a raw-socket client) is
   rejected with `amqp:link:message-size-exceeded`; nothing is stored; the link still works.
3. A batch (message-format 0x80013700, which Proton 0.37 cannot set, so the frames are built
   here on a raw socket) whose second inner message is malformed: the whole delivery is
   rejected and none of its events is stored; a well-formed batch on the same link is then
   accepted and stored as one record per data section.

Authorisation is on (the default): the harness gives the gateway a random root key and every
client here (Proton and the raw socket one) uses SASL PLAIN with RootManageSharedAccessKey and it.
"""

import os
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

BATCH_FORMAT = 0x80013700
KEY_NAME = "RootManageSharedAccessKey"
SYMBOL_DESCRIPTOR = "apache.org:selector-filter:string"

# ------------------------------------------------------------ encoders


def enc_null():
    return b"\x40"


def enc_bool(b):
    return b"\x41" if b else b"\x42"


def enc_uint(v):
    return b"\x70" + struct.pack(">I", v)


def enc_ulong(v):
    return b"\x80" + struct.pack(">Q", v)


def enc_ubyte(v):
    return b"\x50" + bytes([v])


def enc_binary(b):
    return (b"\xa0" + bytes([len(b)]) + b) if len(b) < 256 else (b"\xb0" + struct.pack(">I", len(b)) + b)


def enc_string(s):
    return h.amqp_enc_string(s)


def enc_symbol(s):
    b = s.encode("ascii")
    return (b"\xa3" + bytes([len(b)]) + b) if len(b) < 256 else (b"\xb3" + struct.pack(">I", len(b)) + b)


def enc_list(items):
    body = b"".join(items)
    return b"\xd0" + struct.pack(">II", len(body) + 4, len(items)) + body


def enc_map(pairs):
    body = b"".join(k + v for k, v in pairs)
    return b"\xd1" + struct.pack(">II", len(body) + 4, 2 * len(pairs)) + body


def described(code, value):
    return b"\x00\x53" + bytes([code]) + value


def frame(body, ftype=0, channel=0):
    return struct.pack(">IBBH", 8 + len(body), 2, ftype, channel) + body


def message(data, annotations=None, app_props=None):
    out = b""
    if annotations:
        out += described(0x72, enc_map([(enc_symbol(k), v) for k, v in annotations.items()]))
    if app_props:
        out += described(0x74, enc_map([(enc_string(k), v) for k, v in app_props.items()]))
    return out + described(0x75, enc_binary(data))


def batch(inner_messages, annotations=None):
    """An Event Hubs batch envelope: one data section per encoded inner message."""
    out = b""
    if annotations:
        out += described(0x72, enc_map([(enc_symbol(k), v) for k, v in annotations.items()]))
    return out + b"".join(described(0x75, enc_binary(m)) for m in inner_messages)

# -------------------------------------------------------- raw client


class RawAmqp:
    """A minimal AMQP 1.0 client on a socket: SASL, open, begin, one sender link, transfers
    with any message-format. Frames received are decoded with harness.amqp_decode."""

    def __init__(self, port, user=None, password=None):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10 * h.time_scale())
        self.buf = b""
        self.max_frame = 512
        self.next_id = 0
        self._sasl(user, password)
        self.sock.sendall(frame(described(0x10, enc_list([enc_string("raw-test"), enc_string("127.0.0.1"),
            enc_uint(65536)]))))
        self.sock.sendall(frame(described(0x11, enc_list([enc_null(), enc_uint(0), enc_uint(100000),
            enc_uint(100000)]))))
        opened = self.expect(0x10)
        fields = opened.value.value
        if len(fields) > 2 and fields[2].value:
            self.max_frame = min(65536, fields[2].value)
        self.expect(0x11)

    def _recv_exact(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("connection closed by the gateway")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def read_frame(self):
        """(frame type, performative AV or None for a heartbeat, payload bytes after it)."""
        size, doff, ftype, _ch = struct.unpack(">IBBH", self._recv_exact(8))
        rest = self._recv_exact(size - 8)
        body = rest[doff * 4 - 8:]
        if not body:
            return ftype, None, b""
        perf, pos = h.amqp_decode(body, 0)
        return ftype, perf, body[pos:]

    def expect(self, code, timeout=10):
        """Reads frames until a performative with descriptor `code`; raises on close/detach."""
        end = time.monotonic() + timeout * h.time_scale()
        while time.monotonic() < end:
            _t, perf, _p = self.read_frame()
            if perf is None:
                continue
            if perf.descriptor == code:
                return perf
            if perf.descriptor in (0x16, 0x18) and code not in (0x16, 0x18):  # detach, close
                raise RuntimeError("unexpected %s: %r" % ("detach" if perf.descriptor == 0x16 else "close",
                    perf))
        raise TimeoutError("no performative 0x%x" % code)

    def _sasl(self, user, password):
        self.sock.sendall(b"AMQP\x03\x01\x00\x00")
        if self._recv_exact(8) != b"AMQP\x03\x01\x00\x00":
            raise RuntimeError("no SASL header")
        _t, mechs, _ = self.read_frame()
        offered = mechs.value.value[0]
        names = [x.value for x in offered.value] if offered.type == "array" else [offered.value]
        if user is not None and "PLAIN" in names:
            init = [enc_symbol("PLAIN"), enc_binary(b"\0" + user.encode() + b"\0" + password.encode())]
        else:
            init = [enc_symbol("ANONYMOUS"), enc_binary(b"")]
        self.sock.sendall(frame(described(0x41, enc_list(init)), ftype=1))
        _t, outcome, _ = self.read_frame()
        code = outcome.value.value[0].value
        if code != 0:
            raise RuntimeError("SASL outcome %d" % code)
        self.sock.sendall(b"AMQP\x00\x01\x00\x00")
        if self._recv_exact(8) != b"AMQP\x00\x01\x00\x00":
            raise RuntimeError("no AMQP header after SASL")

    def attach_sender(self, address, handle=0):
        src = described(0x28, enc_list([enc_string("raw-src")]))
        tgt = described(0x29, enc_list([enc_string(address)]))
        # name, handle, role=sender, snd-settle-mode=unsettled, rcv-settle-mode=first, source, target
        self.sock.sendall(frame(described(0x12, enc_list([enc_string("raw-" + address), enc_uint(handle),
            enc_bool(False), enc_ubyte(0), enc_ubyte(0), src, tgt]))))
        att = self.expect(0x12)
        flow = self.expect(0x13)
        return att, flow

    def transfer(self, payload, fmt=0, handle=0):
        """Sends one unsettled delivery (split over frames of max_frame); returns the
        disposition's state AV (e.g. described 0x24 accepted, 0x25 rejected)."""
        did = self.next_id
        self.next_id += 1
        tag = b"t%d" % did
        first = True
        pos = 0
        while True:
            fields = [enc_uint(handle)]
            if first:
                fields += [enc_uint(did), enc_binary(tag), enc_uint(fmt), enc_bool(False)]
            else:
                fields += [enc_null(), enc_null(), enc_null(), enc_null()]
            perf_room = self.max_frame - 8 - 64
            chunk = payload[pos:pos + perf_room]
            pos += len(chunk)
            more = pos < len(payload)
            fields.append(enc_bool(more))
            self.sock.sendall(frame(described(0x14, enc_list(fields)) + chunk))
            first = False
            if not more:
                break
        while True:
            disp = self.expect(0x15, timeout=30)
            f = disp.value.value
            first_id = f[1].value
            last_id = f[2].value if len(f) > 2 and f[2].value is not None else first_id
            if first_id <= did <= last_id:
                return f[4] if len(f) > 4 else None

    def close(self):
        try:
            self.sock.sendall(frame(described(0x18, enc_list([]))))
        except OSError:
            pass
        self.sock.close()


def outcome(state):
    """('accepted'|'rejected'|..., error condition or None) of a disposition state AV."""
    if state is None or state.type != "described":
        return (None, None)
    name = {0x24: "accepted", 0x25: "rejected", 0x26: "released", 0x27: "modified"}.get(state.descriptor)
    cond = None
    if name == "rejected" and state.value.value:
        err = state.value.value[0]
        if err.type == "described" and err.value.value:
            cond = err.value.value[0].value
    return (name, cond)

# ------------------------------------------------------------ proton


def raw_client(gw):
    return RawAmqp(gw.amqp_port, KEY_NAME, gw.key)


def stored(gw, partition):
    got = h.kafka_consume_all(gw, "eh1", [partition])
    return [v for _o, _k, v, _hd, _ts in got[partition]]


def filter_forms(s, gw):
    from proton import Described, Message, symbol, ulong
    from proton.reactor import Filter
    h.amqp_send(gw, "eh1/Partitions/0", [Message(body=b"f%d" % i, inferred=True) for i in range(6)])
    for expr, want in [("amqp.annotation.x-opt-sequence-number > '2'", [b"f3", b"f4", b"f5"]),
            ("amqp.annotation.x-opt-sequence-number >= '4'", [b"f4", b"f5"]),
            ("amqp.annotation.x-opt-offset > '1'", [b"f2", b"f3", b"f4", b"f5"])]:
        for form, desc in [("ulong 0x0000468C00000004", ulong(h.SELECTOR_DESCRIPTOR)),
                ("symbol " + SYMBOL_DESCRIPTOR, symbol(SYMBOL_DESCRIPTOR))]:
            flt = Filter({symbol(h.SELECTOR_KEY): Described(desc, expr)})
            orig = h.selector
            h.selector = lambda e, _f=flt: _f  # amqp_receive_raw builds its filter with h.selector
            try:
                raws = h.amqp_receive_raw(gw, "eh1/ConsumerGroups/$Default/Partitions/0", len(want),
                    expr=expr, settle_wait=0.5)
                bodies = [h.Delivered(r).data[0] for r in raws]
                s.eq(bodies, want, "filter %s, descriptor %s" % (expr, form))
            except Exception as exc:
                s.checks.error("filter %s, descriptor %s" % (expr, form), exc)
            finally:
                h.selector = orig


def too_large(s, gw):
    c = raw_client(gw)
    try:
        att, _flow = c.attach_sender("eh1/Partitions/3")
        mms = att.value.value[10].value if len(att.value.value) > 10 else None
        s.ok(mms is not None and 0 < mms < 2 * 1024 * 1024, "sender attach advertises max-message-size %r" % mms)
        big = message(os.urandom(2 * 1024 * 1024))
        st, cond = outcome(c.transfer(big))
        s.eq((st, cond), ("rejected", "amqp:link:message-size-exceeded"),
            "2 MiB message over %d-byte frames rejected with message-size-exceeded" % c.max_frame)
        st, cond = outcome(c.transfer(message(b"small after big")))
        s.eq(st, "accepted", "the same link then takes a small message")
    finally:
        c.close()
    s.eq(stored(gw, 3), [b"small after big"], "partition 3 holds only the small message")


def malformed_batch(s, gw):
    good = [message(b"batch-a", app_props={"n": enc_uint(1)}), message(b"batch-b")]
    # The second inner message: a data section announcing 200 bytes with 3 present.
    bad_inner = described(0x75, b"\xa0\xc8abc")
    c = raw_client(gw)
    try:
        c.attach_sender("eh1/Partitions/2")
        st, cond = outcome(c.transfer(batch([good[0], bad_inner, good[1]]), fmt=BATCH_FORMAT))
        s.eq(st, "rejected", "batch with a malformed inner message rejected (condition %s)" % cond)
        s.ok(cond in ("amqp:decode-error", "amqp:invalid-field", "com.microsoft:argument-error"),
            "rejection condition %r names the malformed message" % cond)
        not_section = b"\x00\x53\x77\xa1\x03abc"  # amqp-value inside the envelope: not a data section
        st2, cond2 = outcome(c.transfer(message(b"x")[:-3] + b"\xa0\x05ab", fmt=BATCH_FORMAT))
        s.eq(st2, "rejected", "batch envelope cut short rejected (%s)" % cond2)
        st3, cond3 = outcome(c.transfer(batch([good[0]]) + not_section, fmt=BATCH_FORMAT))
        s.eq(st3, "rejected", "batch envelope with an amqp-value section rejected (%s)" % cond3)
        s.eq(stored(gw, 2), [], "nothing of the rejected batches is stored")
        st, cond = outcome(c.transfer(batch(good, {"x-opt-partition-key": enc_string("bk")}), fmt=BATCH_FORMAT))
        s.eq(st, "accepted", "a well-formed batch on the same link is accepted")
    finally:
        c.close()
    s.eq(stored(gw, 2), [b"batch-a", b"batch-b"], "it is stored as one record per data section")


def main():
    with h.Session("amqp_sdk_raw") as s:
        gw = s.gateway()
        for part in (filter_forms, too_large, malformed_batch):
            try:
                part(s, gw)
            except Exception as exc:
                s.checks.error(part.__name__, exc)
        s.ok(gw.alive(), "gateway still running")


if __name__ == "__main__":
    main()
