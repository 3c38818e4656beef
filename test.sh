#!/usr/bin/env bash
# The one test command (README): installs what the tests need, builds warnings-as-errors, runs every test.
set -euo pipefail
cd "$(dirname "$0")"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

if ! command -v dotnet >/dev/null 2>&1; then
  echo "test.sh: the .NET SDK (dotnet) is required" >&2
  exit 2
fi

# The wire tests drive a real silo with the real AWS CLI (Debian's awscli, /usr/bin/aws).
if [ ! -x /usr/bin/aws ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq awscli >/dev/null
  else
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq awscli >/dev/null
  fi
fi

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

# One plain closing line for CI: "N passed, N failed".
passed=$( (grep -E '^ +Passed: +[0-9]+$' "$log" || true) | awk '{ s += $2 } END { print s + 0 }')
failed=$( (grep -E '^ +Failed: +[0-9]+$' "$log" || true) | awk '{ s += $2 } END { print s + 0 }')
rm -f "$log"
echo "${passed:-0} passed, ${failed:-0} failed"
exit "$status"
