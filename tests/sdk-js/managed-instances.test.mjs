// ECS Managed Instances through the newest ECS SDK (ECS-BEHAVIOR §18, B-MI-1..4; the Debian AWS CLI predates the
// capacity provider type): a MANAGED_INSTANCES provider created within its cluster, tasks naming it wait in
// PROVISIONING while the manager launches instances of the cheapest type matching the requirements, the waiter sees
// them RUNNING on those instances; a task no allowed type can hold fails with the reason; bad input creates nothing.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  CreateClusterCommand, CreateCapacityProviderCommand, UpdateCapacityProviderCommand, DescribeCapacityProvidersCommand,
  DescribeClustersCommand, RegisterTaskDefinitionCommand, RunTaskCommand, DescribeTasksCommand, DescribeContainerInstancesCommand,
  ListContainerInstancesCommand, StopTaskCommand, DeleteCapacityProviderCommand, waitUntilTasksRunning, waitUntilTasksStopped,
} from "@aws-sdk/client-ecs";
import { ecs, unique, until, waiter } from "./clients.mjs";

const role = "arn:aws:iam::000000000000:role/ecsInfrastructureRole";
const profile = "arn:aws:iam::000000000000:instance-profile/ecsInstanceRole";

const template = (requirements) => ({
  ec2InstanceProfileArn: profile,
  networkConfiguration: { subnets: [], securityGroups: [] },
  storageConfiguration: { storageSizeGiB: 30 },
  monitoring: "BASIC",
  instanceRequirements: requirements,
});

test("B-MI-1..2 a MANAGED_INSTANCES provider launches instances for pending tasks; they run; unfittable tasks fail", async () => {
  const cluster = unique("sdk-mi");
  const provider = `${cluster}-mi`;
  await ecs.send(new CreateClusterCommand({ clusterName: cluster }));

  const created = await ecs.send(new CreateCapacityProviderCommand({
    name: provider,
    cluster,
    managedInstancesProvider: {
      infrastructureRoleArn: role,
      instanceLaunchTemplate: template({ vCpuCount: { min: 1 }, memoryMiB: { min: 1024 }, allowedInstanceTypes: ["c5.large", "m5.large"] }),
      propagateTags: "CAPACITY_PROVIDER",
      infrastructureOptimization: { scaleInAfter: 120 },
    },
    tags: [{ key: "team", value: "platform" }],
  }));
  const cp = created.capacityProvider;
  assert.equal(cp.type, "MANAGED_INSTANCES");
  assert.equal(cp.cluster, cluster);
  assert.equal(cp.status, "ACTIVE");
  assert.equal(cp.autoScalingGroupProvider, undefined, "no Auto Scaling group");
  assert.equal(cp.managedInstancesProvider.infrastructureRoleArn, role);
  assert.equal(cp.managedInstancesProvider.instanceLaunchTemplate.storageConfiguration.storageSizeGiB, 30, "launch template echoed");
  assert.deepEqual(cp.managedInstancesProvider.instanceLaunchTemplate.instanceRequirements.allowedInstanceTypes, ["c5.large", "m5.large"]);
  assert.equal(cp.managedInstancesProvider.infrastructureOptimization.scaleInAfter, 120);

  // The provider exists within its cluster.
  const described = await ecs.send(new DescribeClustersCommand({ clusters: [cluster] }));
  assert.ok(described.clusters[0].capacityProviders.includes(provider), JSON.stringify(described.clusters[0]));

  const updated = await ecs.send(new UpdateCapacityProviderCommand({
    name: provider, cluster,
    managedInstancesProvider: { infrastructureRoleArn: role, instanceLaunchTemplate: { monitoring: "DETAILED" }, infrastructureOptimization: { scaleInAfter: 60 } },
  }));
  assert.equal(updated.capacityProvider.managedInstancesProvider.instanceLaunchTemplate.monitoring, "DETAILED");
  assert.equal(updated.capacityProvider.managedInstancesProvider.infrastructureOptimization.scaleInAfter, 60);
  assert.equal(updated.capacityProvider.managedInstancesProvider.instanceLaunchTemplate.storageConfiguration.storageSizeGiB, 30, "members not given are kept");

  const family = `${cluster}-web`;
  await ecs.send(new RegisterTaskDefinitionCommand({
    family, requiresCompatibilities: ["MANAGED_INSTANCES"], networkMode: "bridge",
    containerDefinitions: [{ name: "web", image: "nginx", cpu: 1024, memory: 2048, essential: true }],
  }));
  const run = await ecs.send(new RunTaskCommand({
    cluster, taskDefinition: family, count: 2, capacityProviderStrategy: [{ capacityProvider: provider, weight: 1 }],
  }));
  assert.equal(run.tasks.length, 2);
  assert.deepEqual(run.failures, []);
  assert.ok(run.tasks.every((t) => t.lastStatus === "PROVISIONING" && t.capacityProviderName === provider), JSON.stringify(run.tasks));
  const arns = run.tasks.map((t) => t.taskArn);
  await waitUntilTasksRunning(waiter(ecs), { cluster, tasks: arns });

  // They run on instances the manager launched: c5.large, the cheapest allowed type holding 1 vCPU / 2 GiB.
  const tasks = await ecs.send(new DescribeTasksCommand({ cluster, tasks: arns }));
  const instanceArns = [...new Set(tasks.tasks.map((t) => t.containerInstanceArn))];
  assert.equal(instanceArns.length, 2, "spread over two instances (zones)");
  const instances = await ecs.send(new DescribeContainerInstancesCommand({ cluster, containerInstances: instanceArns }));
  for (const ci of instances.containerInstances) {
    assert.equal(ci.capacityProviderName, provider);
    assert.equal(ci.attributes.find((a) => a.name === "ecs.instance-type").value, "c5.large");
  }
  const zones = new Set(instances.containerInstances.map((ci) => ci.attributes.find((a) => a.name === "ecs.availability-zone").value));
  assert.equal(zones.size, 2);

  // A task no allowed type can hold fails at once with the reason.
  await ecs.send(new RegisterTaskDefinitionCommand({
    family: `${family}-big`, networkMode: "bridge",
    containerDefinitions: [{ name: "big", image: "nginx", cpu: 4096, memory: 2048, essential: true }],
  }));
  const big = await ecs.send(new RunTaskCommand({
    cluster, taskDefinition: `${family}-big`, capacityProviderStrategy: [{ capacityProvider: provider, weight: 1 }],
  }));
  assert.equal(big.tasks.length, 0);
  assert.equal(big.failures.length, 1);
  assert.equal(big.failures[0].reason, "RESOURCE:CPU");
  assert.match(big.failures[0].detail, /largest allowed type registers 2048 CPU units/);

  // Idle after the tasks stop: the manager consolidates (scaleInAfter 60 s) and the instances deregister.
  for (const arn of arns) {
    await ecs.send(new StopTaskCommand({ cluster, task: arn, reason: "done" }));
  }
  await waitUntilTasksStopped(waiter(ecs), { cluster, tasks: arns });
  await until("the idle instances gone", async () => (await ecs.send(new ListContainerInstancesCommand({ cluster, status: "ACTIVE" }))).containerInstanceArns,
    (list) => list.length === 0);

  const deleted = await ecs.send(new DeleteCapacityProviderCommand({ capacityProvider: provider, cluster }));
  assert.equal(deleted.capacityProvider.status, "INACTIVE");
  const after = await ecs.send(new DescribeClustersCommand({ clusters: [cluster] }));
  assert.ok(!after.clusters[0].capacityProviders.includes(provider));
});

test("B-MI-1 bad input: no infrastructure role, impossible requirements, bad scaleInAfter: InvalidParameterException, nothing created", async () => {
  const cluster = unique("sdk-mi-bad");
  await ecs.send(new CreateClusterCommand({ clusterName: cluster }));
  const attempts = [
    [`${cluster}-norole`, { instanceLaunchTemplate: template({ vCpuCount: { min: 1 }, memoryMiB: { min: 1024 } }) }, /infrastructureRoleArn/],
    [`${cluster}-impossible`, { infrastructureRoleArn: role, instanceLaunchTemplate: template({ vCpuCount: { min: 96 }, memoryMiB: { min: 1024 } }) }, /No instance types match/],
    [`${cluster}-scalein`, {
      infrastructureRoleArn: role, instanceLaunchTemplate: template({ vCpuCount: { min: 1 }, memoryMiB: { min: 1024 } }),
      infrastructureOptimization: { scaleInAfter: 7200 },
    }, /-1 or 0 to 3600/],
  ];
  for (const [name, managedInstancesProvider, message] of attempts) {
    await assert.rejects(
      ecs.send(new CreateCapacityProviderCommand({ name, cluster, managedInstancesProvider })),
      (e) => e.name === "InvalidParameterException" && message.test(e.message),
      name);
  }

  const described = await ecs.send(new DescribeCapacityProvidersCommand({ capacityProviders: attempts.map(([name]) => name) }));
  assert.equal(described.capacityProviders.length, 0);
  assert.equal(described.failures.length, 3);
  const clusters = await ecs.send(new DescribeClustersCommand({ clusters: [cluster] }));
  assert.deepEqual(clusters.clusters[0].capacityProviders, []);
});
