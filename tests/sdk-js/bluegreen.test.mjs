// Blue/green, linear and canary deployments through the newest @aws-sdk/client-ecs and
// @aws-sdk/client-elastic-load-balancing-v2 (ECS-BEHAVIOR B-DP-6, B-DP-7, B-ELB-1): fields Debian's awscli model does
// not have (deploymentConfiguration.strategy / linearConfiguration / canaryConfiguration / lifecycleHooks,
// loadBalancers[].advancedConfiguration, DescribeServiceDeployments' lifecycleStage / lifecycleHookDetails / revision
// traffic weights, ContinueServiceDeployment). Bad settings get ECS's InvalidParameterException and create nothing; the
// settings come back as written; a CANARY deployment paused by a PAUSE hook moves the production listener rule's
// weights when continued, and a ROLLBACK answer puts all traffic back on blue; a Lambda hook answers as the outcome set
// at /emulator/lambda-hooks says (IN_PROGRESS, then FAILED: the deployment rolls back).
//
// Run by tests/Emulator.Tests/Wire/SdkJsTests.cs (BlueGreenSdkJsTests) against a silo of its own at a low time scale,
// so the one-minute canary step is seconds of wall time and the test can watch the weights move.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  InvalidParameterException, ServiceDeploymentNotFoundException, CreateClusterCommand, RegisterTaskDefinitionCommand,
  CreateServiceCommand, UpdateServiceCommand, DescribeServicesCommand, ListServiceDeploymentsCommand,
  DescribeServiceDeploymentsCommand, ContinueServiceDeploymentCommand,
} from "@aws-sdk/client-ecs";
import {
  CreateLoadBalancerCommand, CreateTargetGroupCommand, CreateListenerCommand, CreateRuleCommand, DescribeRulesCommand,
  ModifyTargetGroupAttributesCommand,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { ecs, elbv2, endpoint, unique, until } from "./clients.mjs";

const role = "arn:aws:iam::000000000000:role/ecsInfrastructureRoleForLoadBalancers";

async function rejects(promise) {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  assert.fail("the call succeeded but an error was expected");
}

/**
 * A load balancer with a production listener (80) and a test listener (8080), each with a rule forwarding to blue
 * (weight 100) and green (weight 0); target groups that turn healthy and deregister quickly.
 */
async function loadBalancer(prefix) {
  const lb = (await elbv2.send(new CreateLoadBalancerCommand({ Name: prefix, Subnets: ["subnet-0emulator000001", "subnet-0emulator000002"] }))).LoadBalancers[0];
  const group = async (name) => {
    const tg = (await elbv2.send(new CreateTargetGroupCommand({
      Name: name, Protocol: "HTTP", Port: 80, VpcId: lb.VpcId, TargetType: "ip", HealthCheckIntervalSeconds: 5, HealthCheckTimeoutSeconds: 2, HealthyThresholdCount: 2,
    }))).TargetGroups[0].TargetGroupArn;
    await elbv2.send(new ModifyTargetGroupAttributesCommand({ TargetGroupArn: tg, Attributes: [{ Key: "deregistration_delay.timeout_seconds", Value: "0" }] }));
    return tg;
  };
  const blue = await group(`${prefix}-b`);
  const green = await group(`${prefix}-g`);
  const forward = [{ Type: "forward", ForwardConfig: { TargetGroups: [{ TargetGroupArn: blue, Weight: 100 }, { TargetGroupArn: green, Weight: 0 }] } }];
  const rule = async (port) => {
    const listener = (await elbv2.send(new CreateListenerCommand({ LoadBalancerArn: lb.LoadBalancerArn, Protocol: "HTTP", Port: port, DefaultActions: forward }))).Listeners[0];
    return (await elbv2.send(new CreateRuleCommand({
      ListenerArn: listener.ListenerArn, Priority: 1, Conditions: [{ Field: "path-pattern", PathPatternConfig: { Values: ["/*"] } }], Actions: forward,
    }))).Rules[0].RuleArn;
  };
  const production = await rule(80);
  const testRule = await rule(8080);
  return { blue, green, production, testRule };
}

/** The share (percent) of a rule's forwarded traffic each target group gets, as ELBv2 DescribeRules shows the weights. */
async function shares(ruleArn) {
  const { Rules } = await elbv2.send(new DescribeRulesCommand({ RuleArns: [ruleArn] }));
  const forward = Rules[0].Actions.find((a) => a.Type === "forward");
  const groups = forward.ForwardConfig?.TargetGroups ?? [{ TargetGroupArn: forward.TargetGroupArn, Weight: 1 }];
  const total = groups.reduce((sum, g) => sum + (g.Weight ?? 1), 0);
  return Object.fromEntries(groups.map((g) => [g.TargetGroupArn, total === 0 ? 0 : (100 * (g.Weight ?? 1)) / total]));
}

async function cluster(prefix) {
  const name = unique(prefix);
  await ecs.send(new CreateClusterCommand({ clusterName: name }));
  const family = unique("bg");
  const register = async (image) => (await ecs.send(new RegisterTaskDefinitionCommand({
    family, networkMode: "awsvpc", requiresCompatibilities: ["FARGATE"], cpu: "256", memory: "512",
    containerDefinitions: [{ name: "web", image, essential: true, portMappings: [{ containerPort: 80 }] }],
  }))).taskDefinition.taskDefinitionArn;
  return { name, register };
}

const network = { awsvpcConfiguration: { subnets: ["subnet-0emulator000001"] } };

test("B-DP-6 / B-DP-7: bad blue/green, linear and canary settings are refused with ECS's error and create nothing", async () => {
  const c = await cluster("sdk-bg");
  const td = await c.register("nginx");
  const mine = await loadBalancer(unique("bg"));
  const other = await loadBalancer(unique("ot"));
  const advanced = (overrides) => ({ alternateTargetGroupArn: mine.green, productionListenerRule: mine.production, testListenerRule: mine.testRule, roleArn: role, ...overrides });
  const create = (deploymentConfiguration, advancedConfiguration) => ecs.send(new CreateServiceCommand({
    cluster: c.name, serviceName: "web", taskDefinition: td, desiredCount: 2, launchType: "FARGATE", networkConfiguration: network,
    loadBalancers: [{ targetGroupArn: mine.blue, containerName: "web", containerPort: 80, ...(advancedConfiguration ? { advancedConfiguration } : {}) }],
    deploymentConfiguration,
  }));

  const cases = [
    [{ strategy: "BLUE_GREEN" }, undefined, /alternateTargetGroupArn/],
    [{ strategy: "BLUE_GREEN" }, advanced({ alternateTargetGroupArn: undefined }), /alternateTargetGroupArn/],
    [{ strategy: "LINEAR", linearConfiguration: { stepPercent: 2, stepBakeTimeInMinutes: 1 } }, advanced(), /stepPercent/],
    [{ strategy: "CANARY", canaryConfiguration: { canaryPercent: 0, canaryBakeTimeInMinutes: 5 } }, advanced(), /canaryPercent/],
    [{ strategy: "BLUE_GREEN", bakeTimeInMinutes: 1441 }, advanced(), /bakeTimeInMinutes/],
    [{ strategy: "BLUE_GREEN" }, advanced({ productionListenerRule: other.production }), /does not forward to the service's target group/],
    [{ strategy: "BLUE_GREEN" }, advanced({ roleArn: undefined }), /roleArn/],
    [{ strategy: "BLUE_GREEN", lifecycleHooks: [{ targetType: "PAUSE", lifecycleStages: ["PRODUCTION_TRAFFIC_SHIFT"] }] }, advanced(), /PAUSE/],
    [{ strategy: "BLUE_GREEN", lifecycleHooks: [{ targetType: "AWS_LAMBDA", lifecycleStages: ["POST_TEST_TRAFFIC_SHIFT"] }] }, advanced(), /hookTargetArn/],
    [{ strategy: "ROLLING", lifecycleHooks: [{ targetType: "PAUSE", lifecycleStages: ["BEFORE_LUNCH"] }] }, undefined, /lifecycleStages/],
  ];
  for (const [deployment, advancedConfiguration, message] of cases) {
    const e = await rejects(create(deployment, advancedConfiguration));
    assert.ok(e instanceof InvalidParameterException, `${JSON.stringify(deployment)}: ${e.name} ${e.message}`);
    assert.match(e.message, message);
  }

  const described = await ecs.send(new DescribeServicesCommand({ cluster: c.name, services: ["web"] }));
  assert.equal(described.services.length, 0);
  assert.equal(described.failures[0].reason, "MISSING");
});

test("B-DP-6 / B-DP-7: every traffic-shift setting comes back from CreateService, UpdateService and DescribeServices as written", async () => {
  const c = await cluster("sdk-bgrt");
  const td = await c.register("nginx");
  const lb = await loadBalancer(unique("rt"));
  const advancedConfiguration = { alternateTargetGroupArn: lb.green, productionListenerRule: lb.production, testListenerRule: lb.testRule, roleArn: role };
  const loadBalancers = [{ targetGroupArn: lb.blue, containerName: "web", containerPort: 80, advancedConfiguration }];
  const deploymentConfiguration = {
    maximumPercent: 200, minimumHealthyPercent: 100, strategy: "LINEAR", bakeTimeInMinutes: 3,
    deploymentCircuitBreaker: { enable: true, rollback: true },
    linearConfiguration: { stepPercent: 25, stepBakeTimeInMinutes: 2 },
    canaryConfiguration: { canaryPercent: 5.5, canaryBakeTimeInMinutes: 4 },
    lifecycleHooks: [
      { targetType: "PAUSE", lifecycleStages: ["POST_SCALE_UP", "POST_TEST_TRAFFIC_SHIFT"], timeoutConfiguration: { timeoutInMinutes: 45, action: "CONTINUE" } },
      {
        targetType: "AWS_LAMBDA", hookTargetArn: "arn:aws:lambda:us-east-1:000000000000:function:smoke", roleArn: "arn:aws:iam::000000000000:role/hooks",
        lifecycleStages: ["PRODUCTION_TRAFFIC_SHIFT"], hookDetails: { suite: "smoke", retries: 2 },
      },
    ],
  };
  const created = await ecs.send(new CreateServiceCommand({
    cluster: c.name, serviceName: "web", taskDefinition: td, desiredCount: 1, launchType: "FARGATE", networkConfiguration: network,
    loadBalancers, deploymentConfiguration,
  }));
  const described = async () => (await ecs.send(new DescribeServicesCommand({ cluster: c.name, services: ["web"] }))).services[0];
  for (const service of [created.service, await described()]) {
    assert.deepEqual(service.deploymentConfiguration, deploymentConfiguration);
    assert.deepEqual(service.loadBalancers, loadBalancers);
  }

  // An update naming only canaryConfiguration and the strategy keeps the linear settings and the hooks.
  const updated = await ecs.send(new UpdateServiceCommand({
    cluster: c.name, service: "web", deploymentConfiguration: { strategy: "CANARY", canaryConfiguration: { canaryPercent: 20, canaryBakeTimeInMinutes: 1 } },
  }));
  const expected = { ...deploymentConfiguration, strategy: "CANARY", canaryConfiguration: { canaryPercent: 20, canaryBakeTimeInMinutes: 1 } };
  assert.deepEqual(updated.service.deploymentConfiguration, expected);
  assert.deepEqual((await described()).deploymentConfiguration, expected);
});

test("B-DP-7: ContinueServiceDeployment answers ECS's errors", async () => {
  const c = await cluster("sdk-cont");
  const td = await c.register("nginx");
  await ecs.send(new CreateServiceCommand({ cluster: c.name, serviceName: "web", taskDefinition: td, desiredCount: 1, launchType: "FARGATE", networkConfiguration: network }));
  const arn = (await ecs.send(new ListServiceDeploymentsCommand({ cluster: c.name, service: "web" }))).serviceDeployments[0].serviceDeploymentArn;

  const unknown = await rejects(ecs.send(new ContinueServiceDeploymentCommand({ serviceDeploymentArn: arn.replace(/[^/]+$/, "nosuchdeployment"), hookId: "ecs-pause-1" })));
  assert.ok(unknown instanceof ServiceDeploymentNotFoundException, `${unknown.name}: ${unknown.message}`);
  for (const [input, message] of [
    [{ serviceDeploymentArn: arn, hookId: "ecs-pause-1", action: "PAUSE" }, /action/],
    [{ serviceDeploymentArn: `arn:aws:ecs:us-east-1:000000000000:service/${c.name}/web`, hookId: "ecs-pause-1" }, /service deployment ARN/],
    [{ serviceDeploymentArn: arn, hookId: "ecs-pause-1" }, /ecs-pause-1/], // a rolling deployment: no hook awaits an action
  ]) {
    const e = await rejects(ecs.send(new ContinueServiceDeploymentCommand(input)));
    assert.ok(e instanceof InvalidParameterException, `${JSON.stringify(input)}: ${e.name} ${e.message}`);
    assert.match(e.message, message);
  }
});

test("B-DP-6 / B-DP-7 end to end: a CANARY deployment paused at POST_TEST_TRAFFIC_SHIFT shifts 10 % then all traffic when continued; a ROLLBACK answer puts traffic back on blue", async () => {
  const c = await cluster("sdk-canary");
  const v1 = await c.register("nginx:1");
  const lb = await loadBalancer(unique("cn"));
  const deploymentConfiguration = {
    strategy: "CANARY", canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: 1 }, bakeTimeInMinutes: 1,
    lifecycleHooks: [{ targetType: "PAUSE", lifecycleStages: ["POST_TEST_TRAFFIC_SHIFT"], timeoutConfiguration: { timeoutInMinutes: 120, action: "ROLLBACK" } }],
  };
  await ecs.send(new CreateServiceCommand({
    cluster: c.name, serviceName: "web", taskDefinition: v1, desiredCount: 2, launchType: "FARGATE", networkConfiguration: network,
    loadBalancers: [{
      targetGroupArn: lb.blue, containerName: "web", containerPort: 80,
      advancedConfiguration: { alternateTargetGroupArn: lb.green, productionListenerRule: lb.production, testListenerRule: lb.testRule, roleArn: role },
    }],
    deploymentConfiguration,
  }));

  const deployments = async () => (await ecs.send(new ListServiceDeploymentsCommand({ cluster: c.name, service: "web" }))).serviceDeployments;
  const describe = async (arn) => (await ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [arn] }))).serviceDeployments[0];

  // The first deployment launches plainly into the production target group.
  const first = (await deployments())[0].serviceDeploymentArn;
  await until("the first deployment SUCCESSFUL", () => describe(first), (d) => d.status === "SUCCESSFUL", 180_000, 500);
  assert.deepEqual(await shares(lb.production), { [lb.blue]: 100, [lb.green]: 0 });

  /** Starts a deployment of a new revision and waits until its PAUSE hook awaits an action after the test traffic shift. */
  const deployAndPause = async (image) => {
    const known = new Set((await deployments()).map((d) => d.serviceDeploymentArn));
    await ecs.send(new UpdateServiceCommand({ cluster: c.name, service: "web", taskDefinition: await c.register(image), deploymentConfiguration }));
    const arn = (await deployments()).find((d) => !known.has(d.serviceDeploymentArn)).serviceDeploymentArn;
    const paused = await until("POST_TEST_TRAFFIC_SHIFT with a hook AWAITING_ACTION", () => describe(arn),
      (d) => d.lifecycleStage === "POST_TEST_TRAFFIC_SHIFT" && (d.lifecycleHookDetails ?? []).some((h) => h.status === "AWAITING_ACTION"), 180_000, 250);
    assert.equal(paused.status, "IN_PROGRESS");
    assert.equal(paused.deploymentConfiguration.strategy, "CANARY");
    const hook = paused.lifecycleHookDetails.find((h) => h.status === "AWAITING_ACTION");
    assert.equal(hook.targetType, "PAUSE");
    assert.equal(hook.timeoutAction, "ROLLBACK");
    assert.ok(hook.expiresAt instanceof Date && hook.expiresAt > paused.startedAt, `expiresAt ${hook.expiresAt}`);
    // Green has all the test traffic and none of the production traffic yet.
    assert.equal(paused.targetServiceRevision.requestedTestTrafficWeight, 100);
    assert.equal(paused.targetServiceRevision.requestedProductionTrafficWeight, 0);
    return { arn, hook, paused };
  };

  // ---- Deployment 2: continued. Blue is the production group, green the alternate.
  const two = await deployAndPause("nginx:2");
  assert.deepEqual(await shares(lb.production), { [lb.blue]: 100, [lb.green]: 0 });
  assert.equal((await shares(lb.testRule))[lb.green], 100);
  const continued = await ecs.send(new ContinueServiceDeploymentCommand({ serviceDeploymentArn: two.arn, hookId: two.hook.hookId, action: "CONTINUE" }));
  assert.equal(continued.serviceDeploymentArn, two.arn);

  // The canary step: 10 % of production on green, in the listener rule and on the target revision, for one emulated minute.
  const canary = await until("the canary step (10 % on green)", async () => ({ rule: await shares(lb.production), deployment: await describe(two.arn) }),
    (s) => s.rule[lb.green] === 10 && s.deployment.targetServiceRevision.requestedProductionTrafficWeight === 10, 120_000, 100);
  assert.equal(canary.rule[lb.blue], 90);
  assert.equal(canary.deployment.lifecycleStage, "PRODUCTION_TRAFFIC_SHIFT");

  const done = await until("deployment 2 SUCCESSFUL", () => describe(two.arn), (d) => d.status === "SUCCESSFUL", 180_000, 250);
  assert.equal(done.targetServiceRevision.requestedProductionTrafficWeight, 100);
  assert.deepEqual(await shares(lb.production), { [lb.blue]: 0, [lb.green]: 100 });

  // ---- Deployment 3: answered ROLLBACK at the same hook. Green (now production) is blue for this one.
  const before = await shares(lb.production);
  const three = await deployAndPause("nginx:3");
  await ecs.send(new ContinueServiceDeploymentCommand({ serviceDeploymentArn: three.arn, hookId: three.hook.hookId, action: "ROLLBACK" }));
  const rolledBack = await until("deployment 3 ROLLBACK_SUCCESSFUL", () => describe(three.arn), (d) => d.status === "ROLLBACK_SUCCESSFUL", 180_000, 250);
  assert.ok(rolledBack.rollback, "a rolled back deployment names its rollback");
  assert.deepEqual(await shares(lb.production), before);
  assert.equal((await shares(lb.production))[lb.green], 100);

  // The hook is no longer awaiting: another answer is refused.
  const late = await rejects(ecs.send(new ContinueServiceDeploymentCommand({ serviceDeploymentArn: three.arn, hookId: three.hook.hookId })));
  assert.ok(late instanceof InvalidParameterException, `${late.name}: ${late.message}`);
});

test("B-DP-7 end to end: a Lambda hook whose function is set to fail through /emulator/lambda-hooks answers IN_PROGRESS, then rolls the deployment back", async () => {
  const c = await cluster("sdk-lambda");
  const lb = await loadBalancer(unique("lh"));
  const functionArn = `arn:aws:lambda:us-east-1:000000000000:function:${unique("check")}`;
  const hooksUrl = `${endpoint}/emulator/lambda-hooks`;
  const put = await fetch(hooksUrl, { method: "PUT", body: JSON.stringify({ functionArn, result: "FAILED", inProgressSeconds: 30 }) });
  assert.equal(put.status, 200, await put.text());
  const bad = await fetch(hooksUrl, { method: "PUT", body: JSON.stringify({ functionArn, result: "MAYBE" }) });
  assert.equal(bad.status, 400);
  assert.match((await bad.json()).message, /SUCCEEDED or FAILED/);

  const deploymentConfiguration = {
    strategy: "BLUE_GREEN", bakeTimeInMinutes: 0,
    lifecycleHooks: [{ targetType: "AWS_LAMBDA", hookTargetArn: functionArn, roleArn: "arn:aws:iam::000000000000:role/hooks", lifecycleStages: ["POST_SCALE_UP"] }],
  };
  await ecs.send(new CreateServiceCommand({
    cluster: c.name, serviceName: "web", taskDefinition: await c.register("nginx:1"), desiredCount: 1, launchType: "FARGATE", networkConfiguration: network,
    loadBalancers: [{
      targetGroupArn: lb.blue, containerName: "web", containerPort: 80,
      advancedConfiguration: { alternateTargetGroupArn: lb.green, productionListenerRule: lb.production, roleArn: role },
    }],
    deploymentConfiguration,
  }));
  const deployments = async () => (await ecs.send(new ListServiceDeploymentsCommand({ cluster: c.name, service: "web" }))).serviceDeployments;
  const describe = async (arn) => (await ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [arn] }))).serviceDeployments[0];
  const first = (await deployments())[0].serviceDeploymentArn;
  await until("the first deployment SUCCESSFUL", () => describe(first), (d) => d.status === "SUCCESSFUL", 180_000, 500);

  await ecs.send(new UpdateServiceCommand({ cluster: c.name, service: "web", taskDefinition: await c.register("nginx:2") }));
  const arn = (await deployments()).find((d) => d.serviceDeploymentArn !== first).serviceDeploymentArn;
  const running = await until("the Lambda hook IN_PROGRESS", () => describe(arn),
    (d) => (d.lifecycleHookDetails ?? []).some((h) => h.targetType === "AWS_LAMBDA" && h.status === "IN_PROGRESS"), 180_000, 100);
  assert.equal(running.lifecycleStage, "POST_SCALE_UP");
  assert.equal(running.lifecycleHookDetails.find((h) => h.targetType === "AWS_LAMBDA").targetArn, functionArn);

  await until("the deployment ROLLBACK_SUCCESSFUL", () => describe(arn), (d) => d.status === "ROLLBACK_SUCCESSFUL", 180_000, 250);
  assert.deepEqual(await shares(lb.production), { [lb.blue]: 100, [lb.green]: 0 });

  const removed = await fetch(`${hooksUrl}?functionArn=${encodeURIComponent(functionArn)}`, { method: "DELETE" });
  assert.equal(removed.status, 204);
});
