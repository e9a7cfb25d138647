#!/usr/bin/env bash
# Consumer-group read benchmark: builds, starts a gateway on a temporary data
# directory on the repository's disk (new topics get 6 partitions), pre-produces
# BYTES of 1 KiB records into topic consume1g with produce_bench (acks=-1; each
# record to a random partition, not librdkafka's sticky 10 ms runs, so the
# partitions, and the consumers' shares, come out even), then
# runs bench/consume_bench: the loopback TCP limit, a group of 3 librdkafka
# consumers reading the whole topic, the loopback limit again; prints the figures
# and stops the gateway.
#
#   [RUNS=3] bash bench/run-consume.sh [BYTES [CONSUMERS]]      (default 1 GiB, 3)
#
# Environment: BUILD_DIR (default ./build), BENCH_DATA_PARENT (where the
# temporary data directory goes; default the build directory, i.e. the same
# disk as the repository), PARTITIONS (default 6), CONSUME_ARGS (more
# consume_bench options or librdkafka property=value), RUNS (consume runs over the one
# pre-produced topic, each a fresh group; default 1), PERF_DATA (a file prefix: each
# consume run runs under `perf record -a -g` into PERF_DATA.RUN, every CPU, for a
# profile split by command), PERF_STAT=1 (the gateway's syscalls and CPU time per run).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${BUILD_DIR:-$repo/build}
bytes=${1:-1073741824}
consumers=${2:-3}
runs=${RUNS:-1}
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
	--sasl-password "$connstr" --property sticky.partitioning.linger.ms=0; then
	echo "run-consume: pre-produce failed; gateway log tail:" >&2
	tail -n 30 "$log" >&2
	exit 1
fi
# CPU seconds (user + system) of the gateway so far, from /proc (clock ticks)
gw_cpu() {
	awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$gw_pid/stat"
}
rc=0
for run in $(seq 1 "$runs"); do
	echo "== consume run $run of $runs: $consumers consumers in one group"
	cpu0=$(gw_cpu)
	set +e
	wrap=()
	stat_pid=
	if [ -n "${PERF_STAT:-}" ]; then
		perf stat -p "$gw_pid" -e task-clock,context-switches \
			-e 'syscalls:sys_enter_sendmsg,syscalls:sys_enter_sendfile64' \
			-e 'syscalls:sys_enter_pread64,syscalls:sys_enter_read' \
			-e 'syscalls:sys_enter_epoll_wait,syscalls:sys_enter_epoll_ctl' \
			-e 'syscalls:sys_enter_munmap' &
		stat_pid=$!
	fi
	if [ -n "${PERF_DATA:-}" ]; then
		wrap=(perf record -a -g -o "$PERF_DATA.$run" --)
	fi
	# shellcheck disable=SC2086
	"${wrap[@]}" "$consume" --bootstrap "127.0.0.1:$kport" --topic consume1g \
		--consumers "$consumers" --loopback-bytes "$bytes" --sasl-password "$connstr" \
		${CONSUME_ARGS:-}
	rc=$?
	if [ -n "$stat_pid" ]; then
		kill -INT "$stat_pid"
		wait "$stat_pid" || true
	fi
	set -e
	echo "gateway CPU:            $(awk -v a="$cpu0" -v b="$(gw_cpu)" \
		'BEGIN { printf "%.2f", b - a }') s user + system during the consume step"
	if [ $rc -ne 0 ]; then
		echo "run-consume: consume_bench failed (exit $rc); gateway log tail:" >&2
		tail -n 30 "$log" >&2
		break
	fi
done
echo "gateway VmHWM: $(awk '/VmHWM/ {print $2, $3}' "/proc/$gw_pid/status")"
exit $rc
