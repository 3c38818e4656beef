#!/usr/bin/env bash
# The one test command (README): installs what the tests need, builds warnings-as-errors, runs every test.
set -euo pipefail
cd "$(dirname "$0")"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

if ! command -v dotnet >/dev/null 2>&1; then
  echo "test.sh: the .NET SDK (dotnet) is required" >&2
  exit 2
fi

# Debian packages the tests need, installed when missing:
# awscli (/usr/bin/aws) for the wire tests, nodejs + npm for the AWS SDK for JavaScript tests and the dashboard's
# browser tests, chromium (/usr/bin/chromium, driven headless by playwright-core from tests/ui) for those,
# redis-server for the multi-silo (durable mode) tests, curl for the load balancer data-plane test (a *.localhost DNS name).
need=()
[ -x /usr/bin/aws ] || need+=(awscli)
command -v node >/dev/null 2>&1 || need+=(nodejs)
command -v npm >/dev/null 2>&1 || need+=(npm)
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v curl >/dev/null 2>&1 || need+=(curl)
if [ "${#need[@]}" -gt 0 ]; then
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

# npm packages of the SDK tests and the browser tests (tests/sdk-js, tests/ui) and of the CDK example app (examples/cdk:
# aws-cdk-lib, the aws-cdk CLI, TypeScript), exactly as the committed lockfiles pin them. The dashboard itself needs no
# build: the silo embeds its plain ES modules (src/Silo/Dashboard/wwwroot).
for dir in tests/*/ examples/cdk/; do
  if [ -f "$dir/package-lock.json" ]; then
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
done

dotnet build Emulator.sln -c Release -warnaserror
log=$(mktemp)
set +e
# The in-process suite first, then the wire suite (a real silo process driven by the real AWS CLI) on its own,
# so the two do not compete for the machine's cores.
dotnet test tests/Emulator.Tests -c Release --no-build --logger "console;verbosity=normal" --filter "FullyQualifiedName!~Emulator.Tests.Wire" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
dotnet test tests/Emulator.Tests -c Release --no-build --logger "console;verbosity=normal" --filter "FullyQualifiedName~Emulator.Tests.Wire" 2>&1 | tee -a "$log"
wire=${PIPESTATUS[0]}
[ "$status" = 0 ] && status=$wire
set -e

# One plain closing line for CI: "N passed, N failed" (and skipped tests with the reason, e.g. no terraform here).
passed=$( (grep -E '^ +Passed: +[0-9]+$' "$log" || true) | awk '{ s += $2 } END { print s + 0 }')
failed=$( (grep -E '^ +Failed: +[0-9]+$' "$log" || true) | awk '{ s += $2 } END { print s + 0 }')
skipped=$( (grep -E '^ +Skipped: +[0-9]+$' "$log" || true) | awk '{ s += $2 } END { print s + 0 }')
reasons=$( (grep -oE 'The Terraform tests did not run: .*' "$log" || true) | sort -u)
rm -f "$log"
if [ -n "$reasons" ]; then echo "$reasons"; fi
if [ "${skipped:-0}" != 0 ]; then
  echo "${passed:-0} passed, ${failed:-0} failed, ${skipped} skipped"
else
  echo "${passed:-0} passed, ${failed:-0} failed"
fi
exit "$status"
