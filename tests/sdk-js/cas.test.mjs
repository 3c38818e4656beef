// Cluster Auto Scaling through the SDKs (ECS-BEHAVIOR §8, §9): tasks wait in PROVISIONING while managed scaling
// grows an empty Auto Scaling group, the ECS waiters see them RUNNING, and CloudWatch shows the
// CapacityProviderReservation that drove the scale-out (B-CAS-3: 200 while N = 0 and M > 0).
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  CreateClusterCommand, CreateCapacityProviderCommand, PutClusterCapacityProvidersCommand, RegisterTaskDefinitionCommand,
  RunTaskCommand, DescribeTasksCommand, CreateServiceCommand, DescribeServicesCommand, DescribeClustersCommand,
  ListContainerInstancesCommand, DescribeContainerInstancesCommand, DescribeCapacityProvidersCommand,
  waitUntilTasksRunning, waitUntilServicesStable,
} from "@aws-sdk/client-ecs";
import {
  CreateLaunchConfigurationCommand, CreateAutoScalingGroupCommand, DescribeAutoScalingGroupsCommand, DescribePoliciesCommand,
} from "@aws-sdk/client-auto-scaling";
import { GetMetricStatisticsCommand, GetMetricDataCommand, DescribeAlarmsCommand, paginateListMetrics } from "@aws-sdk/client-cloudwatch";
import { ecs, autoscaling, cloudwatch, unique, until, waiter } from "./clients.mjs";

test("B-CAS-4 run task on an empty managed-scaling ASG: PROVISIONING, scale-out, RUNNING; services stable; CPR in CloudWatch", async () => {
  const cluster = unique("sdk-cas");
  const group = `${cluster}-asg`;
  const provider = `${cluster}-cp`;
  const created = await ecs.send(new CreateClusterCommand({ clusterName: cluster }));
  assert.equal(created.cluster.status, "ACTIVE");
  assert.match(created.cluster.clusterArn, new RegExp(`^arn:aws:ecs:us-east-1:\\d{12}:cluster/${cluster}$`));

  // The launch configuration's user data is read like /etc/ecs/ecs.config: ECS_CLUSTER picks the cluster.
  const userData = Buffer.from(`#!/bin/bash\necho ECS_CLUSTER=${cluster} >> /etc/ecs/ecs.config\n`).toString("base64");
  await autoscaling.send(new CreateLaunchConfigurationCommand({
    LaunchConfigurationName: `${cluster}-lc`, ImageId: "ami-12345678", InstanceType: "t3.medium", UserData: userData,
  }));
  await autoscaling.send(new CreateAutoScalingGroupCommand({
    AutoScalingGroupName: group, LaunchConfigurationName: `${cluster}-lc`, MinSize: 0, MaxSize: 6, DesiredCapacity: 0,
    AvailabilityZones: ["us-east-1a", "us-east-1b"], NewInstancesProtectedFromScaleIn: true,
  }));
  const groups = await autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [group] }));
  assert.equal(groups.AutoScalingGroups.length, 1);
  const asg = groups.AutoScalingGroups[0];
  assert.equal(asg.DesiredCapacity, 0);
  assert.ok(asg.CreatedTime instanceof Date, "CreatedTime is parsed into a Date");

  const cp = await ecs.send(new CreateCapacityProviderCommand({
    name: provider,
    autoScalingGroupProvider: {
      autoScalingGroupArn: asg.AutoScalingGroupARN,
      managedScaling: { status: "ENABLED", targetCapacity: 100 },
      managedTerminationProtection: "ENABLED",
    },
  }));
  assert.equal(cp.capacityProvider.status, "ACTIVE");
  assert.equal(cp.capacityProvider.autoScalingGroupProvider.managedScaling.minimumScalingStepSize, 1, "AWS default filled in");
  await ecs.send(new PutClusterCapacityProvidersCommand({
    cluster, capacityProviders: [provider], defaultCapacityProviderStrategy: [{ capacityProvider: provider, weight: 1 }],
  }));
  const described = await ecs.send(new DescribeClustersCommand({ clusters: [cluster] }));
  assert.deepEqual(described.clusters[0].capacityProviders, [provider]);

  // CAS created its target tracking policy on the group.
  const policies = await autoscaling.send(new DescribePoliciesCommand({ AutoScalingGroupName: group }));
  assert.ok(policies.ScalingPolicies.some((p) => p.PolicyName.startsWith("ECSManagedAutoScalingPolicy-") && p.PolicyType === "TargetTrackingScaling"),
    JSON.stringify(policies.ScalingPolicies));

  const td = await ecs.send(new RegisterTaskDefinitionCommand({
    family: `${cluster}-web`, containerDefinitions: [{ name: "web", image: "nginx", cpu: 256, memory: 512, essential: true }],
  }));
  assert.equal(td.taskDefinition.revision, 1);

  const run = await ecs.send(new RunTaskCommand({ cluster, taskDefinition: `${cluster}-web`, count: 3 }));
  assert.deepEqual(run.failures, []);
  assert.equal(run.tasks.length, 3);
  for (const t of run.tasks) {
    assert.equal(t.lastStatus, "PROVISIONING", "no instance yet: the task waits for capacity (B-PQ-1)");
    assert.equal(t.desiredStatus, "RUNNING");
    assert.equal(t.capacityProviderName, provider);
    assert.ok(t.createdAt instanceof Date);
  }

  const arns = run.tasks.map((t) => t.taskArn);
  const waited = await waitUntilTasksRunning(waiter(ecs), { cluster, tasks: arns });
  assert.equal(waited.state, "SUCCESS");
  const tasks = (await ecs.send(new DescribeTasksCommand({ cluster, tasks: arns }))).tasks;
  assert.deepEqual(tasks.map((t) => t.lastStatus), ["RUNNING", "RUNNING", "RUNNING"]);
  assert.ok(tasks.every((t) => t.containerInstanceArn && t.startedAt instanceof Date));

  // CAS scaled the group out from zero; the instances registered into the cluster named by the user data.
  const grown = (await autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [group] }))).AutoScalingGroups[0];
  assert.ok(grown.DesiredCapacity >= 1, `desired capacity grew: ${grown.DesiredCapacity}`);
  const instanceArns = (await ecs.send(new ListContainerInstancesCommand({ cluster }))).containerInstanceArns;
  assert.ok(instanceArns.length >= 1);
  const instances = (await ecs.send(new DescribeContainerInstancesCommand({ cluster, containerInstances: instanceArns }))).containerInstances;
  assert.equal(instances.reduce((n, i) => n + i.runningTasksCount, 0), 3);
  assert.ok(instances.every((i) => i.capacityProviderName === provider && i.ec2InstanceId.startsWith("i-")));

  // A service on the same provider; the SDK's services-stable waiter accepts it.
  await ecs.send(new CreateServiceCommand({ cluster, serviceName: "web", taskDefinition: `${cluster}-web`, desiredCount: 2 }));
  const stable = await waitUntilServicesStable(waiter(ecs), { cluster, services: ["web"] });
  assert.equal(stable.state, "SUCCESS");
  const service = await until("the deployment's rollout to complete (B-DP-1)",
    async () => (await ecs.send(new DescribeServicesCommand({ cluster, services: ["web"] }))).services[0],
    (s) => s.deployments[0].rolloutState === "COMPLETED");
  assert.equal(service.runningCount, 2);
  assert.equal(service.deployments.length, 1);
  assert.ok(service.events.length > 0 && service.events[0].createdAt instanceof Date);

  // CloudWatch (JSON 1.0, query-compatible): the reservation that drove the scale-out.
  const start = new Date(tasks[0].createdAt.getTime() - 3_600_000);
  const end = new Date(tasks[0].createdAt.getTime() + 48 * 3_600_000);
  const dimensions = [{ Name: "ClusterName", Value: cluster }, { Name: "CapacityProviderName", Value: provider }];
  const stats = await until("CPR datapoints after the scale-out", () => cloudwatch.send(new GetMetricStatisticsCommand({
    Namespace: "AWS/ECS/ManagedScaling", MetricName: "CapacityProviderReservation", Dimensions: dimensions,
    StartTime: start, EndTime: end, Period: 300, Statistics: ["Maximum", "Minimum"],
  })), (s) => s.Datapoints.some((d) => d.Maximum === 200) && s.Datapoints.some((d) => d.Minimum <= 100));
  assert.equal(stats.Label, "CapacityProviderReservation");
  assert.ok(stats.Datapoints.every((d) => d.Timestamp instanceof Date && d.Unit === "Percent"), JSON.stringify(stats.Datapoints[0]));

  const data = await cloudwatch.send(new GetMetricDataCommand({
    StartTime: start, EndTime: end, ScanBy: "TimestampAscending",
    MetricDataQueries: [{ Id: "cpr", MetricStat: { Metric: { Namespace: "AWS/ECS/ManagedScaling", MetricName: "CapacityProviderReservation", Dimensions: dimensions }, Period: 60, Stat: "Maximum" } }],
  }));
  const result = data.MetricDataResults[0];
  assert.equal(result.Id, "cpr");
  assert.equal(result.StatusCode, "Complete");
  assert.equal(result.Timestamps.length, result.Values.length);
  assert.ok(result.Timestamps.every((t, i) => i === 0 || t > result.Timestamps[i - 1]), "ascending");
  // B-CAS-3: periods before the task was queued saw nothing at all (M = 0, N = 0: 100); the first one after saw a task
  // waiting and no instance (200).
  const firstWaiting = result.Values.indexOf(200);
  assert.ok(firstWaiting >= 0, `a period saw tasks waiting and no instance (B-CAS-3): ${JSON.stringify(result.Values)}`);
  assert.ok(result.Values.slice(0, firstWaiting).every((v) => v === 100), `before it, only empty periods: ${JSON.stringify(result.Values)}`);

  const listed = [];
  for await (const page of paginateListMetrics({ client: cloudwatch }, { Namespace: "AWS/ECS/ManagedScaling", Dimensions: [{ Name: "ClusterName", Value: cluster }] })) {
    listed.push(...page.Metrics);
  }
  assert.deepEqual(listed.map((m) => m.MetricName), ["CapacityProviderReservation"]);
  assert.deepEqual(listed[0].Dimensions.map((d) => d.Name).sort(), ["CapacityProviderName", "ClusterName"]);

  const alarms = await cloudwatch.send(new DescribeAlarmsCommand({ AlarmNamePrefix: `TargetTracking-${group}-` }));
  assert.equal(alarms.MetricAlarms.length, 2, JSON.stringify(alarms));
  assert.ok(alarms.MetricAlarms.every((a) => a.MetricName === "CapacityProviderReservation" && a.Threshold === 100));

  const cps = await ecs.send(new DescribeCapacityProvidersCommand({ capacityProviders: [provider] }));
  assert.equal(cps.capacityProviders[0].autoScalingGroupProvider.managedScaling.status, "ENABLED");
});
