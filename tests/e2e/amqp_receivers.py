#!/usr/bin/python3
"""e2e: Event Hubs reader ownership over AMQP (eventhubs-surface.md §1.8, §1.9),
driven by python3-qpid-proton receivers on separate connections.

Checked: five readers without epoch on one partition and consumer group are
admitted, the sixth is refused with amqp:resource-limit-exceeded and the
service's text naming the connected receivers (com.microsoft:receiver-name);
an epoch reader (link property com.microsoft:epoch, long) takes the
partition and every current reader is detached with amqp:link:stolen; a
reader without epoch, and one with a lower epoch, are then refused with
amqp:link:stolen; an equal epoch takes the partition again; the owner reads
the partition's events; once the owner closes, readers without epoch attach
again; another partition is not affected.
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

ADDR = "eh1/ConsumerGroups/$Default/Partitions/%d"
STOLEN = "amqp:link:stolen"
LIMIT = "amqp:resource-limit-exceeded"


class Reader:
    """One receiver link with the Event Hubs link properties; records deliveries and detach."""

    seq = 0

    def __init__(self, gw, part, name=None, epoch=None, conn=None):
        from proton import Handler
        from proton.reactor import LinkOption
        from proton.utils import LinkDetached

        self.conn = conn or h.amqp_connect(gw)
        self.own_conn = conn is None
        self.raw = []
        self.closed = None  # (condition, description) once detached by the gateway
        me = self

        class Props(LinkOption):
            def apply(self, link):
                from proton import symbol
                props = {}
                if epoch is not None:
                    props[symbol("com.microsoft:epoch")] = int(epoch)  # long
                if name is not None:
                    props[symbol("com.microsoft:receiver-name")] = name
                link.properties = props

        class H(Handler):
            def on_delivery(self, event):
                from proton import Delivery
                d = event.delivery
                if d.readable and not d.partial:
                    me.raw.append(event.link.recv(d.pending))
                    d.update(Delivery.ACCEPTED)
                    d.settle()
                    event.link.flow(1)

            def on_link_remote_close(self, event):
                cond = event.link.remote_condition
                me.closed = (cond.name if cond else None, cond.description if cond else None)
                event.link.close()

        try:
            Reader.seq += 1
            self.link = self.conn.create_receiver(ADDR % part, credit=50, handler=H(),
                name="reader-%d" % Reader.seq,
                options=[h.selector("amqp.annotation.x-opt-offset > '-1'"), Props()])
        except LinkDetached as exc:
            self.link = None
            cond = exc.link.remote_condition
            self.closed = (exc.condition, cond.description if cond else None)
        # a refusal is an attach immediately followed by a detach: give it time to arrive
        self.wait(lambda: self.closed is not None, 1.0)

    def wait(self, pred, seconds):
        end = time.monotonic() + seconds * h.time_scale()
        while not pred() and time.monotonic() < end:
            try:
                self.conn.wait(lambda: pred() or time.monotonic() >= end,
                    timeout=max(0.05, end - time.monotonic()))
            except Exception:
                break
        return pred()

    def close(self):
        try:
            if self.link is not None and self.closed is None:
                self.link.close()
        finally:
            self.link = None
            if self.own_conn:
                self.conn.close()


def check_refused(s, r, cond, text, what):
    got = r.closed or (None, None)
    s.eq(got[0], cond, "%s: refused with %s" % (what, cond))
    s.ok(got[1] is not None and text in got[1], "%s: text has %r" % (what, text), got[1])


def main():
    with h.Session("amqp_receivers") as s:
        gw = s.gateway()
        bodies = [b"owned-%d" % i for i in range(3)]
        from proton import Message
        h.amqp_send(gw, "eh1/Partitions/0", [Message(body=b, inferred=True) for b in bodies])
        readers = []
        try:
            # five without epoch; r2 has no receiver-name ("nil" in the text)
            for i in range(5):
                r = Reader(gw, 0, name=None if i == 2 else "r%d" % i)
                readers.append(r)
                s.ok(r.closed is None, "reader %d without epoch admitted" % i, r.closed)
            sixth = Reader(gw, 0, name="r5")
            check_refused(s, sixth, LIMIT, "Exceeded the maximum number of allowed receivers "
                "per partition in a consumer group which is 5. List of connected receivers - ",
                "sixth reader without epoch")
            s.ok(sixth.closed and all(n in sixth.closed[1] for n in ("r0", "r1", "nil", "r4")),
                "sixth reader: the text lists the connected receivers", sixth.closed)
            sixth.close()
            other = Reader(gw, 1, name="p1")
            s.ok(other.closed is None, "a reader on another partition is admitted", other.closed)

            owner = Reader(gw, 0, name="owner", epoch=5)
            s.ok(owner.closed is None, "epoch 5 reader admitted over five readers", owner.closed)
            for i, r in enumerate(readers):
                r.wait(lambda: r.closed is not None, 5.0)
                s.eq((r.closed or (None,))[0], STOLEN, "reader %d detached with link:stolen" % i)
            s.ok(readers[0].closed and "New receiver 'owner' with higher epoch of '5' is created "
                "hence current receiver 'r0'" in readers[0].closed[1],
                "stolen text names the new and the old receiver", readers[0].closed)
            other.wait(lambda: other.closed is not None, 0.5)
            s.ok(other.closed is None, "the reader on another partition stays", other.closed)

            owner.wait(lambda: len(owner.raw) >= len(bodies), 10.0)
            got = [h.Delivered(raw).data[:1] for raw in owner.raw]
            s.eq(got, [[b] for b in bodies], "the epoch reader reads the partition's events")

            plain = Reader(gw, 0, name="late")
            check_refused(s, plain, STOLEN, "At least one receiver for the endpoint is created "
                "with epoch of '5', and so non-epoch receiver is not allowed",
                "reader without epoch under an epoch owner")
            plain.close()
            lower = Reader(gw, 0, name="low", epoch=4)
            check_refused(s, lower, STOLEN, "Receiver 'owner' with a higher epoch '5' already "
                "exists. Receiver 'low' with epoch 4 cannot be created", "lower epoch reader")
            lower.close()

            # the same connection may hold the thief: an equal epoch takes over
            equal = Reader(gw, 0, name="owner2", epoch=5, conn=owner.conn)
            s.ok(equal.closed is None, "equal epoch reader admitted", equal.closed)
            owner.wait(lambda: owner.closed is not None, 5.0)
            s.eq((owner.closed or (None,))[0], STOLEN, "the previous owner gets link:stolen")
            s.ok(owner.closed and "current receiver 'owner' with epoch '5'" in owner.closed[1],
                "stolen text gives the old epoch", owner.closed)

            equal.close()
            owner.close()
            again = Reader(gw, 0, name="again")
            s.ok(again.closed is None, "after the owner closed, a reader without epoch attaches",
                again.closed)
            again.close()
            other.close()
            # closed connections release their readers: five fresh ones fit again
            for r in readers:
                r.close()
            fresh = [Reader(gw, 0, name="f%d" % i) for i in range(5)]
            s.ok(all(r.closed is None for r in fresh), "five new readers after the others closed",
                [r.closed for r in fresh])
            for r in fresh:
                r.close()
        finally:
            for r in readers:
                try:
                    r.close()
                except Exception:
                    pass


if __name__ == "__main__":
    main()
