import { CfnOutput, Duration, Stack, StackProps } from "aws-cdk-lib";
import * as ecs from "aws-cdk-lib/aws-ecs";
import * as ecsPatterns from "aws-cdk-lib/aws-ecs-patterns";
import { Construct } from "constructs";

export interface ServiceStackProps extends StackProps {
  readonly cluster: ecs.ICluster;
  readonly desiredCount: number;
  /** Capacity provider strategy of the EC2 service (the Spot chapter's console update), or none: the cluster's default. */
  readonly strategy?: ecs.CapacityProviderStrategy[];
}

/** The application the workshop deploys: it answers with every task of the service and its capacity provider. */
const image = ecs.ContainerImage.fromRegistry("adam9098/ecsdemo-capacityproviders:latest");

/** ecsdemo-capacityproviders/fargate: 10 Fargate tasks behind a public ALB, on the cluster's default strategy. */
export class FargateServiceStack extends Stack {
  constructor(scope: Construct, id: string, props: ServiceStackProps) {
    super(scope, id, props);
    const service = new ecsPatterns.ApplicationLoadBalancedFargateService(this, "FargateCapacityProviderService", {
      serviceName: "ecsdemo-capacityproviders-fargate",
      cluster: props.cluster,
      cpu: 256,
      memoryLimitMiB: 512,
      desiredCount: props.desiredCount,
      publicLoadBalancer: true,
      taskImageOptions: { image, containerPort: 5000, environment: { AWS_DEFAULT_REGION: this.region } },
    });
    // As the workshop does: no launch type, so the cluster's default capacity provider strategy applies.
    (service.service.node.defaultChild as ecs.CfnService).addDeletionOverride("Properties.LaunchType");
    new CfnOutput(this, "LoadBalancerUrl", { value: "http://" + service.loadBalancer.loadBalancerDnsName });
  }
}

/** ecsdemo-capacityproviders/ec2: the EC2 service (1, 10, 40 tasks as the chapters go) behind a public ALB. */
export class Ec2ServiceStack extends Stack {
  constructor(scope: Construct, id: string, props: ServiceStackProps) {
    super(scope, id, props);
    const service = new ecsPatterns.ApplicationLoadBalancedEc2Service(this, "EC2CapacityProviderService", {
      serviceName: "ecsdemo-capacityproviders-ec2",
      cluster: props.cluster,
      cpu: 256,
      memoryLimitMiB: 512,
      desiredCount: props.desiredCount,
      publicLoadBalancer: true,
      taskImageOptions: { image, containerPort: 5000, environment: { AWS_DEFAULT_REGION: this.region } },
      capacityProviderStrategies: props.strategy,
    });
    const cfnService = service.service.node.defaultChild as ecs.CfnService;
    if (!props.strategy) {
      cfnService.addDeletionOverride("Properties.LaunchType");
    }
    // The Spot chapter's advice: healthy after 2 checks, 90 s to drain a target.
    service.targetGroup.configureHealthCheck({ healthyThresholdCount: 2, interval: Duration.seconds(30) });
    service.targetGroup.setAttribute("deregistration_delay.timeout_seconds", "90");
    new CfnOutput(this, "LoadBalancerUrl", { value: "http://" + service.loadBalancer.loadBalancerDnsName });
  }
}
