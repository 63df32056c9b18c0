#!/usr/bin/env bash
# Runs the benchmark profile (about 10 minutes on 2 cores), writes JMH's JSON to
# benchmarks/results/<date>/, and regenerates docs/benchmarks.md and docs/benchmarks.png from it.
#
# As root (and where unshare works) the benchmarks run in a private network namespace of their own:
# loopback only, ip_local_port_range 10000-60999, tcp_tw_reuse=0, so that short connections cannot
# run the host's ports out and the kernel's TIME_WAIT counts are true. The host's sysctls are never
# touched. Otherwise they run on the host's loopback, where tcp_tw_reuse=2 lets connect() take over
# TIME_WAIT sockets, so the TIME_WAIT counts are lower bounds; the report says which.
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

# Waits (65 s at most) for the TIME_WAIT sockets that the short connections before left to expire,
# so that every HTTP client starts from the same quiet tables: Portkeeper's port budget monitor
# reads them, and reads them in full under pressure. Only in the private namespace: the host's
# count is everyone's.
settle() {
  [ "${private_netns:-0}" = 1 ] || return 0
  local waited=0 tw
  while true; do
    tw=$(awk '$1 == "TCP:" { for (i = 2; i < NF; i++) if ($i == "tw") print $(i + 1) }' /proc/net/sockstat 2>/dev/null || true)
    if [ -z "$tw" ] || [ "$tw" -le 100 ] || [ "$waited" -ge 65 ]; then break; fi
    sleep 1
    waited=$((waited + 1))
  done
  echo "run.sh: ${tw:-?} TIME_WAIT sockets left after waiting ${waited} s"
}

profile() {
  for t in 1 2 4; do
    java -jar "$jar" 'EchoRoundTrip' -t "$t" "${iter[@]}" -rf json -rff "$out/echo-t$t.json"
    java -jar "$jar" 'BorrowReturn' -t "$t" -wi 2 -w 1 -i 3 -r 1 -rf json -rff "$out/borrow-t$t.json"
  done
  # On generated files: the kernel's tables do not matter here, so it runs while they drain.
  java -jar "$jar" 'TcpTableParseBenchmark' -wi 2 -w 1 -i 3 -r 1 -rf json -rff "$out/procfs.json"
  # One HTTP server for every client of a run: nginx when installed (the JSON's server parameter says which).
  local server=jdk nginx_bin
  nginx_bin=$(command -v nginx 2>/dev/null || true)
  if [ -z "$nginx_bin" ] && [ -x /usr/sbin/nginx ]; then nginx_bin=/usr/sbin/nginx; fi
  if [ -n "$nginx_bin" ]; then
    server=nginx
    "$nginx_bin" -v 2> "$out/NGINX" || true
  fi
  for t in 1 4; do
    settle
    java -jar "$jar" 'HttpGet' -p server="$server" -t "$t" "${iter[@]}" -rf json -rff "$out/http-t$t.json"
  done
}

in_private_netns() {
  # Refuses to touch sysctls unless this shell is in a namespace other than its parent's.
  [ "$(readlink /proc/self/ns/net)" != "$(readlink /proc/$PPID/ns/net)" ] || { echo "not in a private netns" >&2; exit 1; }
  ip link set lo up
  echo "10000 60999" > /proc/sys/net/ipv4/ip_local_port_range
  echo 0 > /proc/sys/net/ipv4/tcp_tw_reuse
  echo "a private network namespace (loopback, ip_local_port_range 10000-60999, tcp_tw_reuse=0)" > "$out/WHERE"
  private_netns=1 profile
}

if [ "$(id -u)" -eq 0 ] && unshare -n true 2>/dev/null; then
  export -f profile in_private_netns settle
  export jar out
  export iter_s="${iter[*]}"
  unshare -n bash -c 'iter=($iter_s); in_private_netns'
else
  echo "the host's loopback (tcp_tw_reuse=$(cat /proc/sys/net/ipv4/tcp_tw_reuse 2>/dev/null || echo ?): TIME_WAIT counts are lower bounds)" > "$out/WHERE"
  profile
fi

java -cp "$jar" dev.portkeeper.benchmarks.report.BenchmarkReport "$out" docs/benchmarks.md docs/benchmarks.png
echo "results: $out; report: docs/benchmarks.md, docs/benchmarks.png"
