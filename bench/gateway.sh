# shellcheck shell=bash disable=SC2154  # build and repo are set by the sourcing script
# Sourced by bench/run-produce.sh and bench/run-consume.sh: build the tools, start a gateway on a
# temporary data directory (BENCH_DATA_PARENT, default the build directory: the repository's
# disk) and free loopback ports with a known root key, stop it and remove the data on exit.
# Authorization stays on (the default): clients log in with SASL PLAIN the Event Hubs way
# ($ConnectionString + $connstr).
#
#   bench_build NAME TOOL...    sets $bin; fails when the gateway or a tool was not built
#   bench_start NAME [ARG...]   sets $data $log $kport $aport $hport $key $connstr $gw_pid

bench_build() {
	local name=$1 f
	shift
	if [ ! -f "$build/build.ninja" ]; then
		meson setup "$build" "$repo" --buildtype=release
	fi
	ninja -C "$build"
	bin="$build/gateway/tributary"
	for f in "$bin" "$@"; do
		if [ ! -x "$f" ]; then
			echo "$name: $f was not built (needs the gateway and librdkafka-dev)" >&2
			exit 1
		fi
	done
}

# shellcheck disable=SC2317  # called through the EXIT trap
bench_cleanup() {
	if [ -n "${gw_pid:-}" ] && kill -0 "$gw_pid" 2>/dev/null; then
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

bench_start() {
	local name=$1
	shift
	data=$(mktemp -d "${BENCH_DATA_PARENT:-$build}/bench-data.XXXXXX")
	log="$data.log"
	read -r kport aport hport < <(/usr/bin/python3 -c '
import socket
socks = [socket.socket() for _ in range(3)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in socks])
')
	gw_pid=
	trap bench_cleanup EXIT
	key="bench-root-key-$(date +%s)"
	connstr="Endpoint=sb://127.0.0.1:$kport/;SharedAccessKeyName=RootManageSharedAccessKey"
	connstr="$connstr;SharedAccessKey=$key"
	"$bin" --data-dir "$data" --host 127.0.0.1 --kafka-port "$kport" --amqp-port "$aport" \
		--http-port "$hport" --set "auth.root_key=$key" "$@" 2>"$log" &
	gw_pid=$!
	for _ in $(seq 1 300); do
		if ! kill -0 "$gw_pid" 2>/dev/null; then
			echo "$name: the gateway exited during start-up:" >&2
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
}
