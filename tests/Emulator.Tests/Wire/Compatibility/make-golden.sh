#!/usr/bin/env bash
# Regenerates a golden durable-mode dataset (README.md next to this script says when, and when never).
#
#   make-golden.sh --silo PATH/TO/Emulator.Silo.dll [--out DIR] [--port-base P]
#
# Starts a private redis-server and the given silo build in durable mode (--redis) against it, builds up rich state
# through the real AWS CLI (/usr/bin/aws, dummy credentials) and the emulator's traffic endpoint, records what the
# CLI answers (expected/*.json, each request in golden.json), stops the silo cleanly (SIGTERM: every grain writes its
# state), saves Redis (SAVE -> dump.rdb) and writes golden.json: the build, the Redis version, the silo's arguments,
# the wall instant the silo stopped (the test continues emulated time from there) and the captures.
#
# Needs: redis-server + redis-cli, /usr/bin/aws, curl, jq. Takes 10-30 min on a loaded 2-core machine.
# Ports: silo HTTP P, Orleans silo P+7000, gateway P+26000, Redis P+2000 (default P = 4680).
set -euo pipefail

silo=""
out=""
base=4680
while [ $# -gt 0 ]; do
  case "$1" in
    --silo) silo="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --port-base) base="$2"; shift 2 ;;
    *) echo "usage: $0 --silo Emulator.Silo.dll [--out DIR] [--port-base P]" >&2; exit 2 ;;
  esac
done
[ -f "$silo" ] || { echo "--silo: no such file: $silo" >&2; exit 2; }
for tool in redis-server redis-cli curl jq /usr/bin/aws dotnet; do
  command -v "$tool" > /dev/null || { echo "$tool is needed" >&2; exit 2; }
done
silo=$(cd "$(dirname "$silo")" && pwd)/$(basename "$silo")
build=$(git -C "$(dirname "$silo")" rev-parse HEAD 2>/dev/null || echo unknown)
out=${out:-$(cd "$(dirname "$0")" && pwd)/golden/${build:0:7}}

# The golden run's settings. The test starts the current silo with the same ones (golden.json "siloArgs").
# Time scale 10: a long CLI session under load stays within the emulated retention windows; STOPPED tasks are kept and
# queued tasks wait a day, so the restored state can be compared however long the comparison takes.
cluster_id=golden
time_scale=10
seed=1
silo_args=(--Emulator:Timings:StoppedRetention=1.00:00:00 --Emulator:Timings:ProvisioningTimeout=1.00:00:00)

http_port=$base
redis_port=$((base + 2000))
work=$(mktemp -d /tmp/make-golden.XXXXXX)
echo "make-golden: build $build, work dir $work, output $out"
mkdir -p "$work/expected"

redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$work" --dbfilename dump.rdb --save "" --appendonly no \
  > "$work/redis.log" 2>&1 &
redis_pid=$!
silo_pid=""
cleanup() {
  [ -n "$silo_pid" ] && kill "$silo_pid" 2>/dev/null || true
  kill "$redis_pid" 2>/dev/null || true
}
trap cleanup EXIT
for _ in $(seq 100); do redis-cli -p "$redis_port" ping > /dev/null 2>&1 && break; sleep 0.1; done

dotnet "$silo" --redis "127.0.0.1:$redis_port" --cluster-id "$cluster_id" --port "$http_port" \
  --silo-port $((base + 7000)) --gateway-port $((base + 26000)) --time-scale "$time_scale" --seed "$seed" \
  --metrics-export-seconds 0 "${silo_args[@]}" > "$work/silo.log" 2>&1 &
silo_pid=$!
endpoint="http://127.0.0.1:$http_port"
for i in $(seq 600); do
  curl -sf "$endpoint/emulator/health" > /dev/null 2>&1 && break
  kill -0 "$silo_pid" 2>/dev/null || { cat "$work/silo.log" >&2; exit 1; }
  [ "$i" = 600 ] && { echo "the silo did not answer within 120 s" >&2; exit 1; }
  sleep 0.2
done

export AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=x AWS_DEFAULT_REGION=us-east-1 AWS_PAGER="" AWS_MAX_ATTEMPTS=1
aws() { /usr/bin/aws --endpoint-url "$endpoint" "$@"; }
q() { aws "$@" --output text; }
step() { echo "[$(date +%T)] $*"; }

# wait_for DESCRIPTION TIMEOUT_SECONDS COMMAND...: until COMMAND succeeds (wall seconds).
wait_for() {
  local what=$1 timeout=$2; shift 2
  local start=$SECONDS
  until "$@"; do
    if [ $((SECONDS - start)) -gt "$timeout" ]; then echo "timed out waiting for: $what" >&2; exit 1; fi
    sleep 2
  done
  step "ok: $what"
}
count_tasks() { # cluster desired-status last-status -> number of tasks
  local arns
  arns=$(q ecs list-tasks --cluster "$1" --desired-status "$2" --query 'taskArns[]')
  [ -z "$arns" ] && { echo 0; return; }
  # shellcheck disable=SC2086
  q ecs describe-tasks --cluster "$1" --tasks $arns --query "length(tasks[?lastStatus=='$3'])"
}
running_is() { [ "$(count_tasks "$1" RUNNING RUNNING)" = "$2" ]; }
stopped_at_least() { [ "$(count_tasks "$1" STOPPED STOPPED)" -ge "$2" ]; }
now() { curl -sf "$endpoint/emulator/status/$1" | jq -r .now; }
hours_before() { date -u -d "${1:0:10} ${1:11:8} UTC - $2 hours" +%Y-%m-%dT%H:%M:%SZ; } # ISO instant, hours
userdata() { printf '%s\n' "#!/bin/bash" "$@" | base64 -w0; }

# ---------------------------------------------------------------------------------------------------------------------
step "EC2 cluster: launch templates, Auto Scaling groups, capacity providers"
aws ecs create-cluster --cluster-name golden-ec2 --tags key=team,value=platform key=env,value=golden > /dev/null
aws ec2 create-launch-template --launch-template-name golden-lt --version-description v1 \
  --launch-template-data "{\"InstanceType\":\"m5.large\",\"ImageId\":\"ami-0ecs0optimized0\",\"UserData\":\"$(userdata 'echo ECS_CLUSTER=golden-ec2 >> /etc/ecs/ecs.config')\"}" \
  --tag-specifications 'ResourceType=launch-template,Tags=[{Key=team,Value=platform}]' > /dev/null
aws autoscaling create-auto-scaling-group --auto-scaling-group-name golden-asg \
  --launch-template 'LaunchTemplateName=golden-lt,Version=$Latest' --min-size 0 --max-size 6 --desired-capacity 0 \
  --vpc-zone-identifier subnet-a,subnet-b,subnet-c --new-instances-protected-from-scale-in \
  --tags Key=team,Value=platform,PropagateAtLaunch=true Key=role,Value=web,PropagateAtLaunch=false
asg_arn=$(q autoscaling describe-auto-scaling-groups --auto-scaling-group-names golden-asg --query 'AutoScalingGroups[0].AutoScalingGroupARN')
aws ecs create-capacity-provider --name golden-cp \
  --auto-scaling-group-provider "autoScalingGroupArn=$asg_arn,managedScaling={status=ENABLED,targetCapacity=100,minimumScalingStepSize=1,maximumScalingStepSize=4,instanceWarmupPeriod=60},managedTerminationProtection=ENABLED" \
  --tags key=team,value=platform > /dev/null

# Spot: a launch template with Spot draining on, a mixed-instances group that launches only Spot (capacity-optimized
# over two types, capacity rebalance on), at most 2 instances: the third whole-instance task stays PROVISIONING.
aws ec2 create-launch-template --launch-template-name golden-spot-lt \
  --launch-template-data "{\"InstanceType\":\"m5.large\",\"ImageId\":\"ami-0ecs0optimized0\",\"UserData\":\"$(userdata 'echo ECS_CLUSTER=golden-ec2 >> /etc/ecs/ecs.config' 'echo ECS_ENABLE_SPOT_INSTANCE_DRAINING=true >> /etc/ecs/ecs.config')\"}" > /dev/null
aws autoscaling create-auto-scaling-group --auto-scaling-group-name golden-spot-asg --min-size 0 --max-size 2 \
  --vpc-zone-identifier subnet-a,subnet-b --capacity-rebalance \
  --mixed-instances-policy '{"InstancesDistribution":{"OnDemandBaseCapacity":0,"OnDemandPercentageAboveBaseCapacity":0,"SpotAllocationStrategy":"capacity-optimized"},"LaunchTemplate":{"LaunchTemplateSpecification":{"LaunchTemplateName":"golden-spot-lt","Version":"1"},"Overrides":[{"InstanceType":"m5.large"},{"InstanceType":"m5a.large"}]}}'
spot_asg_arn=$(q autoscaling describe-auto-scaling-groups --auto-scaling-group-names golden-spot-asg --query 'AutoScalingGroups[0].AutoScalingGroupARN')
aws ecs create-capacity-provider --name golden-spot-cp \
  --auto-scaling-group-provider "autoScalingGroupArn=$spot_asg_arn,managedScaling={status=ENABLED,targetCapacity=100},managedTerminationProtection=DISABLED" > /dev/null
aws ecs put-cluster-capacity-providers --cluster golden-ec2 --capacity-providers golden-cp golden-spot-cp \
  --default-capacity-provider-strategy capacityProvider=golden-cp,weight=1,base=1 > /dev/null

step "task definitions: several revisions, one deregistered"
web_def() { # image cpu memory
  echo "[{\"name\":\"web\",\"image\":\"$1\",\"cpu\":$2,\"memory\":$3,\"essential\":true,\"portMappings\":[{\"containerPort\":80,\"hostPort\":0,\"protocol\":\"tcp\"}],\"environment\":[{\"name\":\"GOLDEN\",\"value\":\"$1\"}]}]"
}
aws ecs register-task-definition --family golden-web --network-mode bridge --container-definitions "$(web_def public.ecr.aws/nginx/nginx:1.25 256 512)" --tags key=app,value=web > /dev/null
aws ecs register-task-definition --family golden-web --network-mode bridge --container-definitions "$(web_def public.ecr.aws/nginx/nginx:1.26 512 1024)" --tags key=app,value=web > /dev/null
aws ecs register-task-definition --family golden-web --network-mode bridge --container-definitions "$(web_def public.ecr.aws/nginx/nginx:1.27 512 1024)" --tags key=app,value=web key=rev,value=3 > /dev/null
aws ecs deregister-task-definition --task-definition golden-web:1 > /dev/null
aws ecs register-task-definition --family golden-batch --network-mode bridge \
  --container-definitions '[{"name":"batch","image":"public.ecr.aws/docker/library/busybox:latest","cpu":256,"memory":256,"essential":true}]' > /dev/null
aws ecs register-task-definition --family golden-big --network-mode bridge \
  --container-definitions '[{"name":"big","image":"public.ecr.aws/docker/library/busybox:latest","cpu":2048,"memory":4096,"essential":true}]' > /dev/null
for image in 1.26 1.27; do
  aws ecs register-task-definition --family golden-fargate --network-mode awsvpc --requires-compatibilities FARGATE --cpu 256 --memory 512 \
    --container-definitions "[{\"name\":\"app\",\"image\":\"public.ecr.aws/nginx/nginx:$image\",\"essential\":true,\"portMappings\":[{\"containerPort\":8080}]}]" > /dev/null
done

step "target group and the load-balanced service (revision 2, then a rolling deployment to revision 3)"
tg_arn=$(q elbv2 create-target-group --name golden-tg --protocol HTTP --port 80 --vpc-id vpc-golden --target-type instance \
  --healthy-threshold-count 2 --unhealthy-threshold-count 3 --health-check-interval-seconds 30 --health-check-path /health \
  --query 'TargetGroups[0].TargetGroupArn')
aws elbv2 modify-target-group-attributes --target-group-arn "$tg_arn" --attributes Key=deregistration_delay.timeout_seconds,Value=60 > /dev/null
aws ecs create-service --cluster golden-ec2 --service-name web --task-definition golden-web:2 --desired-count 3 \
  --load-balancers "targetGroupArn=$tg_arn,containerName=web,containerPort=80" --tags key=team,value=platform \
  --deployment-configuration minimumHealthyPercent=100,maximumPercent=200 > /dev/null
wait_for "web: 3 tasks RUNNING (CAS scaled golden-asg out from zero)" 600 running_is golden-ec2 3
curl -sf -X POST "$endpoint/emulator/traffic/golden-ec2/web" -H 'Content-Type: application/json' \
  -d '{"requestsPerSecond": 40, "requestDurationSeconds": 0.2, "perTaskCapacity": 100}' > /dev/null
aws ecs update-service --cluster golden-ec2 --service web --task-definition golden-web:3 > /dev/null
web_done() {
  [ "$(q ecs describe-services --cluster golden-ec2 --services web --query 'length(services[0].deployments)')" = 1 ] &&
  [ "$(q ecs describe-services --cluster golden-ec2 --services web --query 'services[0].deployments[0].rolloutState')" = COMPLETED ] &&
  running_is golden-ec2 3 && stopped_at_least golden-ec2 3
}
wait_for "web: deployment of golden-web:3 completed, 3 old tasks STOPPED" 900 web_done

step "standalone tasks: two batch tasks on EC2 (one stopped), three whole-instance tasks on Spot (one queued)"
aws ecs run-task --cluster golden-ec2 --task-definition golden-batch --count 2 --started-by golden-script \
  --capacity-provider-strategy capacityProvider=golden-cp,weight=1 --tags key=job,value=batch > /dev/null
wait_for "batch tasks RUNNING" 600 running_is golden-ec2 5
batch=$(q ecs list-tasks --cluster golden-ec2 --started-by golden-script --query 'taskArns[0]')
aws ecs stop-task --cluster golden-ec2 --task "$batch" --reason "golden: stopped by make-golden.sh" > /dev/null
wait_for "a batch task STOPPED" 300 stopped_at_least golden-ec2 4
aws ecs run-task --cluster golden-ec2 --task-definition golden-big --count 3 --started-by golden-spot \
  --capacity-provider-strategy capacityProvider=golden-spot-cp,weight=1 > /dev/null
wait_for "two big tasks RUNNING on Spot" 600 running_is golden-ec2 6
provisioning_is() { [ "$(count_tasks golden-ec2 RUNNING PROVISIONING)" = "$1" ]; }
wait_for "one big task still PROVISIONING (golden-spot-asg at its max)" 60 provisioning_is 1

step "container instance attribute"
ci=$(q ecs list-container-instances --cluster golden-ec2 --query 'sort(containerInstanceArns)[0]')
aws ecs put-attributes --cluster golden-ec2 --attributes "name=golden.role,value=primary,targetType=container-instance,targetId=$ci" > /dev/null

step "Fargate cluster: FARGATE and FARGATE_SPOT, a service and standalone tasks (one stopped)"
aws ecs create-cluster --cluster-name golden-fargate --tags key=team,value=serverless > /dev/null
aws ecs put-cluster-capacity-providers --cluster golden-fargate --capacity-providers FARGATE FARGATE_SPOT \
  --default-capacity-provider-strategy capacityProvider=FARGATE,weight=1,base=1 capacityProvider=FARGATE_SPOT,weight=3 > /dev/null
net='awsvpcConfiguration={subnets=[subnet-a,subnet-b],securityGroups=[sg-golden],assignPublicIp=DISABLED}'
aws ecs create-service --cluster golden-fargate --service-name api --task-definition golden-fargate:2 --desired-count 2 \
  --network-configuration "$net" > /dev/null
aws ecs run-task --cluster golden-fargate --task-definition golden-fargate:1 --count 4 --network-configuration "$net" \
  --started-by golden-script > /dev/null
wait_for "Fargate: 6 tasks RUNNING" 600 running_is golden-fargate 6
spot_task=$(q ecs list-tasks --cluster golden-fargate --started-by golden-script --query 'sort(taskArns)[0]')
aws ecs stop-task --cluster golden-fargate --task "$spot_task" --reason "golden: stopped by make-golden.sh" > /dev/null
wait_for "Fargate: one task STOPPED" 300 stopped_at_least golden-fargate 1
wait_for "Fargate: 5 RUNNING" 300 running_is golden-fargate 5

step "history: let CAS publish a few more CapacityProviderReservation datapoints"
cpr_points() {
  local t; t=$(now golden-ec2)
  q cloudwatch get-metric-statistics --namespace AWS/ECS/ManagedScaling --metric-name CapacityProviderReservation \
    --dimensions Name=ClusterName,Value=golden-ec2 Name=CapacityProviderName,Value=golden-cp \
    --start-time "$(hours_before "$t" 12)" --end-time "$t" --period 60 --statistics Average --query 'length(Datapoints)'
}
cpr_at_least() { [ "$(cpr_points)" -ge "$1" ]; }
wait_for "10 CPR datapoints of golden-cp" 600 cpr_at_least 10
# Settled: CAS has nothing left to do (the last 16 CPR datapoints of golden-cp are 100: no scale-in pending, it waits
# for 15 low ones; golden-spot-cp stays above 100 with its group at max) and every group has its desired instances
# InService.
cpr_recent() { # provider n -> the distinct Minimum/Maximum of its last n datapoints
  local t; t=$(now golden-ec2)
  aws cloudwatch get-metric-statistics --namespace AWS/ECS/ManagedScaling --metric-name CapacityProviderReservation \
    --dimensions Name=ClusterName,Value=golden-ec2 Name=CapacityProviderName,Value="$1" \
    --start-time "$(hours_before "$t" 12)" --end-time "$t" --period 60 --statistics Minimum Maximum --output json |
    jq -c "[.Datapoints | sort_by(.Timestamp) | .[-$2:][] | .Minimum, .Maximum] | unique"
}
group_settled() {
  local d
  d=$(q autoscaling describe-auto-scaling-groups --auto-scaling-group-names "$1" \
    --query 'AutoScalingGroups[0].[DesiredCapacity, length(Instances), length(Instances[?LifecycleState==`InService`])]')
  read -r desired all in_service <<< "$d"
  [ "$desired" = "$all" ] && [ "$all" = "$in_service" ]
}
settled() {
  [ "$(cpr_recent golden-cp 16)" = "[100]" ] && [ "$(cpr_recent golden-spot-cp 3)" = "[150]" ] &&
    group_settled golden-asg && group_settled golden-spot-asg
}
wait_for "CAS settled, every group at its desired capacity" 900 settled
steady() {
  [ "$(q ecs describe-services --cluster golden-ec2 --services web --query 'services[0].events[0].message')" = "(service web) has reached a steady state." ]
}
wait_for "web reports a steady state" 600 steady

# ---------------------------------------------------------------------------------------------------------------------
step "captures"
# capture NAME [--history JQPATH]... [--ignore JQPATH]... -- AWS ARGS...
# History paths are arrays that only grow (the restored emulator must still hold every element); ignored paths change
# on their own while the emulator runs and are named with the reason in the README.
: > "$work/captures.jsonl"
json_array() { printf '%s\n' "$@" | jq -R . | jq -sc 'map(select(length > 0))'; }
capture() {
  local name=$1; shift
  local history=() ignore=()
  while [ "$1" != -- ]; do
    case "$1" in
      --history) history+=("$2"); shift 2 ;;
      --ignore) ignore+=("$2"); shift 2 ;;
    esac
  done
  shift
  aws "$@" --output json > "$work/expected/$name.json"
  json_array "$@" | jq -c --arg name "$name" '{name: $name, aws: .}' |
    jq -c --argjson h "$(json_array "${history[@]}")" --argjson i "$(json_array "${ignore[@]}")" \
      '. + {history: $h, ignore: $i}' >> "$work/captures.jsonl"
}
capture_events() { # NAME CLUSTER: the cluster's whole event log through /emulator/events (paged)
  local name=$1 cluster=$2 after=0
  echo '[]' > "$work/events.tmp"
  while :; do
    curl -sf "$endpoint/emulator/events/$cluster?after=$after" > "$work/page.json"
    [ "$(jq '.events | length' "$work/page.json")" = 0 ] && break
    jq -s '.[0] + .[1].events' "$work/events.tmp" "$work/page.json" > "$work/events.tmp2" && mv "$work/events.tmp2" "$work/events.tmp"
    after=$(jq '.lastSequence' "$work/page.json")
  done
  # one event per line: a few hundred events stay small and diff well
  { echo '{"events": ['; jq -c '.[]' "$work/events.tmp" | sed '$!s/$/,/'; echo ']}'; } > "$work/expected/$name.json"
  jq -cn --arg name "$name" --arg c "$cluster" '{name: $name, events: $c, history: [".events"], ignore: []}' >> "$work/captures.jsonl"
}

ec2_tasks=$(q ecs list-tasks --cluster golden-ec2 --query 'taskArns[]'; q ecs list-tasks --cluster golden-ec2 --desired-status STOPPED --query 'taskArns[]')
fg_tasks=$(q ecs list-tasks --cluster golden-fargate --query 'taskArns[]'; q ecs list-tasks --cluster golden-fargate --desired-status STOPPED --query 'taskArns[]')
ec2_cis=$(q ecs list-container-instances --cluster golden-ec2 --query 'containerInstanceArns[]')
ec2_tasks=$(tr '\t\n' '\n\n' <<< "$ec2_tasks" | sort | tr '\n' ' ')
fg_tasks=$(tr '\t\n' '\n\n' <<< "$fg_tasks" | sort | tr '\n' ' ')
ec2_cis=$(tr '\t' '\n' <<< "$ec2_cis" | sort | tr '\n' ' ')
end=$(now golden-ec2)
end="${end:0:16}:00Z"   # whole minutes: every period bucket up to here is complete
start=$(hours_before "$end" 12)
stats=(--period 60 --statistics Average Minimum Maximum SampleCount Sum --start-time "$start" --end-time "$end")

# shellcheck disable=SC2086
{
  capture ecs-list-clusters -- ecs list-clusters --query 'sort(clusterArns)'
  capture ecs-describe-clusters -- ecs describe-clusters --clusters golden-ec2 golden-fargate --include ATTACHMENTS SETTINGS STATISTICS TAGS
  capture ecs-describe-capacity-providers -- ecs describe-capacity-providers --include TAGS --query 'sort_by(capacityProviders, &name)'
  capture ecs-list-task-definition-families -- ecs list-task-definition-families --status ALL
  capture ecs-list-task-definitions-active -- ecs list-task-definitions --status ACTIVE
  capture ecs-list-task-definitions-inactive -- ecs list-task-definitions --status INACTIVE
  for td in golden-web:1 golden-web:2 golden-web:3 golden-batch:1 golden-big:1 golden-fargate:1 golden-fargate:2; do
    capture "ecs-describe-task-definition-${td/:/-}" -- ecs describe-task-definition --task-definition "$td" --include TAGS
  done
  capture ecs-list-services-ec2 -- ecs list-services --cluster golden-ec2
  capture ecs-list-services-fargate -- ecs list-services --cluster golden-fargate
  capture ecs-describe-services-ec2 --history '.services[].events' -- ecs describe-services --cluster golden-ec2 --services web --include TAGS
  capture ecs-describe-services-fargate --history '.services[].events' -- ecs describe-services --cluster golden-fargate --services api --include TAGS
  capture ecs-list-tasks-ec2 -- ecs list-tasks --cluster golden-ec2 --query 'sort(taskArns)'
  capture ecs-list-tasks-ec2-stopped -- ecs list-tasks --cluster golden-ec2 --desired-status STOPPED --query 'sort(taskArns)'
  capture ecs-list-tasks-fargate -- ecs list-tasks --cluster golden-fargate --query 'sort(taskArns)'
  capture ecs-list-tasks-fargate-stopped -- ecs list-tasks --cluster golden-fargate --desired-status STOPPED --query 'sort(taskArns)'
  capture ecs-describe-tasks-ec2 -- ecs describe-tasks --cluster golden-ec2 --include TAGS --tasks $ec2_tasks --query 'sort_by(tasks, &taskArn)'
  capture ecs-describe-tasks-fargate -- ecs describe-tasks --cluster golden-fargate --include TAGS --tasks $fg_tasks --query 'sort_by(tasks, &taskArn)'
  capture ecs-list-container-instances -- ecs list-container-instances --cluster golden-ec2 --query 'sort(containerInstanceArns)'
  capture ecs-describe-container-instances -- ecs describe-container-instances --cluster golden-ec2 --include TAGS --container-instances $ec2_cis --query 'sort_by(containerInstances, &containerInstanceArn)'
  capture ecs-list-attributes -- ecs list-attributes --cluster golden-ec2 --target-type container-instance --attribute-name golden.role
  capture ecs-list-tags-cluster -- ecs list-tags-for-resource --resource-arn arn:aws:ecs:us-east-1:000000000000:cluster/golden-ec2
  capture ecs-list-tags-service -- ecs list-tags-for-resource --resource-arn arn:aws:ecs:us-east-1:000000000000:service/golden-ec2/web
  capture ecs-list-tags-task-definition -- ecs list-tags-for-resource --resource-arn arn:aws:ecs:us-east-1:000000000000:task-definition/golden-web:3
  capture autoscaling-describe-auto-scaling-groups -- autoscaling describe-auto-scaling-groups --auto-scaling-group-names golden-asg golden-spot-asg
  capture autoscaling-describe-auto-scaling-instances -- autoscaling describe-auto-scaling-instances --query 'sort_by(AutoScalingInstances, &InstanceId)'
  capture autoscaling-describe-scaling-activities-asg --history '.Activities' -- autoscaling describe-scaling-activities --auto-scaling-group-name golden-asg
  capture autoscaling-describe-scaling-activities-spot --history '.Activities' -- autoscaling describe-scaling-activities --auto-scaling-group-name golden-spot-asg
  capture autoscaling-describe-tags -- autoscaling describe-tags
  capture autoscaling-describe-policies -- autoscaling describe-policies
  capture ec2-describe-launch-templates -- ec2 describe-launch-templates --query 'sort_by(LaunchTemplates, &LaunchTemplateName)'
  capture ec2-describe-instances -- ec2 describe-instances --query 'sort_by(Reservations[].Instances[], &InstanceId)'
  capture elbv2-describe-target-groups -- elbv2 describe-target-groups
  capture elbv2-describe-target-group-attributes -- elbv2 describe-target-group-attributes --target-group-arn "$tg_arn"
  capture elbv2-describe-target-health -- elbv2 describe-target-health --target-group-arn "$tg_arn" --query 'sort_by(TargetHealthDescriptions, &Target.Id)'
  capture cloudwatch-list-metrics --history '.Metrics' -- cloudwatch list-metrics
  for cp in golden-cp golden-spot-cp; do
    capture "cloudwatch-cpr-$cp" --history '.Datapoints' -- cloudwatch get-metric-statistics --namespace AWS/ECS/ManagedScaling \
      --metric-name CapacityProviderReservation --dimensions Name=ClusterName,Value=golden-ec2 Name=CapacityProviderName,Value="$cp" "${stats[@]}"
  done
  for asg in golden-asg golden-spot-asg; do
    capture "cloudwatch-in-service-$asg" --history '.Datapoints' -- cloudwatch get-metric-statistics --namespace AWS/AutoScaling \
      --metric-name GroupInServiceInstances --dimensions Name=AutoScalingGroupName,Value="$asg" "${stats[@]}"
  done
  capture cloudwatch-cpu-reservation --history '.Datapoints' -- cloudwatch get-metric-statistics --namespace AWS/ECS \
    --metric-name CPUReservation --dimensions Name=ClusterName,Value=golden-ec2 "${stats[@]}"
  capture cloudwatch-request-count --history '.Datapoints' -- cloudwatch get-metric-statistics --namespace AWS/ApplicationELB \
    --metric-name RequestCount --dimensions Name=TargetGroup,Value="${tg_arn##*:}" "${stats[@]}"
  capture cloudwatch-healthy-hosts --history '.Datapoints' -- cloudwatch get-metric-statistics --namespace AWS/ApplicationELB \
    --metric-name HealthyHostCount --dimensions Name=TargetGroup,Value="${tg_arn##*:}" "${stats[@]}"
  capture_events events-golden-ec2 golden-ec2
  capture_events events-golden-fargate golden-fargate
}

# The captures must describe a settled state: taken twice a few seconds apart, everything but the history paths and
# the ignored paths must be identical (otherwise the test would compare against a moment in passing).
step "stability check"
sleep 5
unstable=0
while read -r entry; do
  name=$(jq -r .name <<< "$entry")
  mapfile -t args < <(jq -r '.aws // empty | .[]' <<< "$entry")
  [ "${#args[@]}" = 0 ] && continue
  drop=$(jq -r '(.history + .ignore) | map("del(\(.))") | join(" | ") | if . == "" then "." else . end' <<< "$entry")
  aws "${args[@]}" --output json | jq -S "$drop" > "$work/again.json"
  if ! jq -S "$drop" "$work/expected/$name.json" | diff -q - "$work/again.json" > /dev/null; then
    echo "unstable capture $name:" >&2
    jq -S "$drop" "$work/expected/$name.json" | diff - "$work/again.json" | head -20 >&2
    unstable=1
  fi
done < "$work/captures.jsonl"
[ "$unstable" = 0 ] || { echo "make-golden: some captures change on their own; settle the state before capturing" >&2; exit 1; }

step "stopping the silo (SIGTERM) and saving Redis"
kill -TERM "$silo_pid"
for i in $(seq 600); do kill -0 "$silo_pid" 2>/dev/null || break; [ "$i" = 600 ] && { echo "the silo did not stop within 120 s" >&2; exit 1; }; sleep 0.2; done
wait "$silo_pid" || true
stopped=$(date -u +%Y-%m-%dT%H:%M:%S.%6NZ)
silo_pid=""
redis-cli -p "$redis_port" SAVE > /dev/null
redis_version=$(redis-server --version | sed -E 's/.* v=([^ ]+).*/\1/')
keys=$(redis-cli -p "$redis_port" DBSIZE)
redis-cli -p "$redis_port" SHUTDOWN NOSAVE > /dev/null 2>&1 || true

mkdir -p "$out"
rm -rf "$out/expected"
cp -r "$work/expected" "$out/expected"
cp "$work/dump.rdb" "$out/dump.rdb"
json_array "${silo_args[@]}" | jq --arg build "$build" --arg redis "$redis_version" --arg clusterId "$cluster_id" \
  --argjson timeScale "$time_scale" --argjson seed "$seed" --arg stopped "$stopped" --argjson keys "$keys" \
  '{build: $build, redisVersion: $redis, clusterId: $clusterId, timeScale: $timeScale, seed: $seed, siloArgs: .,
    stoppedAt: $stopped, redisKeys: $keys}' |
  jq --slurpfile c "$work/captures.jsonl" '. + {captures: $c}' > "$out/golden.json"
echo "make-golden: wrote $out (dump.rdb $(stat -c %s "$out/dump.rdb") bytes, $keys keys, $(wc -l < "$work/captures.jsonl") captures)"
rm -rf "$work"
