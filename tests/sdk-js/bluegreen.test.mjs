// Blue/green, linear and canary settings through the newest @aws-sdk/client-ecs (ECS-BEHAVIOR B-DP-6, B-DP-7): fields
// Debian's awscli model does not have (deploymentConfiguration.strategy / linearConfiguration / canaryConfiguration /
// lifecycleHooks, loadBalancers[].advancedConfiguration). Bad settings get ECS's InvalidParameterException and create
// nothing. The load balancer, listeners and rules are made over ELBv2's query protocol directly (no extra SDK package).
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  InvalidParameterException, CreateClusterCommand, RegisterTaskDefinitionCommand, CreateServiceCommand, DescribeServicesCommand,
} from "@aws-sdk/client-ecs";
import { ecs, endpoint, unique } from "./clients.mjs";

async function elbv2(action, params) {
  const body = new URLSearchParams({ Action: action, Version: "2015-12-01", ...params });
  const response = await fetch(endpoint, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body });
  const text = await response.text();
  assert.equal(response.status, 200, `${action}: ${text}`);
  return text;
}

const value = (xml, element) => xml.match(new RegExp(`<${element}>([^<]+)</${element}>`))[1];

async function rejects(promise) {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  assert.fail("the call succeeded but an error was expected");
}

/** A load balancer with a production listener (80, a rule forwarding to blue) and a test listener (8080), blue and green groups. */
async function loadBalancer(prefix) {
  const lb = await elbv2("CreateLoadBalancer", { Name: prefix, "Subnets.member.1": "subnet-0emulator000001", "Subnets.member.2": "subnet-0emulator000002" });
  const lbArn = value(lb, "LoadBalancerArn");
  const vpc = value(lb, "VpcId");
  const group = async (name) => value(await elbv2("CreateTargetGroup", { Name: name, Protocol: "HTTP", Port: "80", VpcId: vpc, TargetType: "ip" }), "TargetGroupArn");
  const blue = await group(`${prefix}-b`);
  const green = await group(`${prefix}-g`);
  const listener = async (port) => value(await elbv2("CreateListener", {
    LoadBalancerArn: lbArn, Protocol: "HTTP", Port: String(port), "DefaultActions.member.1.Type": "forward", "DefaultActions.member.1.TargetGroupArn": blue,
  }), "ListenerArn");
  const rule = async (listenerArn) => value(await elbv2("CreateRule", {
    ListenerArn: listenerArn, Priority: "1", "Conditions.member.1.Field": "path-pattern", "Conditions.member.1.Values.member.1": "/*",
    "Actions.member.1.Type": "forward", "Actions.member.1.TargetGroupArn": blue,
  }), "RuleArn");
  const production = await rule(await listener(80));
  const testRule = await rule(await listener(8080));
  return { blue, green, production, testRule };
}

test("B-DP-6 / B-DP-7: bad blue/green, linear and canary settings are refused with ECS's error and create nothing", async () => {
  const cluster = unique("sdk-bg");
  await ecs.send(new CreateClusterCommand({ clusterName: cluster }));
  const td = (await ecs.send(new RegisterTaskDefinitionCommand({
    family: unique("bg"), networkMode: "awsvpc", requiresCompatibilities: ["FARGATE"], cpu: "256", memory: "512",
    containerDefinitions: [{ name: "web", image: "nginx", essential: true, portMappings: [{ containerPort: 80 }] }],
  }))).taskDefinition;
  const mine = await loadBalancer(unique("bg"));
  const other = await loadBalancer(unique("ot"));
  const role = "arn:aws:iam::000000000000:role/ecsInfrastructureRoleForLoadBalancers";
  const advanced = (overrides) => ({ alternateTargetGroupArn: mine.green, productionListenerRule: mine.production, testListenerRule: mine.testRule, roleArn: role, ...overrides });
  const create = (deploymentConfiguration, advancedConfiguration) => ecs.send(new CreateServiceCommand({
    cluster, serviceName: "web", taskDefinition: td.taskDefinitionArn, desiredCount: 2, launchType: "FARGATE",
    networkConfiguration: { awsvpcConfiguration: { subnets: ["subnet-0emulator000001"] } },
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
  ];
  for (const [deployment, advancedConfiguration, message] of cases) {
    const e = await rejects(create(deployment, advancedConfiguration));
    assert.ok(e instanceof InvalidParameterException, `${JSON.stringify(deployment)}: ${e.name} ${e.message}`);
    assert.match(e.message, message);
  }

  const described = await ecs.send(new DescribeServicesCommand({ cluster, services: ["web"] }));
  assert.equal(described.services.length, 0);
  assert.equal(described.failures[0].reason, "MISSING");
});
