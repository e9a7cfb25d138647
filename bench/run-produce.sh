#!/usr/bin/env bash
# Produce benchmark: builds, starts a gateway on a temporary data directory on
# the repository's disk, runs bench/produce_bench against it (acks=-1, 1 KiB
# records) and prints the figures, then stops the gateway.
#
#   bash bench/run-produce.sh [SECONDS [BYTES]]      (default 30 s or 1 GiB)
#
# Environment: BUILD_DIR (default ./build), BENCH_DATA_PARENT (where the
# temporary data directory goes; default the build directory, i.e. the same
# disk as the repository), BENCH_ARGS (more produce_bench options), CODECS
# (e.g. "none gzip snappy lz4 zstd": one run per compression.type, each into its
# own auto-created topic codec-<codec>, printing the codec really stored).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${BUILD_DIR:-$repo/build}
seconds=${1:-30}
bytes=${2:-1073741824}

if [ ! -f "$build/build.ninja" ]; then
	meson setup "$build" "$repo" --buildtype=release
fi
ninja -C "$build"
bin="$build/gateway/tributary"
bench="$build/bench/produce_bench"
for f in "$bin" "$bench"; do
	if [ ! -x "$f" ]; then
		echo "run-produce: $f was not built (needs the gateway and librdkafka-dev)" >&2
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
	--http-port "$hport" --set "auth.root_key=$key" 2>"$log" &
gw_pid=$!

for _ in $(seq 1 300); do
	if ! kill -0 "$gw_pid" 2>/dev/null; then
		echo "run-produce: the gateway exited during start-up:" >&2
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
set +e
if [ -z "${CODECS:-}" ]; then
	# shellcheck disable=SC2086
	"$bench" --bootstrap "127.0.0.1:$kport" --topic eh1 --data-dir "$data" --pid "$gw_pid" \
		--seconds "$seconds" --bytes "$bytes" --sasl-password "$connstr" ${BENCH_ARGS:-}
	rc=$?
else
	# One auto-created topic per codec, so each topic's segments show what was stored.
	rc=0
	for codec in $CODECS; do
		echo "== compression.type=$codec, topic codec-$codec"
		# shellcheck disable=SC2086
		"$bench" --bootstrap "127.0.0.1:$kport" --topic "codec-$codec" --data-dir "$data" \
			--pid "$gw_pid" --seconds "$seconds" --bytes "$bytes" --codec "$codec" \
			--sasl-password "$connstr" ${BENCH_ARGS:-} || rc=$?
	done
fi
set -e
if [ $rc -ne 0 ]; then
	echo "run-produce: produce_bench failed (exit $rc); gateway log tail:" >&2
	tail -n 30 "$log" >&2
fi
exit $rc
