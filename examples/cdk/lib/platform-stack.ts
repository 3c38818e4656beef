import { CfnOutput, Duration, Fn, Stack, StackProps, Tags } from "aws-cdk-lib";
import * as autoscaling from "aws-cdk-lib/aws-autoscaling";
import * as ec2 from "aws-cdk-lib/aws-ec2";
import * as ecs from "aws-cdk-lib/aws-ecs";
import * as iam from "aws-cdk-lib/aws-iam";
import * as servicediscovery from "aws-cdk-lib/aws-servicediscovery";
import * as ssm from "aws-cdk-lib/aws-ssm";
import { Construct } from "constructs";

export interface PlatformStackProps extends StackProps {
  /** The "CAPACITY PROVIDERS SECTION" of the workshop's app.py, uncommented (chapter "ECS cluster auto scaling"). */
  readonly ec2Capacity: boolean;
  /** The "EC2 SPOT CAPACITY PROVIDER SECTION", uncommented (chapter "EC2 Spot capacity provider"). */
  readonly spotCapacity: boolean;
}

/**
 * The workshop's platform (container-demo/cdk): a VPC, the container-demo cluster with its Cloud Map namespace, and,
 * chapter by chapter, an On-Demand Auto Scaling group (t3.small, 0..10) and a Spot one (mixed instances policy over a
 * launch template whose user data turns Spot draining on).
 */
export class PlatformStack extends Stack {
  readonly vpc: ec2.Vpc;
  readonly cluster: ecs.Cluster;

  constructor(scope: Construct, id: string, props: PlatformStackProps) {
    super(scope, id, props);

    this.vpc = new ec2.Vpc(this, "BaseVPC", {
      ipAddresses: ec2.IpAddresses.cidr("10.0.0.0/24"),
      maxAzs: 2,
      natGateways: 1,
    });

    this.cluster = new ecs.Cluster(this, "ECSCluster", {
      clusterName: "container-demo",
      vpc: this.vpc,
      defaultCloudMapNamespace: { name: "service.local", type: servicediscovery.NamespaceType.DNS_PRIVATE },
    });

    new CfnOutput(this, "ECSClusterName", { value: this.cluster.clusterName, exportName: "ECSClusterName" });
    new CfnOutput(this, "ECSClusterSecGrp", {
      value: this.cluster.connections.securityGroups.map(g => g.securityGroupId).join(",") || "none",
      exportName: "ECSSecGrpList",
    });
    new CfnOutput(this, "ServicesSecGrp", {
      value: new ec2.SecurityGroup(this, "ServicesSG", { vpc: this.vpc, description: "Services security group" }).securityGroupId,
      exportName: "ServicesSecGrp",
    });
    new CfnOutput(this, "NSNAME", { value: this.cluster.defaultCloudMapNamespace!.namespaceName, exportName: "NSNAME" });
    new CfnOutput(this, "NSID", { value: this.cluster.defaultCloudMapNamespace!.namespaceId, exportName: "NSID" });

    if (props.ec2Capacity) {
      // ###### CAPACITY PROVIDERS SECTION #####
      // CDK v2 adds an instance drain hook (a Lambda function behind an SNS topic and a lifecycle hook) unless the
      // task drain time is 0; the workshop's CDK 1.41 app had none, and the emulator runs no Lambda functions.
      const noDrainHook = { taskDrainTime: Duration.seconds(0) };
      const asg = this.cluster.addCapacity("ECSEC2Capacity", {
        ...noDrainHook,
        instanceType: new ec2.InstanceType("t3.small"),
        minCapacity: 0,
        maxCapacity: 10,
      });
      new CfnOutput(this, "EC2AutoScalingGroupName", { value: asg.autoScalingGroupName, exportName: "EC2ASGName" });
    }

    if (props.spotCapacity) {
      // ##### EC2 SPOT CAPACITY PROVIDER SECTION ######
      const role = new iam.Role(this, "ECSSpotECSInstanceRole", {
        assumedBy: new iam.ServicePrincipal("ec2.amazonaws.com"),
        managedPolicies: [
          iam.ManagedPolicy.fromAwsManagedPolicyName("service-role/AmazonEC2ContainerServiceforEC2Role"),
          iam.ManagedPolicy.fromAwsManagedPolicyName("service-role/AmazonEC2RoleforSSM"),
        ],
      });
      const profile = new iam.CfnInstanceProfile(this, "ECSSpotInstanceProfile", { roles: [role.roleName] });
      const lt = new ec2.CfnLaunchTemplate(this, "ECSEC2SpotCapacityLaunchTemplate", {
        launchTemplateName: "ECSEC2SpotCapacityLaunchTemplate",
        launchTemplateData: {
          instanceType: "m5.large",
          imageId: ssm.StringParameter.valueForStringParameter(this, "/aws/service/ecs/optimized-ami/amazon-linux-2/recommended/image_id"),
          securityGroupIds: this.cluster.connections.securityGroups.map(g => g.securityGroupId),
          iamInstanceProfile: { arn: profile.attrArn },
          userData: Fn.base64(Fn.sub(
            "#!/usr/bin/bash\n" +
            "echo ECS_CLUSTER=${cluster_name} >> /etc/ecs/ecs.config\n" +
            "sudo iptables --insert FORWARD 1 --in-interface docker+ --destination 169.254.169.254/32 --jump DROP\n" +
            "sudo service iptables save\n" +
            "echo ECS_ENABLE_SPOT_INSTANCE_DRAINING=true >> /etc/ecs/ecs.config\n" +
            "echo ECS_AWSVPC_BLOCK_IMDS=true >> /etc/ecs/ecs.config\n" +
            "cat /etc/ecs/ecs.config",
            { cluster_name: this.cluster.clusterName })),
        },
      });
      const spot = new autoscaling.CfnAutoScalingGroup(this, "ECSEC2SpotCapacity", {
        minSize: "0",
        maxSize: "10",
        vpcZoneIdentifier: this.vpc.privateSubnets.map(s => s.subnetId),
        mixedInstancesPolicy: {
          instancesDistribution: {
            onDemandAllocationStrategy: "prioritized",
            onDemandBaseCapacity: 0,
            onDemandPercentageAboveBaseCapacity: 0,
            spotAllocationStrategy: "capacity-optimized",
          },
          launchTemplate: {
            launchTemplateSpecification: { launchTemplateId: lt.ref, version: lt.attrDefaultVersionNumber },
            overrides: ["m5.large", "m5d.large", "m5a.large", "m5ad.large", "m5n.large", "m5dn.large", "m3.large", "m4.large", "t3.large", "t2.large"]
              .map(instanceType => ({ instanceType })),
          },
        },
      });
      Tags.of(spot).add("Name", spot.node.path);
      new CfnOutput(this, "EC2SpotAutoScalingGroupName", { value: spot.ref, exportName: "EC2SpotASGName" });
    }
  }
}
