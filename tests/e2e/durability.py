#!/usr/bin/python3
"""e2e (d): an acknowledgement means the data is on disk (DESIGN.md §4).

A librdkafka C producer (acks=-1, one request in flight) produces without pause
to eh1 partition 0 and prints every acknowledged offset. Once enough records
are acknowledged the test SIGKILLs the gateway mid-stream, stops the
producer, restarts the gateway on the same data directory and checks:
  - every acknowledged record is there, at its offset, with its exact key and
    value;
  - the partition reads from the beginning to the end (CRCs checked by
    librdkafka): offsets contiguous from 0, every record a well-formed
    producer record, in production order, none twice — nothing half-written
    is served;
  - the log continues: a new record gets the next offset.
This is done twice (two crash/restart cycles on the same directory).
"""

import os
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

PARTITION = 0
MIN_ACKED = int(os.environ.get("E2E_DURABLE_MIN_ACKED", "3000"))
CYCLES = 2


def durable_value(n):
    """Mirror of durable_value() in kafka_durable_produce.c."""
    length = 64 + (n % 7) * 61
    head = b"seq=%08d;" % n
    return head + bytes(ord("a") + (n + j) % 26 for j in range(len(head), length))


class Producer:
    """kafka_durable_produce in the background; collects its ACK lines."""

    def __init__(self, gw, workdir, cycle):
        self.acked = {}
        self.lock = threading.Lock()
        self.err_path = os.path.join(workdir, "producer-%d.err" % cycle)
        err = open(self.err_path, "wb")
        # Each cycle numbers its records from cycle * 10^6: unique and increasing overall.
        self.proc = subprocess.Popen([h.tool("E2E_KAFKA_DURABLE_PRODUCE"), gw.bootstrap, "eh1",
            str(PARTITION), "10000000", str(cycle * 1000000)] + h.kafka_args(gw),
            stdout=subprocess.PIPE, stderr=err,
            preexec_fn=h._pdeathsig)
        err.close()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stdout:
            f = line.split()
            if len(f) == 3 and f[0] == b"ACK":
                with self.lock:
                    self.acked[int(f[1])] = int(f[2])

    def count(self):
        with self.lock:
            return len(self.acked)

    def stop(self, timeout=30):
        if self.proc.poll() is None:
            self.proc.terminate()
        try:
            rc = self.proc.wait(timeout=timeout * h.time_scale())
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        self.reader.join(timeout=10)
        return rc

    def stderr_tail(self, lines=20):
        with open(self.err_path, "rb") as f:
            return "\n".join(f.read().decode(errors="replace").splitlines()[-lines:])


def check_log(s, gw, acked_all, markers, cycle):
    """Read partition 0 to the end; check it against everything acknowledged so far.

    markers: {offset: value} of the single records kcat wrote after each restart.
    Returns the partition's end offset, or None when it could not be read.
    """
    where = "after crash %d" % cycle
    try:
        recs = h.kafka_consume_all(gw, "eh1", [PARTITION], timeout=120)[PARTITION]
    except Exception as exc:
        s.checks.error("%s: read partition %d from the beginning to the end" % (where, PARTITION), exc)
        return None
    s.ok(True, "%s: read %d records from the beginning to the end" % (where, len(recs)))
    offsets = [r[0] for r in recs]
    s.eq(offsets, list(range(len(recs))), "%s: offsets contiguous from 0" % where)
    by_offset = {}
    bad = []
    seqs = []
    for off, key, value, headers, ts in recs:
        by_offset[off] = (key, value)
        if off in markers:
            if value != markers[off]:
                bad.append((off, key, value))
            continue
        try:
            n = int(value[4:12])
        except (TypeError, ValueError):
            bad.append((off, key, value[:40] if value else value))
            continue
        seqs.append(n)
        if key != b"k%d" % n or value != durable_value(n):
            bad.append((off, key, value[:40]))
    s.ok(not bad, "%s: every stored record is a complete record (%d bad)" % (where, len(bad)), bad[:10])
    s.ok(all(a < b for a, b in zip(seqs, seqs[1:])), "%s: records in production order, none twice" % where,
        [(i, a, b) for i, (a, b) in enumerate(zip(seqs, seqs[1:])) if a >= b][:10])
    missing = []
    wrong = []
    for n, off in sorted(acked_all.items()):
        got = by_offset.get(off)
        if got is None:
            missing.append((n, off))
        elif got != (b"k%d" % n, durable_value(n)):
            wrong.append((n, off, got[0], got[1][:24] if got[1] else got[1]))
    s.ok(not missing, "%s: all %d acknowledged records present (%d missing)"
        % (where, len(acked_all), len(missing)), missing[:10])
    s.ok(not wrong, "%s: acknowledged records have their exact key and value (%d wrong)"
        % (where, len(wrong)), wrong[:10])
    return len(recs)


def main():
    with h.Session("durability") as s:
        gw = s.gateway()
        acked_all = {}
        markers = {}
        for cycle in range(1, CYCLES + 1):
            prod = Producer(gw, s.workdir, cycle)
            deadline = time.monotonic() + 120 * h.time_scale()
            while prod.count() < MIN_ACKED and time.monotonic() < deadline and prod.proc.poll() is None:
                time.sleep(0.05)
            n_before = prod.count()
            s.ok(n_before >= MIN_ACKED, "cycle %d: producer got >= %d acks before the crash (%d)"
                % (cycle, MIN_ACKED, n_before), prod.stderr_tail())
            gw.kill()  # SIGKILL mid-stream: the producer still has requests in flight
            time.sleep(0.3)
            rc = prod.stop()
            s.eq(rc, 0, "cycle %d: producer stops on SIGTERM" % cycle)
            with prod.lock:
                acked_all.update(prod.acked)
            print("cycle %d: %d acknowledged before the crash, %d in all"
                % (cycle, len(prod.acked), len(acked_all)), flush=True)

            gw.start()  # same data dir, new ports
            end = check_log(s, gw, acked_all, markers, cycle)
            if end is None:
                break
            # The log continues after recovery.
            marker = b"after-crash-%d" % cycle
            p = h.kcat(gw, "-P", "-t", "eh1", "-p", str(PARTITION), "-K", ":",
                input=b"m%d:%s\n" % (cycle, marker))
            s.ok(p.returncode == 0, "cycle %d: produce after restart" % cycle, p.stderr.decode(errors="replace"))
            markers[end] = marker
            try:
                recs = h.kafka_consume_all(gw, "eh1", [PARTITION], timeout=120)[PARTITION]
            except Exception as exc:
                s.checks.error("cycle %d: re-read after the new record" % cycle, exc)
                break
            s.ok(bool(recs) and recs[-1][0] == end and recs[-1][2] == marker,
                "cycle %d: the next record gets offset %d" % (cycle, end),
                recs[-1][:3] if recs else None)


if __name__ == "__main__":
    main()
