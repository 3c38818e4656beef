// Pagination through the SDKs' paginators (B-W-4): nextToken / maxResults pages that together list every item
// exactly once.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  CreateClusterCommand, PutClusterCapacityProvidersCommand, RegisterTaskDefinitionCommand, RunTaskCommand, ListTasksCommand,
  paginateListTasks, paginateListTaskDefinitions, paginateListClusters,
} from "@aws-sdk/client-ecs";
import { paginateDescribeLaunchConfigurations, CreateLaunchConfigurationCommand } from "@aws-sdk/client-auto-scaling";
import { paginateListMetrics } from "@aws-sdk/client-cloudwatch";
import { ecs, autoscaling, cloudwatch, unique } from "./clients.mjs";

async function pages(paginator) {
  const out = [];
  for await (const page of paginator) {
    out.push(page);
  }
  return out;
}

test("paginateListTasks walks 12 Fargate tasks in pages of 5; the filters narrow the list", async () => {
  const cluster = unique("sdk-page");
  await ecs.send(new CreateClusterCommand({ clusterName: cluster }));
  await ecs.send(new PutClusterCapacityProvidersCommand({
    cluster, capacityProviders: ["FARGATE"], defaultCapacityProviderStrategy: [{ capacityProvider: "FARGATE", weight: 1 }],
  }));
  const family = `${cluster}-td`;
  await ecs.send(new RegisterTaskDefinitionCommand({
    family, networkMode: "awsvpc", requiresCompatibilities: ["FARGATE"], cpu: "256", memory: "512",
    containerDefinitions: [{ name: "app", image: "nginx" }],
  }));
  const launched = [
    ...(await ecs.send(new RunTaskCommand({ cluster, taskDefinition: family, count: 10, startedBy: "sdk-a" }))).tasks,
    ...(await ecs.send(new RunTaskCommand({ cluster, taskDefinition: family, count: 2, startedBy: "sdk-b" }))).tasks,
  ].map((t) => t.taskArn);
  assert.equal(launched.length, 12);

  const all = await pages(paginateListTasks({ client: ecs, pageSize: 5 }, { cluster }));
  assert.deepEqual(all.map((p) => p.taskArns.length), [5, 5, 2]);
  assert.ok(all.slice(0, 2).every((p) => p.nextToken) && all[2].nextToken === undefined);
  const listed = all.flatMap((p) => p.taskArns);
  assert.equal(new Set(listed).size, 12, "no task listed twice");
  assert.deepEqual([...listed].sort(), [...launched].sort());

  const byStarter = await ecs.send(new ListTasksCommand({ cluster, startedBy: "sdk-b" }));
  assert.equal(byStarter.taskArns.length, 2);
  const byFamily = await ecs.send(new ListTasksCommand({ cluster, family, launchType: "FARGATE" }));
  assert.equal(byFamily.taskArns.length, 12);
});

test("paginateListTaskDefinitions and paginateListClusters page with maxResults", async () => {
  const family = unique("sdk-fam");
  for (let i = 0; i < 5; i++) {
    await ecs.send(new RegisterTaskDefinitionCommand({ family, containerDefinitions: [{ name: "c", image: "busybox", memory: 64 + i }] }));
  }
  const defs = await pages(paginateListTaskDefinitions({ client: ecs, pageSize: 2 }, { familyPrefix: family }));
  assert.deepEqual(defs.map((p) => p.taskDefinitionArns.length), [2, 2, 1]);
  assert.deepEqual(defs.flatMap((p) => p.taskDefinitionArns).map((a) => a.split(":").pop()), ["1", "2", "3", "4", "5"]);

  const names = [unique("sdk-pc"), unique("sdk-pc"), unique("sdk-pc")];
  for (const clusterName of names) {
    await ecs.send(new CreateClusterCommand({ clusterName }));
  }
  const clusters = (await pages(paginateListClusters({ client: ecs, pageSize: 1 }, {}))).flatMap((p) => p.clusterArns);
  assert.ok(names.every((n) => clusters.filter((a) => a.endsWith(`:cluster/${n}`)).length === 1), "each new cluster listed exactly once");
});

test("Auto Scaling and CloudWatch paginators (MaxRecords / NextToken)", async () => {
  const prefix = unique("sdk-plc");
  const created = [];
  for (let i = 0; i < 3; i++) {
    const name = `${prefix}-${i}`;
    await autoscaling.send(new CreateLaunchConfigurationCommand({ LaunchConfigurationName: name, ImageId: "ami-12345678", InstanceType: "t3.small" }));
    created.push(name);
  }
  const lcPages = await pages(paginateDescribeLaunchConfigurations({ client: autoscaling, pageSize: 1 }, { LaunchConfigurationNames: created }));
  assert.deepEqual(lcPages.map((p) => p.LaunchConfigurations.length), [1, 1, 1]);
  assert.deepEqual(lcPages.flatMap((p) => p.LaunchConfigurations.map((l) => l.LaunchConfigurationName)).sort(), created);

  // ListMetrics contents depend on what else runs on the silo: only the paging contract is checked here
  // (cas.test.mjs checks the contents for its own cluster).
  const metricPages = await pages(paginateListMetrics({ client: cloudwatch }, { Namespace: "AWS/ECS/ManagedScaling" }));
  assert.ok(metricPages.length >= 1 && metricPages.at(-1).NextToken === undefined);
});
