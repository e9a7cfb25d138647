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

# shellcheck source=bench/gateway.sh
. "$repo/bench/gateway.sh"
bench="$build/bench/produce_bench"
consume="$build/bench/consume_bench"
bench_build run-consume "$bench" "$consume"
bench_start run-consume --set "kafka.default_partitions=$partitions"
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
