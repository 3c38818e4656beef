#!/usr/bin/env bash
# B-T-3 timer lag at 10,000 RUNNING tasks behind load balancers with traffic, for each time scale given
# (default: 100 200 400 600). Starts a Release silo per scale, runs the client's load test against it, prints
# the load test's report and a summary line per scale. Build first: dotnet build -c Release Emulator.sln
#
# Environment: HOLD_SECONDS (15) how long the steady state is held; REPEAT (1) load-test runs per scale (with more
# than one, the summary line is the median and range of the runs); RUN_TIMEOUT (900) wall seconds per scale.
# A scale whose silo does not start, whose load test exits non-zero (timed out, an invariant violated, an error) or
# does not finish within RUN_TIMEOUT is reported FAILED, and the script exits 1.
set -uo pipefail
cd "$(dirname "$0")/../.."
scales=("$@")
[[ $# -eq 0 ]] && scales=(100 200 400 600)
silo=src/Silo/bin/Release/net10.0/Emulator.Silo.dll
client=src/Client/bin/Release/net10.0/Emulator.Client.dll
[[ -f $silo && -f $client ]] || { echo "build first: dotnet build -c Release Emulator.sln" >&2; exit 2; }
out=$(mktemp -d)
failed=0
for scale in "${scales[@]}"; do
  port=$((4900 + RANDOM % 400)); gw=$((31000 + RANDOM % 400)); sp=$((12000 + RANDOM % 400))
  dotnet "$silo" --port "$port" --silo-port "$sp" --gateway-port "$gw" --metrics-export-seconds 0 \
    --time-scale "$scale" --Emulator:ServiceLaunchesPerMinute=100000 >"$out/silo-$scale.log" 2>&1 &
  pid=$!
  ready=""
  for _ in $(seq 1 300); do
    grep -q "silo ready" "$out/silo-$scale.log" && { ready=1; break; }
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  if [[ -z $ready ]]; then
    kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
    echo "scale ${scale}x: FAILED: the silo did not start (see $out/silo-$scale.log)" | tee -a "$out/summary"
    failed=1
    continue
  fi

  timeout "${RUN_TIMEOUT:-900}" dotnet "$client" --gateway-port "$gw" load-test --services 10 --tasks 1000 --instances 1000 --rps 100 \
    --hold-seconds "${HOLD_SECONDS:-15}" --baseline-activations 20000 --repeat "${REPEAT:-1}" | tee "$out/client-$scale.log"
  rc=${PIPESTATUS[0]}
  kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
  json=$(grep '^{' "$out/client-$scale.log" | tail -1)
  why=()
  [[ $rc -eq 124 ]] && why+=("no result within ${RUN_TIMEOUT:-900} s")
  [[ $rc -ne 0 && $rc -ne 124 ]] && why+=("load test exit code $rc")
  [[ -z $json ]] && why+=("no report")
  [[ $json == *'"timedOut":true'* ]] && why+=("timed out before all tasks ran")
  if [[ ${#why[@]} -gt 0 ]]; then
    failed=1
    echo "scale ${scale}x: FAILED: $(IFS=';'; echo "${why[*]}") ${json}" | tee -a "$out/summary"
  else
    echo "scale ${scale}x: ${json}" | tee -a "$out/summary"
  fi
done
echo
cat "$out/summary"; echo "logs in $out"
exit "$failed"
