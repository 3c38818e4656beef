#!/usr/bin/env bash
# Regenerates docs/coverage.md from the [AwsOperation] attributes (CoverageTests checks they agree).
set -euo pipefail
cd "$(dirname "$0")/.."
{
  echo "# Implemented AWS operations"
  echo
  echo "Every operation the endpoint answers (\`POST /\`, see README). Anything else is answered with"
  echo "\`UnknownOperationException\` (JSON protocols) or \`InvalidAction\` (query protocol)."
  echo
  echo "| operation | protocol |"
  echo "|---|---|"
  grep -rhoE 'AwsOperation\(AwsServices\.[A-Za-z0-9]+, "[A-Za-z0-9]+"\)' src/Silo/Aws \
    | sed -E 's/AwsOperation\(AwsServices\.([A-Za-z0-9]+), "([A-Za-z0-9]+)"\)/\1 \2/' \
    | awk '{ s=$1; if (s=="Ecs") k="ecs"; else if (s=="AutoScaling") k="autoscaling"; else if (s=="Ec2") k="ec2"; else if (s=="CloudWatch") k="cloudwatch"; else if (s=="ApplicationAutoScaling") k="application-autoscaling"; else if (s=="Elbv2") k="elasticloadbalancing"; else if (s=="CloudFormation") k="cloudformation"; else k=tolower(s); print k ":" $2 }' \
    | LC_ALL=C sort -u \
    | while read -r op; do
        case "$op" in
          ecs:*) p="JSON 1.1 (AmazonEC2ContainerServiceV20141113)";;
          autoscaling:*) p="query (2011-01-01)";;
          ec2:*) p="query (2016-11-15)";;
          cloudwatch:*) p="query (2010-08-01) and JSON 1.0 (GraniteServiceVersion20100801)";;
          elasticloadbalancing:*) p="query (2015-12-01)";;
          cloudformation:*) p="query (2010-05-15)";;
          iam:*) p="query (2010-05-08)";;
          sts:*) p="query (2011-06-15)";;
          logs:*) p="JSON 1.1 (Logs_20140328)";;
          ssm:*) p="JSON 1.1 (AmazonSSM)";;
          *) p="JSON 1.1 (AnyScaleFrontendService)";;
        esac
        echo "| \`$op\` | $p |"
      done
} > docs/coverage.md
