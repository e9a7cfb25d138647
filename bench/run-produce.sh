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

# shellcheck source=bench/gateway.sh
. "$repo/bench/gateway.sh"
bench="$build/bench/produce_bench"
bench_build run-produce "$bench"
bench_start run-produce
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
