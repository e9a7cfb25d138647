#!/usr/bin/env bash
# Consumer-group read benchmark: builds, starts a gateway on a temporary data
# directory on the repository's disk (new topics get 6 partitions), pre-produces
# BYTES of 1 KiB records into topic consume1g with produce_bench (acks=-1), then
# runs bench/consume_bench: the loopback TCP limit, a group of 3 librdkafka
# consumers reading the whole topic, the loopback limit again; prints the figures
# and stops the gateway.
#
#   bash bench/run-consume.sh [BYTES [CONSUMERS]]      (default 1 GiB, 3)
#
# Environment: BUILD_DIR (default ./build), BENCH_DATA_PARENT (where the
# temporary data directory goes; default the build directory, i.e. the same
# disk as the repository), PARTITIONS (default 6), CONSUME_ARGS (more
# consume_bench options or librdkafka property=value).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${BUILD_DIR:-$repo/build}
bytes=${1:-1073741824}
consumers=${2:-3}
partitions=${PARTITIONS:-6}

if [ ! -f "$build/build.ninja" ]; then
	meson setup "$build" "$repo" --buildtype=release
fi
ninja -C "$build"
bin="$build/gateway/tributary"
bench="$build/bench/produce_bench"
consume="$build/bench/consume_bench"
for f in "$bin" "$bench" "$consume"; do
	if [ ! -x "$f" ]; then
		echo "run-consume: $f was not built (needs the gateway and librdkafka-dev)" >&2
		exit 1
	fi
done

parent=${BENCH_DATA_PARENT:-$build}
data=$(mktemp -d "$parent/bench-data.XXXXXX")
log="$data.log"
read -r kport aport hport < <(/usr/bin/python3 -c '
import socket
socks = [socket.socket() for _ in range(3)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in socks])
')

gw_pid=
# shellcheck disable=SC2317  # called through the EXIT trap
cleanup() {
	if [ -n "$gw_pid" ] && kill -0 "$gw_pid" 2>/dev/null; then
		kill -TERM "$gw_pid"
		for _ in $(seq 1 100); do
			kill -0 "$gw_pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$gw_pid" 2>/dev/null || true
		wait "$gw_pid" 2>/dev/null || true
	fi
	rm -rf "$data" "$log"
}
trap cleanup EXIT

# Authorization stays on (the default): the gateway gets a known root key and the client
# logs in with SASL PLAIN the Event Hubs way ($ConnectionString + a connection string).
key="bench-root-key-$(date +%s)"
connstr="Endpoint=sb://127.0.0.1:$kport/;SharedAccessKeyName=RootManageSharedAccessKey"
connstr="$connstr;SharedAccessKey=$key"
"$bin" --data-dir "$data" --host 127.0.0.1 --kafka-port "$kport" --amqp-port "$aport" \
	--http-port "$hport" --set "auth.root_key=$key" \
	--set "kafka.default_partitions=$partitions" 2>"$log" &
gw_pid=$!

for _ in $(seq 1 300); do
	if ! kill -0 "$gw_pid" 2>/dev/null; then
		echo "run-consume: the gateway exited during start-up:" >&2
		cat "$log" >&2
		exit 1
	fi
	if (exec 3<>"/dev/tcp/127.0.0.1/$kport") 2>/dev/null; then
		break
	fi
	sleep 0.1
done

echo "gateway pid $gw_pid, kafka 127.0.0.1:$kport, data $data ($(df -hT "$data" | awk 'NR==2 {print $1, $2}'))"
echo "cpu: $(nproc) x $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)"
echo "== pre-produce $bytes bytes of 1 KiB records into consume1g ($partitions partitions)"
if ! "$bench" --bootstrap "127.0.0.1:$kport" --topic consume1g --data-dir "$data" \
	--pid "$gw_pid" --seconds 1200 --bytes "$bytes" --disk-seconds 1 \
	--sasl-password "$connstr"; then
	echo "run-consume: pre-produce failed; gateway log tail:" >&2
	tail -n 30 "$log" >&2
	exit 1
fi
echo "== consume: $consumers consumers in one group"
set +e
# shellcheck disable=SC2086
"$consume" --bootstrap "127.0.0.1:$kport" --topic consume1g --consumers "$consumers" \
	--loopback-bytes "$bytes" --sasl-password "$connstr" ${CONSUME_ARGS:-}
rc=$?
set -e
echo "gateway VmHWM: $(awk '/VmHWM/ {print $2, $3}' "/proc/$gw_pid/status")"
if [ $rc -ne 0 ]; then
	echo "run-consume: consume_bench failed (exit $rc); gateway log tail:" >&2
	tail -n 30 "$log" >&2
fi
exit $rc
