// Application Auto Scaling and CloudWatch alarms through the SDK (ECS-BEHAVIOR §14): fields newer than Debian's awscli
// models (target tracking metric math, NotScaledReasons, scalable target ARNs and tags), typed errors, and a rejected
// request that changes nothing.
import { test } from "node:test";
import assert from "node:assert/strict";
import { CreateClusterCommand, RegisterTaskDefinitionCommand, CreateServiceCommand, DescribeServicesCommand } from "@aws-sdk/client-ecs";
import {
  RegisterScalableTargetCommand, DescribeScalableTargetsCommand, PutScalingPolicyCommand, DescribeScalingPoliciesCommand,
  DescribeScalingActivitiesCommand, PutScheduledActionCommand, TagResourceCommand, ListTagsForResourceCommand, UntagResourceCommand,
  DeleteScalingPolicyCommand, ObjectNotFoundException, ValidationException, ResourceNotFoundException,
} from "@aws-sdk/client-application-auto-scaling";
import {
  PutMetricDataCommand, PutMetricAlarmCommand, DescribeAlarmsCommand, SetAlarmStateCommand, GetMetricDataCommand, DeleteAlarmsCommand,
  ResourceNotFound,
} from "@aws-sdk/client-cloudwatch";
import { ecs, appautoscaling, cloudwatch, unique, until } from "./clients.mjs";

async function rejects(promise) {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  assert.fail("the call succeeded but an error was expected");
}

async function fargateService(cluster) {
  await ecs.send(new CreateClusterCommand({ clusterName: cluster }));
  await ecs.send(new RegisterTaskDefinitionCommand({
    family: `${cluster}-web`, networkMode: "awsvpc", requiresCompatibilities: ["FARGATE"], cpu: "256", memory: "512",
    containerDefinitions: [{ name: "web", image: "nginx" }],
  }));
  await ecs.send(new CreateServiceCommand({ cluster, serviceName: "web", taskDefinition: `${cluster}-web`, desiredCount: 2, launchType: "FARGATE" }));
  return `service/${cluster}/web`;
}

test("B-AS-1/B-AS-2 target tracking on backlog per task (metric math), tags, typed errors", async () => {
  const cluster = unique("sdk-aas");
  const ResourceId = await fargateService(cluster);
  const target = { ServiceNamespace: "ecs", ScalableDimension: "ecs:service:DesiredCount", ResourceId };
  const registered = await appautoscaling.send(new RegisterScalableTargetCommand({ ...target, MinCapacity: 1, MaxCapacity: 10, Tags: { team: "web" } }));
  assert.match(registered.ScalableTargetARN, /^arn:aws:application-autoscaling:us-east-1:\d{12}:scalable-target\/[0-9a-f]{36}$/);

  const Metrics = [
    { Id: "m1", ReturnData: false, MetricStat: { Stat: "Sum", Metric: { Namespace: `App/${cluster}`, MetricName: "ApproximateNumberOfMessagesVisible", Dimensions: [{ Name: "QueueName", Value: "jobs" }] } } },
    { Id: "m2", ReturnData: false, MetricStat: { Stat: "Average", Metric: { Namespace: "ECS/ContainerInsights", MetricName: "RunningTaskCount", Dimensions: [{ Name: "ClusterName", Value: cluster }, { Name: "ServiceName", Value: "web" }] } } },
    { Id: "e1", Expression: "m1 / m2", Label: "backlog per task", ReturnData: true },
  ];
  const put = await appautoscaling.send(new PutScalingPolicyCommand({
    ...target, PolicyName: "backlog", PolicyType: "TargetTrackingScaling",
    TargetTrackingScalingPolicyConfiguration: { TargetValue: 100, CustomizedMetricSpecification: { Metrics }, ScaleOutCooldown: 60 },
  }));
  assert.equal(put.Alarms.length, 2);
  const described = await appautoscaling.send(new DescribeScalingPoliciesCommand({ ServiceNamespace: "ecs", ResourceId }));
  const config = described.ScalingPolicies[0].TargetTrackingScalingPolicyConfiguration;
  assert.deepEqual(config.CustomizedMetricSpecification.Metrics, Metrics, "Metrics[] round-trips exactly");
  assert.equal(config.ScaleOutCooldown, 60);
  assert.ok(described.ScalingPolicies[0].CreationTime instanceof Date);

  // The alarm the policy owns evaluates the same math.
  const alarms = await cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: [put.Alarms[0].AlarmName] }));
  assert.equal(alarms.MetricAlarms[0].Metrics.length, 3);
  assert.equal(alarms.MetricAlarms[0].Threshold, 100);

  // Tags on the scalable target.
  await appautoscaling.send(new TagResourceCommand({ ResourceARN: registered.ScalableTargetARN, Tags: { env: "test" } }));
  assert.deepEqual((await appautoscaling.send(new ListTagsForResourceCommand({ ResourceARN: registered.ScalableTargetARN }))).Tags, { team: "web", env: "test" });
  await appautoscaling.send(new UntagResourceCommand({ ResourceARN: registered.ScalableTargetARN, TagKeys: ["team"] }));
  assert.deepEqual((await appautoscaling.send(new ListTagsForResourceCommand({ ResourceARN: registered.ScalableTargetARN }))).Tags, { env: "test" });

  // Typed errors; nothing changed.
  const missing = await rejects(appautoscaling.send(new DeleteScalingPolicyCommand({ ...target, PolicyName: "nope" })));
  assert.ok(missing instanceof ObjectNotFoundException, `${missing.name}: ${missing.message}`);
  const bad = await rejects(appautoscaling.send(new PutScheduledActionCommand({ ...target, ScheduledActionName: "x", Schedule: "cron(99 * * * ? *)", ScalableTargetAction: { MinCapacity: 1 } })));
  assert.ok(bad instanceof ValidationException, `${bad.name}: ${bad.message}`);
  const badMath = await rejects(appautoscaling.send(new PutScalingPolicyCommand({
    ...target, PolicyName: "broken", PolicyType: "TargetTrackingScaling",
    TargetTrackingScalingPolicyConfiguration: { TargetValue: 1, CustomizedMetricSpecification: { Metrics: [{ Id: "e1", Expression: "m9 / 2", ReturnData: true }] } },
  })));
  assert.ok(badMath instanceof ValidationException, `${badMath.name}: ${badMath.message}`);
  const noTarget = await rejects(appautoscaling.send(new ListTagsForResourceCommand({ ResourceARN: registered.ScalableTargetARN.replace(/[0-9a-f]{36}$/, "0".repeat(36)) })));
  assert.ok(noTarget instanceof ResourceNotFoundException, `${noTarget.name}: ${noTarget.message}`);
  assert.equal((await appautoscaling.send(new DescribeScalingPoliciesCommand({ ServiceNamespace: "ecs", ResourceId }))).ScalingPolicies.length, 1);
  const targets = await appautoscaling.send(new DescribeScalableTargetsCommand({ ServiceNamespace: "ecs", ResourceIds: [ResourceId] }));
  assert.equal(targets.ScalableTargets[0].MaxCapacity, 10);
});

test("B-AS-6 not-scaled activities carry NotScaledReasons; B-CW-1 SetAlarmState and metric math in GetMetricData", async () => {
  const cluster = unique("sdk-notscaled");
  const ResourceId = await fargateService(cluster);
  const target = { ServiceNamespace: "ecs", ScalableDimension: "ecs:service:DesiredCount", ResourceId };
  await appautoscaling.send(new RegisterScalableTargetCommand({ ...target, MinCapacity: 2, MaxCapacity: 2 }));
  const step = await appautoscaling.send(new PutScalingPolicyCommand({
    ...target, PolicyName: "up", PolicyType: "StepScaling",
    StepScalingPolicyConfiguration: { AdjustmentType: "ChangeInCapacity", StepAdjustments: [{ MetricIntervalLowerBound: 0, ScalingAdjustment: 1 }] },
  }));
  const Namespace = `App/${cluster}`;
  await cloudwatch.send(new PutMetricAlarmCommand({
    AlarmName: `${cluster}-load`, Namespace, MetricName: "Load", Statistic: "Maximum", Period: 60, EvaluationPeriods: 1,
    Threshold: 10, ComparisonOperator: "GreaterThanThreshold", AlarmActions: [step.PolicyARN],
  }));
  // Already at the maximum (2): the alarm fires the policy, nothing scales, a not-scaled activity says why.
  const activities = await until("a not-scaled activity", async () => {
    await cloudwatch.send(new PutMetricDataCommand({ Namespace, MetricData: [{ MetricName: "Load", Value: 50 }] }));
    return appautoscaling.send(new DescribeScalingActivitiesCommand({ ...target, IncludeNotScaledActivities: true }));
  }, (r) => r.ScalingActivities.length > 0);
  const a = activities.ScalingActivities[0];
  assert.equal(a.StatusCode, "Failed");
  assert.deepEqual(a.NotScaledReasons, [{ Code: "AlreadyAtMaxCapacity", MaxCapacity: 2, MinCapacity: 2, CurrentCapacity: 2 }]);
  assert.equal((await appautoscaling.send(new DescribeScalingActivitiesCommand({ ...target }))).ScalingActivities.length, 0, "not-scaled activities only on request");
  assert.equal((await ecs.send(new DescribeServicesCommand({ cluster, services: ["web"] }))).services[0].desiredCount, 2);

  await cloudwatch.send(new SetAlarmStateCommand({ AlarmName: `${cluster}-load`, StateValue: "OK", StateReason: "manual" }));
  const state = await cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: [`${cluster}-load`] }));
  assert.ok(["OK", "ALARM"].includes(state.MetricAlarms[0].StateValue));
  const gone = await rejects(cloudwatch.send(new SetAlarmStateCommand({ AlarmName: `${cluster}-none`, StateValue: "OK", StateReason: "x" })));
  assert.ok(gone instanceof ResourceNotFound, `${gone.name}: ${gone.message}`);

  const now = state.MetricAlarms[0].StateUpdatedTimestamp; // emulated time
  const data = await cloudwatch.send(new GetMetricDataCommand({
    StartTime: new Date(now.getTime() - 3600_000 * 2), EndTime: new Date(now.getTime() + 3600_000),
    MetricDataQueries: [
      { Id: "m1", ReturnData: false, MetricStat: { Period: 60, Stat: "Maximum", Metric: { Namespace, MetricName: "Load" } } },
      { Id: "e1", Expression: "m1 * 2", Label: "double" },
    ],
  }));
  assert.equal(data.MetricDataResults.length, 1);
  assert.equal(data.MetricDataResults[0].Label, "double");
  assert.ok(data.MetricDataResults[0].Values.every((v) => v === 100));
  await cloudwatch.send(new DeleteAlarmsCommand({ AlarmNames: [`${cluster}-load`] }));
});
