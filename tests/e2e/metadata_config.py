#!/usr/bin/python3
"""e2e: metadata, start-up options and configuration files.

- `tributary --help` prints the options and exits 0.
- With no config: `kcat -L` lists eh1 with 4 partitions and the gateway's own
  Kafka address as the broker; a produce to an unknown topic auto-creates it.
- `--config` with an Azure Event Hubs emulator Config.json creates exactly the
  hubs it names, with their partition counts ("PartitionCount" written as a
  string, as the emulator's sample does) and consumer groups: an AMQP receiver
  on a listed group ($Default included) is served, one on an unlisted group is
  refused.
- An invalid config (bad JSON; PartitionCount "abc") stops start-up with a
  non-zero exit and a message naming the file (and, for a bad value, the key).
"""

import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

from proton import Message  # noqa: E402
from proton import LinkException  # noqa: E402
from proton.utils import LinkDetached  # noqa: E402


def emulator_config(entities):
    return {"UserConfig": {
        "NamespaceConfig": [{"Type": "EventHub", "Name": "emulatorNs1", "Entities": entities}],
        "LoggingConfig": {"Type": "File"}}}


def kcat_topics(gw):
    """{topic: partition count} from `kcat -L -J`, and the CompletedProcess."""
    p = h.kcat(gw, "-L", "-J")
    if p.returncode != 0:
        return None, p
    md = json.loads(p.stdout)
    return {t["topic"]: len(t.get("partitions", [])) for t in md.get("topics", [])}, p


def bad_start(s, workdir, what, config_text, must_name):
    """Start with a broken config: expect a prompt non-zero exit naming the file (and key)."""
    path = os.path.join(workdir, "bad-%s.json" % what.replace(" ", "-"))
    with open(path, "w") as f:
        f.write(config_text)
    gw = h.Gateway(workdir, data_dir=os.path.join(workdir, "data-bad"), extra=["--config", path],
        name="bad-" + what.replace(" ", "-"))
    gw.kafka_port, gw.amqp_port, gw.http_port = h.free_ports(3)
    try:
        p = h.run(gw.argv(), timeout=20)
    except subprocess.TimeoutExpired:
        s.ok(False, "config with %s: start-up stops (it kept running for 20 s)" % what)
        return
    out = (p.stdout + p.stderr).decode(errors="replace")
    s.ok(p.returncode not in (0, None), "config with %s: non-zero exit (%s)" % (what, p.returncode), out)
    for word in [path] + must_name:
        s.ok(word in out, "config with %s: the message names %r" % (what, word), out[-2000:])


def main():
    with h.Session("metadata_config") as s:
        binary = h.tool("TRIBUTARY_BIN")

        # --help
        p = h.run([binary, "--help"], timeout=20)
        out = (p.stdout + p.stderr).decode(errors="replace")
        s.eq(p.returncode, 0, "tributary --help exits 0")
        for opt in ("--config", "--data-dir", "--kafka-port", "--amqp-port", "--http-port", "--host"):
            s.ok(opt in out, "--help mentions %s" % opt, out)

        # Defaults: eh1 with 4 partitions.
        gw = s.gateway()
        p = h.kcat(gw, "-L")
        text = p.stdout.decode(errors="replace")
        s.ok(p.returncode == 0 and 'topic "eh1" with 4 partitions' in text,
            "kcat -L lists eh1 with 4 partitions", text + p.stderr.decode(errors="replace"))
        s.ok(("127.0.0.1:%d" % gw.kafka_port) in text, "kcat -L shows the gateway as broker", text)
        # Topic auto-creation: produce to an unknown topic, then it is listed.
        p = h.kcat(gw, "-P", "-t", "auto-created", input=b"first\n")
        s.ok(p.returncode == 0, "kcat -P to an unknown topic succeeds (auto-creation)",
            p.stderr.decode(errors="replace"))
        topics, p = kcat_topics(gw)
        s.ok(topics is not None and topics.get("auto-created", 0) > 0,
            "auto-created topic is listed with partitions", topics)
        rc = gw.stop()
        s.eq(rc, 0, "default gateway stops cleanly")

        # Emulator Config.json.
        cfg = emulator_config([
            {"Name": "eh1", "PartitionCount": "2", "ConsumerGroups": [{"Name": "cg1"}]},
            {"Name": "telemetry", "PartitionCount": 3,
                "ConsumerGroups": [{"Name": "cg-a"}, {"Name": "cg-b"}]},
        ])
        cfg_path = os.path.join(s.workdir, "Config.json")
        with open(cfg_path, "w") as f:
            json.dump(cfg, f, indent=2)
        gw2 = s.gateway(data_dir=os.path.join(s.workdir, "data-cfg"), extra=["--config", cfg_path])
        topics, p = kcat_topics(gw2)
        s.ok(topics is not None, "kcat -L -J with the emulator config", p.stderr.decode(errors="replace"))
        if topics is not None:
            s.eq(topics.get("eh1"), 2, "config: eh1 has 2 partitions")
            s.eq(topics.get("telemetry"), 3, "config: telemetry has 3 partitions")

        try:
            h.amqp_send(gw2, "eh1/Partitions/1", [Message(body=b"for cg1", inferred=True)])
            s.ok(True, "AMQP send to eh1/Partitions/1")
        except Exception as exc:
            s.checks.error("AMQP send to eh1/Partitions/1", exc)
        for cg in ("cg1", "$Default"):
            addr = "eh1/ConsumerGroups/%s/Partitions/1" % cg
            try:
                raws = h.amqp_receive_raw(gw2, addr, 1, settle_wait=0)
                s.eq(h.Delivered(raws[0]).data, [b"for cg1"], "AMQP receive from %s" % addr)
            except Exception as exc:
                s.checks.error("AMQP receive from %s" % addr, exc)
        for addr in ("eh1/ConsumerGroups/no-such-group/Partitions/0",
                "eh1/ConsumerGroups/cg1/Partitions/7", "nohub/ConsumerGroups/$Default/Partitions/0"):
            # Refused = the link is detached (LinkDetached / LinkException), not a timeout
            # and not the whole connection dropped.
            refused, why = False, "attached and waited"
            try:
                h.amqp_receive_raw(gw2, addr, 1, timeout=5, settle_wait=0)
            except (LinkDetached, LinkException) as exc:
                refused, why = True, "%s: %s" % (type(exc).__name__, exc)
            except Exception as exc:
                why = "%s: %s" % (type(exc).__name__, exc)
            s.ok(refused, "AMQP receiver on %s is refused with a detach" % addr, why)
        s.ok(gw2.alive(), "gateway with config still up")

        # deploy/config.sample.json starts as it is (ports and data dir from the command line).
        sample = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "deploy",
            "config.sample.json")
        gw3 = s.gateway(data_dir=os.path.join(s.workdir, "data-sample"), extra=["--config", sample])
        topics, p = kcat_topics(gw3)
        s.ok(topics is not None and topics.get("eh1") == 4 and topics.get("telemetry") == 8,
            "deploy/config.sample.json: eh1 with 4 and telemetry with 8 partitions", topics)
        s.eq(gw3.stop(), 0, "sample-config gateway stops cleanly")

        # Broken configs.
        bad_start(s, s.workdir, "bad JSON", '{"UserConfig": {"NamespaceConfig": [', [])
        bad_start(s, s.workdir, "PartitionCount abc", json.dumps(emulator_config(
            [{"Name": "eh1", "PartitionCount": "abc", "ConsumerGroups": []}])), ["PartitionCount"])


if __name__ == "__main__":
    main()
