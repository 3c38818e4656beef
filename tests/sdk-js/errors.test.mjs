// Error mapping (B-W-1, B-W-3): the emulator's error codes surface as the SDKs' typed exceptions, with name,
// message, HTTP status and fault, and a rejected request changes nothing.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  ClusterNotFoundException, InvalidParameterException, ClientException, ECSServiceException,
  CreateClusterCommand, DescribeServicesCommand, DescribeTasksCommand, DescribeClustersCommand, PutClusterCapacityProvidersCommand,
  RunTaskCommand, ListTasksCommand,
} from "@aws-sdk/client-ecs";
import { AlreadyExistsFault, AutoScalingServiceException, CreateLaunchConfigurationCommand, CreateAutoScalingGroupCommand } from "@aws-sdk/client-auto-scaling";
import {
  InvalidParameterValueException, MissingRequiredParameterException, GetMetricStatisticsCommand,
} from "@aws-sdk/client-cloudwatch";
import { ecs, autoscaling, cloudwatch, unique } from "./clients.mjs";

/** Runs the call, expects it to throw, returns the error. */
async function rejects(promise) {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  assert.fail("the call succeeded but an error was expected");
}

test("ECS: unknown cluster is ClusterNotFoundException; describe of unknown tasks is a MISSING failure", async () => {
  const e = await rejects(ecs.send(new DescribeServicesCommand({ cluster: unique("nope"), services: ["a"] })));
  assert.ok(e instanceof ClusterNotFoundException, `${e.name}: ${e.message}`);
  assert.ok(e instanceof ECSServiceException);
  assert.equal(e.name, "ClusterNotFoundException");
  assert.match(e.message, /[Cc]luster not found/);
  assert.equal(e.$metadata.httpStatusCode, 400);
  assert.equal(e.$fault, "client");
  assert.ok(e.$metadata.requestId, "x-amzn-RequestId is read by the SDK");

  const cluster = unique("sdk-err");
  await ecs.send(new CreateClusterCommand({ clusterName: cluster }));
  const missing = await ecs.send(new DescribeTasksCommand({ cluster, tasks: ["0123456789abcdef0123456789abcdef"] }));
  assert.deepEqual(missing.tasks, []);
  assert.equal(missing.failures[0].reason, "MISSING");
  assert.match(missing.failures[0].arn, /:task\/.+\/0123456789abcdef0123456789abcdef$/);
});

test("ECS: invalid strategies and enums are InvalidParameterException and change nothing", async () => {
  const cluster = unique("sdk-bad");
  await ecs.send(new CreateClusterCommand({ clusterName: cluster }));
  await ecs.send(new PutClusterCapacityProvidersCommand({
    cluster, capacityProviders: ["FARGATE", "FARGATE_SPOT"], defaultCapacityProviderStrategy: [{ capacityProvider: "FARGATE", weight: 1 }],
  }));
  const twoBases = await rejects(ecs.send(new PutClusterCapacityProvidersCommand({
    cluster, capacityProviders: ["FARGATE", "FARGATE_SPOT"],
    defaultCapacityProviderStrategy: [{ capacityProvider: "FARGATE", weight: 1, base: 1 }, { capacityProvider: "FARGATE_SPOT", weight: 1, base: 1 }],
  })));
  assert.ok(twoBases instanceof InvalidParameterException, `${twoBases.name}: ${twoBases.message}`);
  assert.ok(twoBases.message.length > 0);
  const zeroWeights = await rejects(ecs.send(new PutClusterCapacityProvidersCommand({
    cluster, capacityProviders: ["FARGATE"], defaultCapacityProviderStrategy: [{ capacityProvider: "FARGATE", weight: 0 }],
  })));
  assert.ok(zeroWeights instanceof InvalidParameterException, `${zeroWeights.name}: ${zeroWeights.message}`);
  const badEnum = await rejects(ecs.send(new ListTasksCommand({ cluster, launchType: "SUBMARINE" })));
  assert.ok(badEnum instanceof InvalidParameterException, `${badEnum.name}: ${badEnum.message}`);

  const after = await ecs.send(new DescribeClustersCommand({ clusters: [cluster] }));
  assert.deepEqual(after.clusters[0].defaultCapacityProviderStrategy, [{ capacityProvider: "FARGATE", weight: 1, base: 0 }]);
});

test("ECS: RunTask of an unknown task definition is ClientException", async () => {
  const e = await rejects(ecs.send(new RunTaskCommand({ cluster: "default", taskDefinition: unique("no-such-family") })));
  assert.ok(e instanceof ClientException, `${e.name}: ${e.message}`);
  assert.equal(e.name, "ClientException");
});

test("Auto Scaling (query protocol): AlreadyExists is AlreadyExistsFault, ValidationError keeps its code", async () => {
  const name = unique("sdk-lc");
  await autoscaling.send(new CreateLaunchConfigurationCommand({ LaunchConfigurationName: name, ImageId: "ami-12345678", InstanceType: "t3.small" }));
  const dup = await rejects(autoscaling.send(new CreateLaunchConfigurationCommand({ LaunchConfigurationName: name, ImageId: "ami-12345678", InstanceType: "t3.small" })));
  assert.ok(dup instanceof AlreadyExistsFault, `${dup.name}: ${dup.message}`);
  assert.match(dup.message, new RegExp(name));

  const invalid = await rejects(autoscaling.send(new CreateAutoScalingGroupCommand({
    AutoScalingGroupName: unique("sdk-asg"), LaunchConfigurationName: unique("missing-lc"), MinSize: 0, MaxSize: 1, AvailabilityZones: ["us-east-1a"],
  })));
  assert.ok(invalid instanceof AutoScalingServiceException, `${invalid.name}: ${invalid.message}`);
  assert.equal(invalid.name, "ValidationError");
  assert.equal(invalid.$metadata.httpStatusCode, 400);
  assert.ok(invalid.message.length > 0);
});

test("CloudWatch (JSON 1.0, query-compatible): query error codes map to the typed exceptions", async () => {
  const now = new Date();
  const e = await rejects(cloudwatch.send(new GetMetricStatisticsCommand({
    Namespace: "AWS/ECS/ManagedScaling", MetricName: "CapacityProviderReservation",
    StartTime: now, EndTime: new Date(now.getTime() - 60_000), Period: 60, Statistics: ["Maximum"],
  })));
  assert.ok(e instanceof InvalidParameterValueException, `${e.name}: ${e.message}`);
  assert.equal(e.Code, "InvalidParameterValue", "the query error code (x-amzn-query-error) is kept");
  assert.match(e.message, /StartTime/);

  const missing = await rejects(cloudwatch.send(new GetMetricStatisticsCommand({
    Namespace: "AWS/ECS/ManagedScaling", MetricName: "CapacityProviderReservation", StartTime: new Date(now.getTime() - 60_000), EndTime: now, Statistics: ["Maximum"],
  })));
  assert.ok(missing instanceof MissingRequiredParameterException, `${missing.name}: ${missing.message}`);
});
