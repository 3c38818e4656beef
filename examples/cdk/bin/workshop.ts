import { App, BootstraplessSynthesizer, DefaultStackSynthesizer, IStackSynthesizer } from "aws-cdk-lib";
import { PlatformStack } from "../lib/platform-stack";
import { Ec2ServiceStack, FargateServiceStack } from "../lib/service-stacks";

/**
 * The capacity provider workshop as one CDK app. Chapters are context values instead of edits to app.py:
 *   -c ec2Capacity=true    the platform's "CAPACITY PROVIDERS SECTION" (and the EC2 service stack)
 *   -c spotCapacity=true   the platform's "EC2 SPOT CAPACITY PROVIDER SECTION"
 *   -c fargateCount=10     desired count of the Fargate service
 *   -c ec2Count=1|10|40    desired count of the EC2 service
 *   -c onDemandProvider=EC2... -c spotProvider=EC2Spot...   the EC2 service's strategy (Spot chapter)
 * Synthesizer (-c synthesizer=...):
 *   bootstrapless (default)  BootstraplessSynthesizer: the template goes inline in CreateChangeSet (no asset bucket, no
 *                   bootstrap stack, no BootstrapVersion rule); the CLI deploys with its own credentials after a warning
 *                   that it could not assume the bootstrap deploy role. What the emulator needs:
 *                   `AWS_ENDPOINT_URL=http://127.0.0.1:4577 cdk deploy`. This app has no file or Docker assets (those
 *                   would need S3/ECR, which the emulator does not have).
 *   default         DefaultStackSynthesizer: real AWS after `cdk bootstrap`.
 * (CliCredentialsStackSynthesizer needs no roles but still uploads every template to the bootstrap S3 bucket.)
 */
function synthesizer(app: App): () => IStackSynthesizer {
  const kind = app.node.tryGetContext("synthesizer") ?? "bootstrapless";
  return kind === "default" ? () => new DefaultStackSynthesizer() : () => new BootstraplessSynthesizer();
}

const app = new App();
const flag = (name: string) => String(app.node.tryGetContext(name) ?? "false") === "true";
const count = (name: string, fallback: number) => Number(app.node.tryGetContext(name) ?? fallback);
const newSynthesizer = synthesizer(app);

const platform = new PlatformStack(app, "ecsworkshop-base", {
  synthesizer: newSynthesizer(),
  ec2Capacity: flag("ec2Capacity"),
  spotCapacity: flag("spotCapacity"),
});

new FargateServiceStack(app, "ecsworkshop-capacityproviders-fargate", {
  synthesizer: newSynthesizer(),
  cluster: platform.cluster,
  desiredCount: count("fargateCount", 10),
});

// The EC2 service exists from the chapter "ECS cluster auto scaling" on: it needs the platform's EC2 capacity.
if (flag("ec2Capacity")) {
  const onDemand = app.node.tryGetContext("onDemandProvider");
  const spot = app.node.tryGetContext("spotProvider");
  new Ec2ServiceStack(app, "ecsworkshop-capacityproviders-ec2", {
    synthesizer: newSynthesizer(),
    cluster: platform.cluster,
    desiredCount: count("ec2Count", 1),
    strategy: onDemand && spot
      ? [{ capacityProvider: onDemand, base: 1, weight: 1 }, { capacityProvider: spot, weight: 4 }]
      : undefined,
  });
}
