#!/usr/bin/env bash
# A local multi-silo ECS emulator: N silo processes in the durable mode (Redis membership, grain state, reminders and
# clock), each serving the AWS API on its own HTTP port. Starts a private redis-server in the state directory unless
# --redis is given.
#
#   deploy/local-cluster.sh start [--silos N] [--redis host:port] [--time-scale X] [--seed N] [--base-port P] [--dir D] [-- SILO-OPTION...]
#   deploy/local-cluster.sh status [--dir D]
#   deploy/local-cluster.sh stop   [--dir D]
#
# Ports of silo i (0-based): HTTP P+i (default 4577, 4578, ...), Orleans silo 11111+i, gateway 30000+i.
# State directory (default .emulator-cluster/ in the current directory): silo-i.log, redis.log, pids, ports.
# Options after "--" go to every silo as they are (e.g. -- --Emulator:ServiceLaunchesPerMinute=100000 for a load test).
set -euo pipefail

cmd=${1:-}
shift || true
silos=3 redis="" scale=60 seed=1 base=4577 dir=".emulator-cluster" cluster_id="ecs-emulator"
extra=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --) shift; extra=("$@"); break ;;
    --silos) silos=$2; shift 2 ;;
    --redis) redis=$2; shift 2 ;;
    --time-scale) scale=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --base-port) base=$2; shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    --cluster-id) cluster_id=$2; shift 2 ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
  esac
done

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
pids="$dir/pids"

alive() { kill -0 "$1" 2>/dev/null; }

any_alive() {
  [[ -f "$pids" ]] || return 1
  local name pid port
  while read -r name pid port; do alive "$pid" && return 0; done < "$pids"
  return 1
}

start() {
  [[ "$silos" =~ ^[1-9][0-9]*$ ]] || { echo "--silos must be a positive number" >&2; exit 2; }
  if any_alive; then
    echo "a cluster from $dir is still running: deploy/local-cluster.sh stop --dir $dir" >&2; exit 2
  fi
  mkdir -p "$dir"; : > "$pids"
  echo "building the silo (Release)..."
  dotnet build "$repo/src/Silo" -c Release -v quiet -nologo > "$dir/build.log" 2>&1 || { cat "$dir/build.log" >&2; exit 1; }
  local dll="$repo/src/Silo/bin/Release/net10.0/Emulator.Silo.dll"
  if [[ -z "$redis" ]]; then
    command -v redis-server > /dev/null || { echo "redis-server not found (apt-get install redis-server) and no --redis given" >&2; exit 2; }
    local rport=$((base + 1000))
    # A Redis from an earlier start that is still saving and exiting keeps the port: the new one would fail to bind and
    # the silos would talk to the dying one. Refuse instead.
    if redis-cli -p "$rport" ping > /dev/null 2>&1; then
      echo "port $rport already answers as Redis (an earlier cluster's still exiting, or another one): stop it first or use --base-port / --redis" >&2; exit 2
    fi
    redis-server --port "$rport" --bind 127.0.0.1 --dir "$(cd "$dir" && pwd)" --dbfilename dump.rdb --appendonly yes \
      --logfile "$(cd "$dir" && pwd)/redis.log" --daemonize no > /dev/null 2>&1 &
    echo "redis $! $rport" >> "$pids"
    redis="127.0.0.1:$rport"
    for _ in $(seq 1 50); do redis-cli -p "$rport" ping > /dev/null 2>&1 && break; sleep 0.1; done
    local rpid; rpid=$(awk '$1 == "redis" { print $2 }' "$pids")
    if ! alive "$rpid" || ! redis-cli -p "$rport" ping > /dev/null 2>&1; then
      echo "redis-server did not start on port $rport (see $dir/redis.log)" >&2; exit 1
    fi
  fi
  echo "$redis" > "$dir/redis-address"
  for ((i = 0; i < silos; i++)); do
    local http=$((base + i))
    dotnet "$dll" --redis "$redis" --cluster-id "$cluster_id" --time-scale "$scale" --seed "$seed" \
      --port "$http" --silo-port $((11111 + i)) --gateway-port $((30000 + i)) ${extra[@]+"${extra[@]}"} > "$dir/silo-$i.log" 2>&1 &
    echo "silo-$i $! $http" >> "$pids"
  done
  for ((i = 0; i < silos; i++)); do
    local http=$((base + i)) ok=""
    for _ in $(seq 1 120); do
      if curl -sf "http://127.0.0.1:$http/emulator/health" > /dev/null; then ok=1; break; fi
      sleep 0.5
    done
    [[ -n "$ok" ]] || { echo "silo-$i did not start; see $dir/silo-$i.log:" >&2; tail -5 "$dir/silo-$i.log" >&2; exit 1; }
  done
  echo "ECS emulator: $silos silos, Redis $redis, time scale ${scale}x"
  status
  echo "client: dotnet run --project src/Client -- --redis $redis status"
}

status() {
  [[ -f "$pids" ]] || { echo "no cluster started from $dir"; exit 1; }
  local running=0
  while read -r name pid port; do
    if alive "$pid"; then
      running=$((running + 1))
      if [[ "$name" == silo-* ]]; then
        echo "$name  pid $pid  up    http://127.0.0.1:$port  log $dir/$name.log"
      else
        echo "$name  pid $pid  up    port $port"
      fi
    else
      echo "$name  pid $pid  DOWN"
    fi
  done < "$pids"
  [[ $running -gt 0 ]]
}

stop() {
  [[ -f "$pids" ]] || { echo "no cluster started from $dir"; exit 0; }
  # silos first (graceful: SIGTERM), Redis last
  while read -r name pid _; do [[ "$name" == silo-* ]] && alive "$pid" && kill "$pid"; done < "$pids"
  for _ in $(seq 1 40); do
    local left=0
    while read -r name pid _; do [[ "$name" == silo-* ]] && alive "$pid" && left=1; done < "$pids"
    [[ $left -eq 0 ]] && break
    sleep 0.25
  done
  while read -r name pid _; do alive "$pid" && kill "$pid"; done < "$pids"
  # Wait until everything has exited (Redis saves its append-only file first), so that a start right after this one
  # finds its ports free; what is still there after 10 s is killed.
  for _ in $(seq 1 40); do any_alive || break; sleep 0.25; done
  while read -r name pid _; do alive "$pid" && kill -9 "$pid"; done < "$pids"
  rm -f "$pids"
  echo "stopped (logs kept in $dir)"
}

case "$cmd" in
  start) start ;;
  status) status ;;
  stop) stop ;;
  *) echo "usage: $0 start|status|stop [options] (see the header of this script)" >&2; exit 2 ;;
esac
