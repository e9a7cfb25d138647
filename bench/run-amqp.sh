#!/usr/bin/env bash
# AMQP 1.0 ingest benchmark (bench/README.md): the same Proton-C sender (bench/amqp_bench:
# 1 KiB events, one data section + durable header, unsettled, 1000 in flight) against
#   1. tributary on a temporary data directory (same disk as the repository), target eh1,
#      storage.durability=sync (accepted = fdatasync'ed);
#   2. RabbitMQ 3.10 from Debian (rabbitmq-server, plugin rabbitmq_amqp1_0), a private node on
#      free loopback ports with its data on the same disk, a durable classic queue, target
#      /amq/queue/<queue> (accepted = publisher confirm: persisted);
# then prints both figures and the ratio. It also measures the gateway's memory per idle AMQP
# connection (N connections with SASL done and one session; VmRSS before and after).
#
#   bash bench/run-amqp.sh [SECONDS [IDLE_CONNECTIONS]]     (default 20 s, 1000)
#
# Installs rabbitmq-server (apt-get, as root or with sudo) when it is missing; the package's
# own service is not started (RUNLEVEL=1) and not used. Environment: BUILD_DIR (default
# ./build), BENCH_DATA_PARENT (default the build directory), SKIP_RABBITMQ=1.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${BUILD_DIR:-$repo/build}
seconds=${1:-20}
idle=${2:-1000}
key="bench-root-key-$(date +%s)"

if [ ! -f "$build/build.ninja" ]; then
	meson setup "$build" "$repo" --buildtype=release
fi
ninja -C "$build" gateway/tributary bench/amqp_bench
bin="$build/gateway/tributary"
bench="$build/bench/amqp_bench"

ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
parent=${BENCH_DATA_PARENT:-$build}
work=$(mktemp -d "$parent/amqp-bench.XXXXXX")
free_ports() {
	/usr/bin/python3 -c '
import socket, sys
socks = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in socks])
' "$1"
}

gw_pid=
epmd_before=
rmq_env=()
rmq_started=
rmq_pid=
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
	if [ -n "$rmq_started" ]; then
		env "${rmq_env[@]}" rabbitmqctl stop >/dev/null 2>&1 || true
		for _ in $(seq 1 300); do
			kill -0 "$rmq_pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$rmq_pid" 2>/dev/null || true
		# the Erlang port mapper the node started, unless one was running before
		[ -n "$epmd_before" ] || env ERL_EPMD_ADDRESS=127.0.0.1 epmd -kill >/dev/null 2>&1 || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT

echo "cpu: $(nproc) x $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)"
echo "disk: $(df -hT "$work" | awk 'NR==2 {print $1, $2}') ($work)"

# ------------------------------------------------------------------ tributary
read -r kport aport hport < <(free_ports 3)
auth_args=()
bench_auth=()
if "$bin" --set auth.root_key=x --print-config >/dev/null 2>&1; then
	auth_args=(--set "auth.root_key=$key")
	bench_auth=(--user RootManageSharedAccessKey --password "$key")
fi
"$bin" --data-dir "$work/data" --host 127.0.0.1 --kafka-port "$kport" --amqp-port "$aport" \
	--http-port "$hport" --durability sync "${auth_args[@]}" 2>"$work/gateway.log" &
gw_pid=$!
for _ in $(seq 1 300); do
	kill -0 "$gw_pid" 2>/dev/null || {
		cat "$work/gateway.log" >&2
		exit 1
	}
	(exec 3<>"/dev/tcp/127.0.0.1/$aport") 2>/dev/null && break
	sleep 0.1
done

echo
echo "=== tributary (pid $gw_pid, amqp 127.0.0.1:$aport, durability sync) -> eh1"
trib_out=$("$bench" --port "$aport" --address eh1 --seconds "$seconds" "${bench_auth[@]}") || {
	echo "run-amqp: the tributary run failed; gateway log tail:" >&2
	tail -n 20 "$work/gateway.log" >&2
	exit 1
}
echo "$trib_out"
trib_rate=$(awk '/^events\/s:/ {print $2}' <<<"$trib_out")

echo
echo "=== tributary: memory per idle AMQP connection ($idle connections)"
"$bench" --port "$aport" --idle "$idle" --pid "$gw_pid" "${bench_auth[@]}" || {
	echo "run-amqp: the idle-connection run failed; gateway log tail:" >&2
	tail -n 20 "$work/gateway.log" >&2
	exit 1
}
kill -TERM "$gw_pid"
wait "$gw_pid" || true
gw_pid=

[ "${SKIP_RABBITMQ:-}" = 1 ] && exit 0

# ------------------------------------------------------------------- RabbitMQ
if ! command -v rabbitmq-server >/dev/null && [ ! -x /usr/sbin/rabbitmq-server ]; then
	sudo=()
	[ "$(id -u)" -eq 0 ] || sudo=(sudo)
	echo "run-amqp: installing rabbitmq-server (Debian)"
	"${sudo[@]}" apt-get update -q >/dev/null
	# RUNLEVEL=1: invoke-rc.d does not start the packaged service; a private node is used below.
	"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 apt-get install -y -q \
		--no-install-recommends rabbitmq-server >/dev/null
fi
PATH=/usr/lib/rabbitmq/bin:$PATH:/usr/sbin  # the scripts themselves: Debian's wrappers switch to the rabbitmq user and its own directories
read -r rport dport < <(free_ports 2)
rmq="$work/rabbitmq"
mkdir -p "$rmq/home"
echo "[rabbitmq_amqp1_0]." >"$rmq/enabled_plugins"
rmq_env=(HOME="$rmq/home" RABBITMQ_NODENAME="bench-$$@localhost" RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
	RABBITMQ_NODE_PORT="$rport" RABBITMQ_DIST_PORT="$dport" RABBITMQ_MNESIA_BASE="$rmq/mnesia"
	RABBITMQ_LOG_BASE="$rmq/log" RABBITMQ_ENABLED_PLUGINS_FILE="$rmq/enabled_plugins"
	RABBITMQ_CONFIG_FILE="$rmq/rabbitmq" RABBITMQ_ADVANCED_CONFIG_FILE="$rmq/advanced.config"
	RABBITMQ_PID_FILE="$rmq/pid" ERL_EPMD_ADDRESS=127.0.0.1)
echo "listeners.tcp.default = 127.0.0.1:$rport" >"$rmq/rabbitmq.conf"
echo "[]." >"$rmq/advanced.config"
epmd_before=$(pgrep -x epmd || true)
env "${rmq_env[@]}" rabbitmq-server >"$rmq/server.out" 2>&1 &
rmq_pid=$!
rmq_started=1
if ! env "${rmq_env[@]}" timeout 120 rabbitmqctl wait "$rmq/pid" >/dev/null 2>&1; then
	echo "run-amqp: RabbitMQ did not start:" >&2
	tail -n 30 "$rmq/server.out" >&2
	exit 1
fi
version=$(env "${rmq_env[@]}" rabbitmqctl version 2>/dev/null || echo "?")
queue=bench
env "${rmq_env[@]}" rabbitmqctl eval \
	"rabbit_amqqueue:declare(rabbit_misc:r(<<\"/\">>, queue, <<\"$queue\">>), true, false, [], none, <<\"bench\">>)." \
	>/dev/null
env "${rmq_env[@]}" rabbitmqctl list_queues name durable 2>/dev/null | grep -q "^$queue[[:space:]]*true" || {
	echo "run-amqp: could not declare the durable queue $queue" >&2
	exit 1
}

echo
echo "=== RabbitMQ $version (amqp1_0 plugin, 127.0.0.1:$rport) -> /amq/queue/$queue (durable)"
rmq_out=$("$bench" --port "$rport" --address "/amq/queue/$queue" --seconds "$seconds" \
	--user guest --password guest) || {
	echo "run-amqp: the RabbitMQ run failed" >&2
	tail -n 30 "$rmq/server.out" >&2
	exit 1
}
echo "$rmq_out"
rmq_rate=$(awk '/^events\/s:/ {print $2}' <<<"$rmq_out")
env "${rmq_env[@]}" rabbitmqctl list_queues name messages 2>/dev/null | grep "^$queue" || true

echo
echo "=== summary: 1 KiB durable events/s, Proton-C sender, 1000 in flight, $seconds s"
awk -v t="$trib_rate" -v r="$rmq_rate" 'BEGIN {
	printf "tributary %d events/s, RabbitMQ %d events/s: ratio %.2f x (target >= 3 x)\n", t, r, t / r
}'
