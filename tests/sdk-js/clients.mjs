// Shared set-up for the SDK tests: the AWS SDK v3 clients pointed at the emulator's endpoint
// (EMULATOR_ENDPOINT, set by tests/Emulator.Tests/Wire/SdkJsTests.cs) with dummy credentials, no retries.
import { randomBytes } from "node:crypto";
import { ECSClient } from "@aws-sdk/client-ecs";
import { AutoScalingClient } from "@aws-sdk/client-auto-scaling";
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { ApplicationAutoScalingClient } from "@aws-sdk/client-application-auto-scaling";
import { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";

export const endpoint = process.env.EMULATOR_ENDPOINT;
if (!endpoint) {
  throw new Error("EMULATOR_ENDPOINT is not set: run these tests through SdkJsTests (dotnet test) or set it to a running silo, e.g. http://127.0.0.1:4577");
}

const config = {
  endpoint,
  region: "us-east-1",
  credentials: { accessKeyId: "x", secretAccessKey: "x" },
  maxAttempts: 1,
};

export const ecs = new ECSClient(config);
export const autoscaling = new AutoScalingClient(config);
export const cloudwatch = new CloudWatchClient(config);
export const appautoscaling = new ApplicationAutoScalingClient(config);
export const elbv2 = new ElasticLoadBalancingV2Client(config);

/** A name no other test (or earlier run against the same silo) uses. */
export const unique = (prefix) => `${prefix}-${randomBytes(4).toString("hex")}`;

/** Polls (every intervalMs) until the condition holds; fails with the last observed value after the timeout. */
export async function until(what, probe, condition, timeoutMs = 240_000, intervalMs = 500) {
  const started = Date.now();
  let last;
  for (;;) {
    last = await probe();
    if (condition(last)) {
      return last;
    }
    if (Date.now() - started > timeoutMs) {
      throw new Error(`timed out waiting for ${what}; last seen: ${JSON.stringify(last)}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Fast waiter settings: the silo runs at 600x, so AWS's default 6 s / 15 s polls would only slow the test. */
export const waiter = (client) => ({ client, maxWaitTime: 300, minDelay: 1, maxDelay: 2 });
