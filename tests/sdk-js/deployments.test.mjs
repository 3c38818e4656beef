// Deployments through the newest @aws-sdk/client-ecs (ECS-BEHAVIOR B-DP-1..5, B-AZ-1): fields and operations AWS added
// in 2024-2025 that Debian's awscli model does not have: thresholdConfiguration and resetOnHealthyTask,
// availabilityZoneRebalancing, currentServiceDeployment / currentServiceRevisions, ListServiceDeployments,
// DescribeServiceDeployments, DescribeServiceRevisions, StopServiceDeployment. The SDK's waiter waitUntilServicesStable
// returns once a failed deployment has rolled back (one deployment left, running = desired), as on AWS.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  ConflictException, InvalidParameterException, ServiceDeploymentNotFoundException,
  ServiceDeploymentStatus, ServiceDeploymentRollbackMonitorsStatus, DeploymentRolloutState, ThresholdType, AvailabilityZoneRebalancing,
  CreateClusterCommand, PutClusterCapacityProvidersCommand, RegisterTaskDefinitionCommand, CreateServiceCommand, UpdateServiceCommand,
  DescribeServicesCommand, ListServiceDeploymentsCommand, DescribeServiceDeploymentsCommand, DescribeServiceRevisionsCommand,
  StopServiceDeploymentCommand, waitUntilServicesStable,
} from "@aws-sdk/client-ecs";
import { ecs, unique, until, waiter } from "./clients.mjs";

async function rejects(promise) {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  assert.fail("the call succeeded but an error was expected");
}

const fargateTaskDefinition = (family, labels) => ({
  family,
  networkMode: "awsvpc",
  requiresCompatibilities: ["FARGATE"],
  cpu: "256",
  memory: "512",
  containerDefinitions: [{ name: "app", image: `repo/${family}:1`, essential: true, portMappings: [{ containerPort: 80 }], ...(labels ? { dockerLabels: labels } : {}) }],
});

test("a deployment that cannot pull its image rolls back; the waiter returns once it has; the service deployment tells the story", async () => {
  const cluster = unique("sdk-dep");
  await ecs.send(new CreateClusterCommand({ clusterName: cluster }));
  await ecs.send(new PutClusterCapacityProvidersCommand({
    cluster, capacityProviders: ["FARGATE"], defaultCapacityProviderStrategy: [{ capacityProvider: "FARGATE", weight: 1 }],
  }));
  const good = (await ecs.send(new RegisterTaskDefinitionCommand(fargateTaskDefinition(unique("good"))))).taskDefinition;
  const created = (await ecs.send(new CreateServiceCommand({
    cluster, serviceName: "web", taskDefinition: good.taskDefinitionArn, desiredCount: 2,
    networkConfiguration: { awsvpcConfiguration: { subnets: ["subnet-0emulator000001"], assignPublicIp: "DISABLED" } },
    deploymentConfiguration: {
      minimumHealthyPercent: 100, maximumPercent: 200,
      deploymentCircuitBreaker: { enable: true, rollback: true, resetOnHealthyTask: false, thresholdConfiguration: { type: "COUNT", value: 2 } },
    },
  }))).service;

  // Round trip of what was written, as AWS returns it.
  assert.deepEqual(created.deploymentConfiguration.deploymentCircuitBreaker,
    { enable: true, rollback: true, resetOnHealthyTask: false, thresholdConfiguration: { type: ThresholdType.COUNT, value: 2 } });
  assert.equal(created.deploymentController.type, "ECS");
  assert.equal(created.availabilityZoneRebalancing, AvailabilityZoneRebalancing.ENABLED);
  assert.match(created.currentServiceDeployment, new RegExp(`^arn:aws:ecs:us-east-1:000000000000:service-deployment/${cluster}/web/[A-Za-z0-9_-]{22}$`));
  assert.deepEqual(created.networkConfiguration.awsvpcConfiguration.subnets, ["subnet-0emulator000001"]);

  await waitUntilServicesStable(waiter(ecs), { cluster, services: ["web"] });
  // The waiter checks one deployment with running = desired, as on AWS; the rollout completes once the tasks are also
  // healthy, a moment later on a busy machine.
  const first = await until("the first rollout COMPLETED", async () => (await ecs.send(new DescribeServicesCommand({ cluster, services: ["web"] }))).services[0],
    (s) => s.deployments[0].rolloutState === DeploymentRolloutState.COMPLETED);
  assert.equal(first.deployments.length, 1);
  assert.equal(first.currentServiceRevisions.length, 1);
  assert.equal(first.currentServiceRevisions[0].runningTaskCount, 2);

  // The bad revision: its image cannot be pulled (B-DP-8). COUNT 2 fails it after two tasks; rollback goes back to the first.
  const bad = (await ecs.send(new RegisterTaskDefinitionCommand(fargateTaskDefinition(good.family, { "emulator.pull": "fail" })))).taskDefinition;
  const updating = (await ecs.send(new UpdateServiceCommand({ cluster, service: "web", taskDefinition: bad.taskDefinitionArn }))).service;
  assert.equal(updating.deployments.length, 2);
  assert.equal(updating.deployments[0].rolloutState, DeploymentRolloutState.IN_PROGRESS);
  assert.notEqual(updating.currentServiceDeployment, first.currentServiceDeployment);

  await waitUntilServicesStable(waiter(ecs), { cluster, services: ["web"] });
  const after = (await ecs.send(new DescribeServicesCommand({ cluster, services: ["web"] }))).services[0];
  assert.equal(after.deployments.length, 1);
  assert.equal(after.taskDefinition, good.taskDefinitionArn);
  assert.equal(after.runningCount, 2);
  assert.ok(after.events.some((e) => e.message.includes("deployment failed: ECS deployment circuit breaker: task failed to start.")));

  // B-DP-5: the history, newest first (the rollback's status settles once its tasks are healthy, as the first rollout's).
  const list = await until("the rollback SUCCESSFUL in the history", async () => (await ecs.send(new ListServiceDeploymentsCommand({ cluster, service: "web" }))).serviceDeployments,
    (l) => l.length === 2 && l[0].status === ServiceDeploymentStatus.ROLLBACK_SUCCESSFUL);
  assert.equal(list.length, 2);
  assert.equal(list[0].serviceDeploymentArn, updating.currentServiceDeployment);
  assert.equal(list[0].status, ServiceDeploymentStatus.ROLLBACK_SUCCESSFUL);
  assert.equal(list[1].status, ServiceDeploymentStatus.SUCCESSFUL);
  assert.ok(Object.values(ServiceDeploymentStatus).includes(list[0].status));
  const onlySuccessful = (await ecs.send(new ListServiceDeploymentsCommand({ cluster, service: "web", status: ["SUCCESSFUL"] }))).serviceDeployments;
  assert.deepEqual(onlySuccessful.map((d) => d.serviceDeploymentArn), [list[1].serviceDeploymentArn]);
  const pages = [];
  let nextToken;
  do {
    const page = await ecs.send(new ListServiceDeploymentsCommand({ cluster, service: "web", maxResults: 1, nextToken }));
    assert.ok(page.serviceDeployments.length <= 1);
    pages.push(...page.serviceDeployments.map((d) => d.serviceDeploymentArn));
    nextToken = page.nextToken;
  } while (nextToken);
  assert.deepEqual(pages, list.map((d) => d.serviceDeploymentArn));

  const described = await ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [list[0].serviceDeploymentArn, list[0].serviceDeploymentArn.replace(/[^/]+$/, "nope")] }));
  assert.equal(described.failures.length, 1);
  assert.equal(described.failures[0].reason, "MISSING");
  const sd = described.serviceDeployments[0];
  assert.equal(sd.status, ServiceDeploymentStatus.ROLLBACK_SUCCESSFUL);
  assert.equal(sd.deploymentCircuitBreaker.status, ServiceDeploymentRollbackMonitorsStatus.TRIGGERED);
  assert.equal(sd.deploymentCircuitBreaker.threshold, 2);
  assert.ok(sd.deploymentCircuitBreaker.failureCount >= 2);
  assert.equal(sd.alarms.status, ServiceDeploymentRollbackMonitorsStatus.DISABLED);
  assert.equal(sd.rollback.serviceRevisionArn, list[1].targetServiceRevisionArn);
  assert.ok(sd.rollback.startedAt instanceof Date);
  assert.equal(sd.sourceServiceRevisions[0].arn, list[1].targetServiceRevisionArn);
  assert.equal(sd.deploymentConfiguration.deploymentCircuitBreaker.thresholdConfiguration.value, 2);

  const revisions = await ecs.send(new DescribeServiceRevisionsCommand({ serviceRevisionArns: [list[0].targetServiceRevisionArn, list[1].targetServiceRevisionArn] }));
  assert.deepEqual(revisions.serviceRevisions.map((r) => r.taskDefinition), [bad.taskDefinitionArn, good.taskDefinitionArn]);
  assert.equal(revisions.serviceRevisions[0].containerImages[0].image, `repo/${good.family}:1`);
  assert.match(revisions.serviceRevisions[0].serviceRevisionArn, /service-revision\/.+\/web\/\d{19}$/);

  // A finished service deployment cannot be stopped; an unknown one is not found.
  const conflict = await rejects(ecs.send(new StopServiceDeploymentCommand({ serviceDeploymentArn: list[0].serviceDeploymentArn, stopType: "ROLLBACK" })));
  assert.ok(conflict instanceof ConflictException, `${conflict.name}: ${conflict.message}`);
  const missing = await rejects(ecs.send(new StopServiceDeploymentCommand({ serviceDeploymentArn: list[0].serviceDeploymentArn.replace(/[^/]+$/, "nope") })));
  assert.ok(missing instanceof ServiceDeploymentNotFoundException, `${missing.name}: ${missing.message}`);
});

test("invalid deployment configurations are InvalidParameterException and change nothing", async () => {
  const cluster = unique("sdk-dep-bad");
  await ecs.send(new CreateClusterCommand({ clusterName: cluster }));
  await ecs.send(new PutClusterCapacityProvidersCommand({ cluster, capacityProviders: ["FARGATE"], defaultCapacityProviderStrategy: [{ capacityProvider: "FARGATE", weight: 1 }] }));
  const td = (await ecs.send(new RegisterTaskDefinitionCommand(fargateTaskDefinition(unique("cfg"))))).taskDefinition;
  await ecs.send(new CreateServiceCommand({
    cluster, serviceName: "web", taskDefinition: td.taskDefinitionArn, desiredCount: 1,
    networkConfiguration: { awsvpcConfiguration: { subnets: ["subnet-0emulator000001"] } },
  }));
  const before = (await ecs.send(new DescribeServicesCommand({ cluster, services: ["web"] }))).services[0];

  for (const deploymentConfiguration of [
    { minimumHealthyPercent: 100, maximumPercent: 50 },
    { deploymentCircuitBreaker: { enable: true, rollback: true, thresholdConfiguration: { type: "BOUNDED_PERCENT", value: 0 } } },
    { deploymentCircuitBreaker: { enable: true, rollback: true, thresholdConfiguration: { type: "COUNT", value: 100000 } } },
  ]) {
    const e = await rejects(ecs.send(new UpdateServiceCommand({ cluster, service: "web", deploymentConfiguration })));
    assert.ok(e instanceof InvalidParameterException, `${e.name}: ${e.message}`);
  }

  const controller = await rejects(ecs.send(new CreateServiceCommand({
    cluster, serviceName: "cd", taskDefinition: td.taskDefinitionArn, desiredCount: 1, deploymentController: { type: "CODE_DEPLOY" },
    deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: false } },
  })));
  assert.ok(controller instanceof InvalidParameterException, `${controller.name}: ${controller.message}`);

  const after = (await ecs.send(new DescribeServicesCommand({ cluster, services: ["web", "cd"] })));
  assert.deepEqual(after.services[0].deploymentConfiguration, before.deploymentConfiguration);
  assert.equal(after.services[0].deployments.length, 1);
  assert.equal(after.failures[0].reason, "MISSING");
});
