#!/usr/bin/env bash
# Runs the benchmark profile (about 10 minutes on 2 cores), writes JMH's JSON to
# benchmarks/results/<date>/, and regenerates docs/benchmarks.md and docs/benchmarks.png from it.
#
# As root (and where unshare works) each JMH run starts in a private network namespace of its own
# (see fresh() below), so that short connections cannot run the host's ports out and the kernel's
# TIME_WAIT counts are true. The host's sysctls are never touched. Otherwise they run on the host's
# loopback, where tcp_tw_reuse=2 lets connect() take over TIME_WAIT sockets, so the TIME_WAIT counts
# are lower bounds; the report says which.
#
# HttpGet runs against nginx when it is installed (Debian package nginx), else against the JDK's
# com.sun.net.httpserver; the JSON's server parameter and the report say which.
#
# Usage: benchmarks/run.sh [quick]   (quick: 1 s iterations, for trying the script)
set -euo pipefail
cd "$(dirname "$0")/.."
jar=benchmarks/target/benchmarks.jar
if [ ! -f "$jar" ]; then
  mvn -q -DskipTests package -pl netns,core,httpclient5,benchmarks
fi
stamp=$(date -u +%Y-%m-%dT%H%M%SZ)
out="benchmarks/results/$stamp"
mkdir -p "$out"
iter=(-wi 3 -w 2 -i 5 -r 2)
[ "${1:-}" = quick ] && iter=(-wi 1 -w 1 -i 2 -r 1)

# Runs that close connections first make a TIME_WAIT each: 1.1 s in all at 10-20k connections/s stays
# under the ~32k ports connect() finds quickly in the namespace's range (see fresh() below).
short_iter=(-wi 1 -w 200ms -i 3 -r 300ms)
[ "${1:-}" = quick ] && short_iter=(-wi 1 -w 200ms -i 2 -r 300ms)

# Each JMH run starts in a network namespace of its own when it can (root and unshare): loopback only,
# ip_local_port_range 1024-65535, tcp_tw_reuse=0, so that one run's TIME_WAIT sockets are never the
# next one's load, and the kernel's TIME_WAIT counts are true. A run that closes connections first
# (shortConnection, connectAndClose) keeps to a few seconds: past about half the range in TIME_WAIT
# every connect() scans for a free port and the figure would measure that scan, not a connection.
if [ "$(id -u)" -eq 0 ] && unshare -n true 2>/dev/null; then
  echo "a private network namespace per JMH run (loopback, ip_local_port_range 1024-65535, tcp_tw_reuse=0)" > "$out/WHERE"
  fresh() {
    unshare -n bash -c '
      [ "$(readlink /proc/self/ns/net)" != "$(readlink /proc/$PPID/ns/net)" ] || { echo "not in a private netns" >&2; exit 1; }
      ip link set lo up
      echo "1024 65535" > /proc/sys/net/ipv4/ip_local_port_range
      echo 0 > /proc/sys/net/ipv4/tcp_tw_reuse
      exec "$@"' fresh "$@"
  }
else
  echo "the host's loopback (tcp_tw_reuse=$(cat /proc/sys/net/ipv4/tcp_tw_reuse 2>/dev/null || echo ?): TIME_WAIT counts are lower bounds)" > "$out/WHERE"
  fresh() { "$@"; }
fi

for t in 1 2 4; do
  fresh java -jar "$jar" 'EchoRoundTrip.(rawSocket|pooled|commonsPoolNaive|shortConnectionLinger0)$' -t "$t" "${iter[@]}" \
    -rf json -rff "$out/echo-t$t.json"
  fresh java -jar "$jar" 'EchoRoundTrip.shortConnection$' -t "$t" "${short_iter[@]}" -rf json -rff "$out/echo-short-t$t.json"
  fresh java -jar "$jar" 'BorrowReturn.(borrowAndReturn|borrowAndReturnWithChurnGuard|checkAlone|commonsPoolFloor|commonsPoolWithCheck)$' \
    -t "$t" -wi 2 -w 1 -i 3 -r 1 -rf json -rff "$out/borrow-t$t.json"
  fresh java -jar "$jar" 'BorrowReturn.connectAndClose$' -t "$t" "${short_iter[@]}" -rf json -rff "$out/connect-t$t.json"
done
# On generated files: the kernel's tables do not matter here.
java -jar "$jar" 'TcpTableParseBenchmark' -wi 2 -w 1 -i 3 -r 1 -rf json -rff "$out/procfs.json"
# One HTTP server for every client of a run: nginx when installed (the JSON's server parameter says which).
server=jdk
nginx_bin=$(command -v nginx 2>/dev/null || true)
if [ -z "$nginx_bin" ] && [ -x /usr/sbin/nginx ]; then nginx_bin=/usr/sbin/nginx; fi
if [ -n "$nginx_bin" ]; then
  server=nginx
  "$nginx_bin" -v 2> "$out/NGINX" || true
fi
for t in 1 4; do
  fresh java -jar "$jar" 'HttpGet' -p server="$server" -t "$t" "${iter[@]}" -rf json -rff "$out/http-t$t.json"
done

java -cp "$jar" dev.portkeeper.benchmarks.report.BenchmarkReport "$out" docs/benchmarks.md docs/benchmarks.png
echo "results: $out; report: docs/benchmarks.md, docs/benchmarks.png"
