#!/usr/bin/env bash
# B-T-3 timer lag at 10,000 RUNNING tasks behind load balancers with traffic, for each time scale given
# (default: 100 200 400 600). Starts a Release silo per scale, runs the client's load test against it, prints
# the load test's report and a summary line per scale. Build first: dotnet build -c Release Emulator.sln
set -euo pipefail
cd "$(dirname "$0")/../.."
scales=("$@")
[[ $# -eq 0 ]] && scales=(100 200 400 600)
silo=src/Silo/bin/Release/net10.0/Emulator.Silo.dll
client=src/Client/bin/Release/net10.0/Emulator.Client.dll
[[ -f $silo && -f $client ]] || { echo "build first: dotnet build -c Release Emulator.sln" >&2; exit 2; }
out=$(mktemp -d)
for scale in "${scales[@]}"; do
  port=$((4900 + RANDOM % 400)); gw=$((31000 + RANDOM % 400)); sp=$((12000 + RANDOM % 400))
  dotnet "$silo" --port "$port" --silo-port "$sp" --gateway-port "$gw" --metrics-export-seconds 0 \
    --time-scale "$scale" --Emulator:ServiceLaunchesPerMinute=100000 >"$out/silo-$scale.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 100); do grep -q "silo ready" "$out/silo-$scale.log" && break; sleep 0.2; done
  dotnet "$client" --gateway-port "$gw" load-test --services 10 --tasks 1000 --instances 1000 --rps 100 \
    --hold-seconds "${HOLD_SECONDS:-15}" --baseline-activations 20000 | tee "$out/client-$scale.log" || true
  kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true
  echo "scale ${scale}x: $(grep '^{' "$out/client-$scale.log" | tail -1)" | tee -a "$out/summary"
done
cat "$out/summary"; echo "logs in $out"
