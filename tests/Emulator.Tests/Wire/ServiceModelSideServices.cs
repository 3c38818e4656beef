using System.Text;
using System.Text.Json.Nodes;
using System.Xml.Linq;

namespace Emulator.Tests.Wire;

/// <summary>
/// The side services real ECS configurations touch (issue 14): STS, IAM, CloudWatch Logs, SSM, the EC2 network and
/// launch template versions, and the settings and tags operations around them, each answered by a real silo with real
/// state and checked against its AWS service model, with the errors those services declare.
/// </summary>
internal static class ServiceModelSideServices
{
    private const string Trust = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}""";
    private const string Allow = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"logs:*","Resource":"*"}]}""";

    public static async Task Exercise(ModelCheckedApi api, string cluster)
    {
        await api.Query("sts", "GetCallerIdentity");
        await Ssm(api);
        await Logs(api, cluster);
        await Iam(api, cluster);
        await Network(api, cluster);
        await LaunchTemplateVersions(api, cluster);

        await api.Ecs("UpdateClusterSettings", new JsonObject
        {
            ["cluster"] = cluster, ["settings"] = new JsonArray(new JsonObject { ["name"] = "containerInsights", ["value"] = "enhanced" }),
        });
        await api.Ecs("UpdateClusterSettings", new JsonObject { ["cluster"] = "nope-" + cluster, ["settings"] = new JsonArray() }, "ClusterNotFoundException");
    }

    private static async Task Ssm(ModelCheckedApi api)
    {
        const string al2 = "/aws/service/ecs/optimized-ami/amazon-linux-2/recommended";
        await api.Ssm("GetParameter", new JsonObject { ["Name"] = al2 + "/image_id", ["WithDecryption"] = true });
        await api.Ssm("GetParameter", new JsonObject { ["Name"] = al2 + ":1" });
        await api.Ssm("GetParameters", new JsonObject { ["Names"] = new JsonArray(al2, al2 + "/image_name", "/no/such/parameter") });
        await api.Ssm("GetParameter", new JsonObject { ["Name"] = "/no/such/parameter" }, "ParameterNotFound");
        await api.Ssm("GetParameter", new JsonObject { ["Name"] = al2 + ":7" }, "ParameterVersionNotFound");
    }

    private static async Task Logs(ModelCheckedApi api, string cluster)
    {
        var group = $"/ecs/{cluster}/model";
        var arn = $"arn:aws:logs:us-east-1:000000000000:log-group:{group}";
        await api.Logs("CreateLogGroup", new JsonObject { ["logGroupName"] = group, ["tags"] = new JsonObject { ["team"] = "platform" } });
        await api.Logs("CreateLogGroup", new JsonObject { ["logGroupName"] = group }, "ResourceAlreadyExistsException");
        await api.Logs("PutRetentionPolicy", new JsonObject { ["logGroupName"] = group, ["retentionInDays"] = 14 });
        await api.Logs("PutRetentionPolicy", new JsonObject { ["logGroupName"] = group, ["retentionInDays"] = 2 }, "InvalidParameterException");
        await api.Logs("AssociateKmsKey", new JsonObject { ["logGroupName"] = group, ["kmsKeyId"] = "arn:aws:kms:us-east-1:000000000000:key/1234" });
        await api.Logs("DescribeLogGroups", new JsonObject { ["logGroupNamePrefix"] = "/ecs/" + cluster, ["limit"] = 5 });
        await api.Logs("DisassociateKmsKey", new JsonObject { ["logGroupName"] = group });
        await api.Logs("DeleteRetentionPolicy", new JsonObject { ["logGroupName"] = group });
        await api.Logs("TagResource", new JsonObject { ["resourceArn"] = arn, ["tags"] = new JsonObject { ["env"] = "test" } });
        await api.Logs("UntagResource", new JsonObject { ["resourceArn"] = arn, ["tagKeys"] = new JsonArray("team") });
        await api.Logs("ListTagsForResource", new JsonObject { ["resourceArn"] = arn + ":*" });
        await api.Logs("TagLogGroup", new JsonObject { ["logGroupName"] = group, ["tags"] = new JsonObject { ["owner"] = "me" } });
        await api.Logs("UntagLogGroup", new JsonObject { ["logGroupName"] = group, ["tags"] = new JsonArray("owner") });
        await api.Logs("ListTagsLogGroup", new JsonObject { ["logGroupName"] = group });
        await api.Logs("DeleteLogGroup", new JsonObject { ["logGroupName"] = group });
        await api.Logs("DeleteLogGroup", new JsonObject { ["logGroupName"] = group }, "ResourceNotFoundException");
    }

    private static async Task Iam(ModelCheckedApi api, string cluster)
    {
        var role = cluster + "-role";
        var profile = cluster + "-profile";
        var policyName = cluster + "-policy";
        await api.Query("iam", "CreateRole", ("RoleName", role), ("Path", "/ecs/"), ("AssumeRolePolicyDocument", Trust), ("Description", "model test"),
            ("Tags.member.1.Key", "team"), ("Tags.member.1.Value", "platform"));
        await api.Query("iam", "CreateRole", [("RoleName", role), ("AssumeRolePolicyDocument", Trust)], "EntityAlreadyExists");
        await api.Query("iam", "CreateRole", [("RoleName", role + "-bad"), ("AssumeRolePolicyDocument", "{not json")], "MalformedPolicyDocument");
        await api.Query("iam", "GetRole", ("RoleName", role));
        await api.Query("iam", "ListRoles", ("PathPrefix", "/ecs/"), ("MaxItems", "10"));
        await api.Query("iam", "UpdateRole", ("RoleName", role), ("MaxSessionDuration", "7200"));
        await api.Query("iam", "UpdateRoleDescription", ("RoleName", role), ("Description", "updated"));
        await api.Query("iam", "UpdateAssumeRolePolicy", ("RoleName", role), ("PolicyDocument", Trust));
        await api.Query("iam", "TagRole", ("RoleName", role), ("Tags.member.1.Key", "env"), ("Tags.member.1.Value", "test"));
        await api.Query("iam", "UntagRole", ("RoleName", role), ("TagKeys.member.1", "team"));
        await api.Query("iam", "ListRoleTags", ("RoleName", role));
        await api.Query("iam", "PutRolePolicy", ("RoleName", role), ("PolicyName", "logs"), ("PolicyDocument", Allow));
        await api.Query("iam", "GetRolePolicy", ("RoleName", role), ("PolicyName", "logs"));
        await api.Query("iam", "ListRolePolicies", ("RoleName", role));
        var created = await api.Query("iam", "CreatePolicy", ("PolicyName", policyName), ("PolicyDocument", Allow), ("Description", "model test"));
        var policyArn = created.Descendants().First(e => e.Name.LocalName == "Arn").Value;
        await api.Query("iam", "GetPolicy", ("PolicyArn", policyArn));
        await api.Query("iam", "GetPolicy", ("PolicyArn", "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"));
        await api.Query("iam", "ListPolicies", ("Scope", "Local"), ("OnlyAttached", "false"));
        await api.Query("iam", "CreatePolicyVersion", ("PolicyArn", policyArn), ("PolicyDocument", Allow), ("SetAsDefault", "true"));
        await api.Query("iam", "GetPolicyVersion", ("PolicyArn", policyArn), ("VersionId", "v2"));
        await api.Query("iam", "ListPolicyVersions", ("PolicyArn", policyArn));
        await api.Query("iam", "DeletePolicyVersion", [("PolicyArn", policyArn), ("VersionId", "v2")], "DeleteConflict");
        await api.Query("iam", "DeletePolicyVersion", ("PolicyArn", policyArn), ("VersionId", "v1"));
        await api.Query("iam", "AttachRolePolicy", ("RoleName", role), ("PolicyArn", policyArn));
        await api.Query("iam", "AttachRolePolicy", ("RoleName", role), ("PolicyArn", "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"));
        await api.Query("iam", "AttachRolePolicy", [("RoleName", role), ("PolicyArn", "arn:aws:iam::000000000000:policy/nope")], "NoSuchEntity");
        await api.Query("iam", "ListAttachedRolePolicies", ("RoleName", role));
        await api.Query("iam", "ListEntitiesForPolicy", ("PolicyArn", policyArn));
        await api.Query("iam", "CreateInstanceProfile", ("InstanceProfileName", profile), ("Path", "/ecs/"));
        await api.Query("iam", "AddRoleToInstanceProfile", ("InstanceProfileName", profile), ("RoleName", role));
        await api.Query("iam", "AddRoleToInstanceProfile", [("InstanceProfileName", profile), ("RoleName", role)], "LimitExceeded");
        await api.Query("iam", "GetInstanceProfile", ("InstanceProfileName", profile));
        await api.Query("iam", "ListInstanceProfiles", ("PathPrefix", "/ecs/"));
        await api.Query("iam", "ListInstanceProfilesForRole", ("RoleName", role));
        await api.Query("iam", "TagInstanceProfile", ("InstanceProfileName", profile), ("Tags.member.1.Key", "env"), ("Tags.member.1.Value", "test"));
        await api.Query("iam", "UntagInstanceProfile", ("InstanceProfileName", profile), ("TagKeys.member.1", "env"));
        await api.Query("iam", "DeleteRole", [("RoleName", role)], "DeleteConflict");
        await api.Query("iam", "DeleteInstanceProfile", [("InstanceProfileName", profile)], "DeleteConflict");
        await api.Query("iam", "RemoveRoleFromInstanceProfile", ("InstanceProfileName", profile), ("RoleName", role));
        await api.Query("iam", "DeleteInstanceProfile", ("InstanceProfileName", profile));
        await api.Query("iam", "DetachRolePolicy", ("RoleName", role), ("PolicyArn", policyArn));
        await api.Query("iam", "DetachRolePolicy", ("RoleName", role), ("PolicyArn", "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"));
        await api.Query("iam", "DeletePolicy", ("PolicyArn", policyArn));
        await api.Query("iam", "DeleteRolePolicy", ("RoleName", role), ("PolicyName", "logs"));
        await api.Query("iam", "DeleteRole", ("RoleName", role));
        await api.Query("iam", "GetRole", [("RoleName", role)], "NoSuchEntity");
    }

    private static async Task Network(ModelCheckedApi api, string cluster)
    {
        await api.Query("ec2", "DescribeAvailabilityZones", ("Filter.1.Name", "state"), ("Filter.1.Value.1", "available"));
        await api.Query("ec2", "DescribeAccountAttributes", ("AttributeName.1", "supported-platforms"), ("AttributeName.2", "default-vpc"));
        var vpc = Value(await api.Query("ec2", "CreateVpc", ("CidrBlock", "10.20.0.0/16"), ("TagSpecification.1.ResourceType", "vpc"),
            ("TagSpecification.1.Tag.1.Key", "Name"), ("TagSpecification.1.Tag.1.Value", cluster)), "vpcId");
        await api.Query("ec2", "CreateVpc", [("CidrBlock", "10.0.0.0/8")], "InvalidVpc.Range");
        await api.Query("ec2", "DescribeVpcs", ("VpcId.1", vpc));
        await api.Query("ec2", "DescribeVpcs", ("Filter.1.Name", "is-default"), ("Filter.1.Value.1", "true"));
        await api.Query("ec2", "ModifyVpcAttribute", ("VpcId", vpc), ("EnableDnsHostnames.Value", "true"));
        await api.Query("ec2", "DescribeVpcAttribute", ("VpcId", vpc), ("Attribute", "enableDnsHostnames"));
        var subnet = Value(await api.Query("ec2", "CreateSubnet", ("VpcId", vpc), ("CidrBlock", "10.20.1.0/24"), ("AvailabilityZone", "us-east-1b")), "subnetId");
        await api.Query("ec2", "CreateSubnet", [("VpcId", vpc), ("CidrBlock", "10.20.1.0/25")], "InvalidSubnet.Conflict");
        await api.Query("ec2", "DescribeSubnets", ("Filter.1.Name", "vpc-id"), ("Filter.1.Value.1", vpc));
        await api.Query("ec2", "ModifySubnetAttribute", ("SubnetId", subnet), ("MapPublicIpOnLaunch.Value", "true"));
        var group = Value(await api.Query("ec2", "CreateSecurityGroup", ("GroupName", cluster), ("GroupDescription", "model test"), ("VpcId", vpc)), "groupId");
        (string, string)[] http = [("GroupId", group), ("IpPermissions.1.IpProtocol", "tcp"), ("IpPermissions.1.FromPort", "80"), ("IpPermissions.1.ToPort", "80"),
            ("IpPermissions.1.IpRanges.1.CidrIp", "10.20.0.0/16"), ("IpPermissions.1.IpRanges.1.Description", "http")];
        await api.Query("ec2", "AuthorizeSecurityGroupIngress", http);
        await api.Query("ec2", "AuthorizeSecurityGroupIngress", http, "InvalidPermission.Duplicate");
        await api.Query("ec2", "UpdateSecurityGroupRuleDescriptionsIngress", [.. http[..^1], ("IpPermissions.1.IpRanges.1.Description", "web")]);
        await api.Query("ec2", "AuthorizeSecurityGroupEgress", ("GroupId", group), ("IpPermissions.1.IpProtocol", "udp"), ("IpPermissions.1.FromPort", "53"),
            ("IpPermissions.1.ToPort", "53"), ("IpPermissions.1.Groups.1.GroupId", group));
        await api.Query("ec2", "UpdateSecurityGroupRuleDescriptionsEgress", ("GroupId", group), ("IpPermissions.1.IpProtocol", "udp"), ("IpPermissions.1.FromPort", "53"),
            ("IpPermissions.1.ToPort", "53"), ("IpPermissions.1.Groups.1.GroupId", group), ("IpPermissions.1.Groups.1.Description", "dns"));
        await api.Query("ec2", "DescribeSecurityGroups", ("GroupId.1", group));
        var rules = await api.Query("ec2", "DescribeSecurityGroupRules", ("Filter.1.Name", "group-id"), ("Filter.1.Value.1", group), ("MaxResults", "5"));
        var rule = rules.Descendants().First(e => e.Name.LocalName == "securityGroupRuleId").Value;
        await api.Query("ec2", "CreateTags", ("ResourceId.1", vpc), ("ResourceId.2", rule), ("Tag.1.Key", "owner"), ("Tag.1.Value", "me"));
        await api.Query("ec2", "DescribeTags", ("Filter.1.Name", "resource-id"), ("Filter.1.Value.1", vpc));
        await api.Query("ec2", "DeleteTags", ("ResourceId.1", vpc), ("Tag.1.Key", "owner"));
        await api.Query("ec2", "DescribeRouteTables", ("Filter.1.Name", "association.main"), ("Filter.1.Value.1", "true"), ("Filter.2.Name", "vpc-id"), ("Filter.2.Value.1", vpc));
        await api.Query("ec2", "DescribeNetworkAcls", ("Filter.1.Name", "default"), ("Filter.1.Value.1", "true"), ("Filter.2.Name", "vpc-id"), ("Filter.2.Value.1", vpc));
        await api.Query("ec2", "DescribeNetworkInterfaces", ("Filter.1.Name", "subnet-id"), ("Filter.1.Value.1", subnet));
        await api.Query("ec2", "RevokeSecurityGroupIngress", http);
        await api.Query("ec2", "RevokeSecurityGroupEgress", ("GroupId", group), ("SecurityGroupRuleId.1", rules.Descendants()
            .Where(e => e.Name.LocalName == "item" && e.Elements().Any(c => c.Name.LocalName == "isEgress" && c.Value == "true"))
            .Select(e => e.Elements().First(c => c.Name.LocalName == "securityGroupRuleId").Value).First()));
        await api.Query("ec2", "RevokeSecurityGroupIngress", http, "InvalidPermission.NotFound");
        await api.Query("ec2", "DeleteVpc", [("VpcId", vpc)], "DependencyViolation");
        await api.Query("ec2", "DeleteSecurityGroup", ("GroupId", group));
        await api.Query("ec2", "DeleteSubnet", ("SubnetId", subnet));
        await api.Query("ec2", "DeleteVpc", ("VpcId", vpc));
        await api.Query("ec2", "DescribeVpcs", [("VpcId.1", vpc)], "InvalidVpcID.NotFound");

    }

    private static async Task LaunchTemplateVersions(ModelCheckedApi api, string cluster)
    {
        var name = cluster + "-ltv";
        var userData = Convert.ToBase64String(Encoding.UTF8.GetBytes($"#!/bin/bash\necho ECS_CLUSTER={cluster} >> /etc/ecs/ecs.config\n"));
        var created = await api.Query("ec2", "CreateLaunchTemplate", ("LaunchTemplateName", name), ("VersionDescription", "first"),
            ("LaunchTemplateData.ImageId", "ami-12345678"), ("LaunchTemplateData.InstanceType", "t3.small"), ("LaunchTemplateData.UserData", userData),
            ("LaunchTemplateData.SecurityGroupId.1", "sg-12345678"), ("LaunchTemplateData.IamInstanceProfile.Name", "profile"),
            ("LaunchTemplateData.BlockDeviceMapping.1.DeviceName", "/dev/xvda"), ("LaunchTemplateData.BlockDeviceMapping.1.Ebs.VolumeSize", "30"),
            ("LaunchTemplateData.NetworkInterface.1.DeviceIndex", "0"), ("LaunchTemplateData.NetworkInterface.1.SecurityGroupId.1", "sg-12345678"),
            ("LaunchTemplateData.MetadataOptions.HttpTokens", "required"), ("LaunchTemplateData.TagSpecification.1.ResourceType", "instance"),
            ("LaunchTemplateData.TagSpecification.1.Tag.1.Key", "Name"), ("LaunchTemplateData.TagSpecification.1.Tag.1.Value", "node"));
        var id = Value(created, "launchTemplateId");
        await api.Query("ec2", "CreateLaunchTemplateVersion", ("LaunchTemplateId", id), ("SourceVersion", "1"), ("VersionDescription", "larger"),
            ("LaunchTemplateData.InstanceType", "t3.medium"));
        await api.Query("ec2", "ModifyLaunchTemplate", ("LaunchTemplateId", id), ("SetDefaultVersion", "2"));
        await api.Query("ec2", "DescribeLaunchTemplateVersions", ("LaunchTemplateId", id));
        await api.Query("ec2", "DescribeLaunchTemplateVersions", ("LaunchTemplateName", name), ("LaunchTemplateVersion.1", "$Latest"), ("LaunchTemplateVersion.2", "1"));
        await api.Query("ec2", "DescribeLaunchTemplateVersions", [("LaunchTemplateId", id), ("LaunchTemplateVersion.1", "9")], "InvalidLaunchTemplateId.VersionNotFound");
        await api.Query("ec2", "CreateLaunchTemplateVersion", [("LaunchTemplateId", id), ("LaunchTemplateData.UserData", "***")], "InvalidUserData.Malformed");

        // An empty group on the template's latest version: tags with and without propagation, then removed.
        var group = cluster + "-tags-asg";
        await api.Query("autoscaling", "CreateAutoScalingGroup", ("AutoScalingGroupName", group), ("LaunchTemplate.LaunchTemplateId", id), ("LaunchTemplate.Version", "$Latest"),
            ("MinSize", "0"), ("MaxSize", "0"), ("AvailabilityZones.member.1", "us-east-1a"), ("HealthCheckGracePeriod", "300"), ("TerminationPolicies.member.1", "OldestInstance"),
            ("Tags.member.1.Key", "team"), ("Tags.member.1.Value", "platform"), ("Tags.member.1.PropagateAtLaunch", "false"));
        await api.Query("autoscaling", "CreateOrUpdateTags", ("Tags.member.1.ResourceId", group), ("Tags.member.1.ResourceType", "auto-scaling-group"),
            ("Tags.member.1.Key", "env"), ("Tags.member.1.Value", "test"), ("Tags.member.1.PropagateAtLaunch", "true"));
        await api.Query("autoscaling", "DeleteTags", ("Tags.member.1.ResourceId", group), ("Tags.member.1.ResourceType", "auto-scaling-group"), ("Tags.member.1.Key", "team"));
        await api.Query("autoscaling", "DescribeAutoScalingGroups", ("AutoScalingGroupNames.member.1", group));
        await api.Query("autoscaling", "DeleteAutoScalingGroup", ("AutoScalingGroupName", group), ("ForceDelete", "true"));
        await api.Query("ec2", "DeleteLaunchTemplate", ("LaunchTemplateId", id));

        // ELB v2 tags on a target group of its own.
        var tgName = "tags-" + cluster[^Math.Min(cluster.Length, 20)..];
        var tg = await api.Query("elasticloadbalancing", "CreateTargetGroup", ("Name", tgName), ("Protocol", "HTTP"), ("Port", "80"), ("VpcId", "vpc-12345678"),
            ("Tags.member.1.Key", "app"), ("Tags.member.1.Value", "web"));
        var tgArn = Value(tg, "TargetGroupArn");
        await api.Query("elasticloadbalancing", "AddTags", ("ResourceArns.member.1", tgArn), ("Tags.member.1.Key", "env"), ("Tags.member.1.Value", "test"));
        await api.Query("elasticloadbalancing", "DescribeTags", ("ResourceArns.member.1", tgArn));
        await api.Query("elasticloadbalancing", "RemoveTags", ("ResourceArns.member.1", tgArn), ("TagKeys.member.1", "env"));
        await api.Query("elasticloadbalancing", "DeleteTargetGroup", ("TargetGroupArn", tgArn));
        await api.Query("elasticloadbalancing", "DescribeTags", [("ResourceArns.member.1", tgArn)], "TargetGroupNotFound");
    }

    private static string Value(XElement root, string localName) =>
        root.Descendants().FirstOrDefault(e => e.Name.LocalName == localName)?.Value ?? throw new InvalidOperationException($"no {localName} in {root}");
}
