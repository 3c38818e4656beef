using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Xml.Linq;
using Emulator.Silo.Aws;
using Emulator.Tests.EndToEnd;

namespace Emulator.Tests.Wire;

/// <summary>
/// Every implemented operation (docs/coverage.md, the OperationTable) answered by a real silo with real state, each
/// response checked against the AWS service model (ServiceModelValidator, botocore's service-2.json from Debian's
/// awscli). An operation added to the endpoint without being exercised here fails the coverage assertion.
/// </summary>
[Collection(WireCollection.Name)]
public sealed class ServiceModelTests(SiloProcessFixture silo)
{
    [Fact]
    public async Task Every_implemented_operation_answers_in_the_shape_of_the_aws_model()
    {
        using var api = new ModelCheckedApi(silo.Endpoint);
        var cluster = EmulatorClusterFixture.Unique("model");
        var group = cluster + "-asg";
        var provider = cluster + "-cp";
        var userData = Convert.ToBase64String(Encoding.UTF8.GetBytes($"#!/bin/bash\necho ECS_CLUSTER={cluster} >> /etc/ecs/ecs.config\n"));

        // ---- EC2 launch template, Auto Scaling launch configuration and group
        await api.Query("ec2", "CreateLaunchTemplate", ("LaunchTemplateName", cluster + "-lt"), ("LaunchTemplateData.ImageId", "ami-12345678"),
            ("LaunchTemplateData.InstanceType", "t3.medium"), ("LaunchTemplateData.UserData", userData));
        await api.Query("ec2", "DescribeLaunchTemplates", ("LaunchTemplateName.1", cluster + "-lt"));
        await api.Query("autoscaling", "CreateLaunchConfiguration", ("LaunchConfigurationName", cluster + "-lc"), ("ImageId", "ami-12345678"),
            ("InstanceType", "t3.small"), ("UserData", userData));
        await api.Query("autoscaling", "DescribeLaunchConfigurations", ("LaunchConfigurationNames.member.1", cluster + "-lc"));
        await api.Query("autoscaling", "CreateAutoScalingGroup", ("AutoScalingGroupName", group), ("LaunchTemplate.LaunchTemplateName", cluster + "-lt"),
            ("LaunchTemplate.Version", "$Latest"), ("MinSize", "0"), ("MaxSize", "4"), ("DesiredCapacity", "1"),
            ("AvailabilityZones.member.1", "us-east-1a"), ("AvailabilityZones.member.2", "us-east-1b"), ("NewInstancesProtectedFromScaleIn", "true"));
        await api.Query("autoscaling", "CreateOrUpdateTags", ("Tags.member.1.ResourceId", group), ("Tags.member.1.ResourceType", "auto-scaling-group"),
            ("Tags.member.1.Key", "team"), ("Tags.member.1.Value", "platform"), ("Tags.member.1.PropagateAtLaunch", "true"));
        await api.Query("autoscaling", "DescribeTags", ("Filters.member.1.Name", "auto-scaling-group"), ("Filters.member.1.Values.member.1", group));

        // Elastic Load Balancing v2 target groups (the workshop's settings), then teardown of the group.
        var tgName = cluster.Length > 24 ? cluster[^24..] + "-tg" : cluster + "-tg";
        var created = await api.Query("elasticloadbalancing", "CreateTargetGroup", ("Name", tgName), ("Protocol", "HTTP"), ("Port", "80"),
            ("VpcId", "vpc-12345678"), ("TargetType", "ip"), ("HealthyThresholdCount", "2"), ("HealthCheckIntervalSeconds", "30"));
        var tgArn = created.Descendants().First(e => e.Name.LocalName == "TargetGroupArn").Value;
        await api.Query("elasticloadbalancing", "DescribeTargetGroups", ("Names.member.1", tgName));
        await api.Query("elasticloadbalancing", "DescribeTargetGroups", ("PageSize", "1"));
        await api.Query("elasticloadbalancing", "ModifyTargetGroup", ("TargetGroupArn", tgArn), ("HealthCheckIntervalSeconds", "20"));
        await api.Query("elasticloadbalancing", "ModifyTargetGroupAttributes", ("TargetGroupArn", tgArn),
            ("Attributes.member.1.Key", "deregistration_delay.timeout_seconds"), ("Attributes.member.1.Value", "90"));
        await api.Query("elasticloadbalancing", "DescribeTargetGroupAttributes", ("TargetGroupArn", tgArn));
        await api.Query("elasticloadbalancing", "DescribeTargetHealth", ("TargetGroupArn", tgArn));
        await api.Query("elasticloadbalancing", "DeleteTargetGroup", ("TargetGroupArn", tgArn));

        // Application Load Balancer, listener and rules (B-ELB-1), then their deletion.
        var lbName = tgName[..^3] + "-lb";
        var lbCreated = await api.Query("elasticloadbalancing", "CreateLoadBalancer", ("Name", lbName),
            ("Subnets.member.1", "subnet-0emulator000001"), ("Subnets.member.2", "subnet-0emulator000002"), ("Type", "application"));
        var lbArn = lbCreated.Descendants().First(e => e.Name.LocalName == "LoadBalancerArn").Value;
        var lbVpc = lbCreated.Descendants().First(e => e.Name.LocalName == "VpcId").Value;
        await api.Query("elasticloadbalancing", "DescribeLoadBalancers", ("Names.member.1", lbName));
        await api.Query("elasticloadbalancing", "DescribeLoadBalancers", ("PageSize", "1"));
        await api.Query("elasticloadbalancing", "ModifyLoadBalancerAttributes", ("LoadBalancerArn", lbArn),
            ("Attributes.member.1.Key", "idle_timeout.timeout_seconds"), ("Attributes.member.1.Value", "120"));
        await api.Query("elasticloadbalancing", "DescribeLoadBalancerAttributes", ("LoadBalancerArn", lbArn));
        await api.Query("elasticloadbalancing", "SetSecurityGroups", ("LoadBalancerArn", lbArn), ("SecurityGroups.member.1", "sg-12345678"));
        var lbTg = (await api.Query("elasticloadbalancing", "CreateTargetGroup", ("Name", tgName[..^3] + "-lt"), ("Protocol", "HTTP"), ("Port", "80"),
            ("VpcId", lbVpc), ("TargetType", "ip"))).Descendants().First(e => e.Name.LocalName == "TargetGroupArn").Value;
        var listenerArn = (await api.Query("elasticloadbalancing", "CreateListener", ("LoadBalancerArn", lbArn), ("Protocol", "HTTP"), ("Port", "80"),
            ("DefaultActions.member.1.Type", "forward"), ("DefaultActions.member.1.TargetGroupArn", lbTg)))
            .Descendants().First(e => e.Name.LocalName == "ListenerArn").Value;
        await api.Query("elasticloadbalancing", "DescribeListeners", ("LoadBalancerArn", lbArn));
        await api.Query("elasticloadbalancing", "ModifyListener", ("ListenerArn", listenerArn), ("Port", "8080"));
        await api.Query("elasticloadbalancing", "DescribeListenerAttributes", ("ListenerArn", listenerArn));
        await api.Query("elasticloadbalancing", "ModifyListenerAttributes", ("ListenerArn", listenerArn),
            ("Attributes.member.1.Key", "routing.http.response.server.enabled"), ("Attributes.member.1.Value", "false"));
        await api.AnyQuery("elasticloadbalancing", "ModifyListenerAttributes", ("ListenerArn", listenerArn),
            ("Attributes.member.1.Key", "no.such.attribute"), ("Attributes.member.1.Value", "1"));
        var ruleArn = (await api.Query("elasticloadbalancing", "CreateRule", ("ListenerArn", listenerArn), ("Priority", "10"),
            ("Conditions.member.1.Field", "path-pattern"), ("Conditions.member.1.Values.member.1", "/api/*"),
            ("Actions.member.1.Type", "fixed-response"), ("Actions.member.1.FixedResponseConfig.StatusCode", "200"),
            ("Actions.member.1.FixedResponseConfig.ContentType", "text/plain"), ("Actions.member.1.FixedResponseConfig.MessageBody", "ok")))
            .Descendants().First(e => e.Name.LocalName == "RuleArn").Value;
        await api.Query("elasticloadbalancing", "DescribeRules", ("ListenerArn", listenerArn));
        await api.Query("elasticloadbalancing", "ModifyRule", ("RuleArn", ruleArn),
            ("Actions.member.1.Type", "forward"), ("Actions.member.1.ForwardConfig.TargetGroups.member.1.TargetGroupArn", lbTg),
            ("Actions.member.1.ForwardConfig.TargetGroups.member.1.Weight", "5"));
        await api.Query("elasticloadbalancing", "SetRulePriorities", ("RulePriorities.member.1.RuleArn", ruleArn), ("RulePriorities.member.1.Priority", "20"));
        await api.Query("elasticloadbalancing", "DeleteRule", ("RuleArn", ruleArn));
        await api.Query("elasticloadbalancing", "DeleteListener", ("ListenerArn", listenerArn));
        await api.Query("elasticloadbalancing", "DeleteLoadBalancer", ("LoadBalancerArn", lbArn));
        await api.Query("elasticloadbalancing", "DeleteTargetGroup", ("TargetGroupArn", lbTg));
        var groups = await api.Query("autoscaling", "DescribeAutoScalingGroups", ("AutoScalingGroupNames.member.1", group));
        var groupArn = Find(groups, "AutoScalingGroupARN");

        // ---- ECS cluster with a managed scaling capacity provider
        await api.Ecs("CreateCluster", new JsonObject { ["clusterName"] = cluster, ["tags"] = new JsonArray(new JsonObject { ["key"] = "env", ["value"] = "test" }) });
        await api.Ecs("CreateCapacityProvider", new JsonObject
        {
            ["name"] = provider,
            ["autoScalingGroupProvider"] = new JsonObject
            {
                ["autoScalingGroupArn"] = groupArn,
                ["managedScaling"] = new JsonObject { ["status"] = "ENABLED", ["targetCapacity"] = 100 },
                ["managedTerminationProtection"] = "ENABLED",
            },
        });
        await api.Ecs("UpdateCapacityProvider", new JsonObject
        {
            ["name"] = provider,
            ["autoScalingGroupProvider"] = new JsonObject { ["managedScaling"] = new JsonObject { ["status"] = "ENABLED", ["targetCapacity"] = 90 } },
        });
        await api.Ecs("DescribeCapacityProviders", new JsonObject { ["capacityProviders"] = new JsonArray(provider, "FARGATE"), ["include"] = new JsonArray("TAGS") });
        await api.Ecs("PutClusterCapacityProviders", new JsonObject
        {
            ["cluster"] = cluster,
            ["capacityProviders"] = new JsonArray(provider, "FARGATE"),
            ["defaultCapacityProviderStrategy"] = new JsonArray(new JsonObject { ["capacityProvider"] = provider, ["weight"] = 1, ["base"] = 0 }),
        });
        await api.Ecs("UpdateCluster", new JsonObject { ["cluster"] = cluster, ["settings"] = new JsonArray(new JsonObject { ["name"] = "containerInsights", ["value"] = "enabled" }) });
        await api.Ecs("ListClusters", new JsonObject { ["maxResults"] = 5 });
        await api.Query("autoscaling", "DescribePolicies", ("AutoScalingGroupName", group));

        // ---- Task definitions
        var family = cluster + "-web";
        var td = new JsonObject
        {
            ["family"] = family,
            ["networkMode"] = "bridge",
            ["tags"] = new JsonArray(new JsonObject { ["key"] = "app", ["value"] = "web" }),
            ["containerDefinitions"] = new JsonArray(new JsonObject
            {
                ["name"] = "web", ["image"] = "nginx", ["cpu"] = 256, ["memory"] = 512, ["essential"] = true,
                ["portMappings"] = new JsonArray(new JsonObject { ["containerPort"] = 80, ["hostPort"] = 0, ["protocol"] = "tcp" }),
                ["environment"] = new JsonArray(new JsonObject { ["name"] = "MODE", ["value"] = "test" }),
            }),
        };
        await api.Ecs("RegisterTaskDefinition", td);
        await api.Ecs("RegisterTaskDefinition", new JsonObject
        {
            ["family"] = cluster + "-fg", ["networkMode"] = "awsvpc", ["requiresCompatibilities"] = new JsonArray("FARGATE"), ["cpu"] = "256", ["memory"] = "512",
            ["containerDefinitions"] = new JsonArray(new JsonObject { ["name"] = "app", ["image"] = "busybox" }),
        });
        await api.Ecs("DescribeTaskDefinition", new JsonObject { ["taskDefinition"] = family, ["include"] = new JsonArray("TAGS") });
        await api.Ecs("ListTaskDefinitions", new JsonObject { ["familyPrefix"] = family, ["sort"] = "DESC" });
        await api.Ecs("ListTaskDefinitionFamilies", new JsonObject { ["familyPrefix"] = cluster });

        // ---- The group's instance registers (B-ASG-1, user data ECS_CLUSTER)
        var instanceArn = await api.Until("a container instance in " + cluster, async () =>
        {
            var list = await api.Ecs("ListContainerInstances", new JsonObject { ["cluster"] = cluster, ["status"] = "ACTIVE" });
            return list.GetProperty("containerInstanceArns").EnumerateArray().Select(e => e.GetString()).FirstOrDefault();
        });
        await api.Ecs("ListContainerInstances", new JsonObject { ["cluster"] = cluster, ["filter"] = "attribute:ecs.instance-type == t3.medium" });
        var instances = await api.Ecs("DescribeContainerInstances", new JsonObject
        {
            ["cluster"] = cluster, ["containerInstances"] = new JsonArray(instanceArn, "00000000-0000-0000-0000-000000000000"), ["include"] = new JsonArray("TAGS"),
        });
        var ec2InstanceId = instances.GetProperty("containerInstances")[0].GetProperty("ec2InstanceId").GetString()!;
        await api.Ecs("PutAttributes", new JsonObject
        {
            ["cluster"] = cluster,
            ["attributes"] = new JsonArray(new JsonObject { ["name"] = "stack", ["value"] = "blue", ["targetType"] = "container-instance", ["targetId"] = instanceArn }),
        });
        await api.Ecs("ListAttributes", new JsonObject { ["cluster"] = cluster, ["targetType"] = "container-instance", ["attributeName"] = "stack" });
        await api.Ecs("DeleteAttributes", new JsonObject
        {
            ["cluster"] = cluster,
            ["attributes"] = new JsonArray(new JsonObject { ["name"] = "stack", ["targetType"] = "container-instance", ["targetId"] = instanceArn }),
        });

        // ---- Tasks and services
        var run = await api.Ecs("RunTask", new JsonObject { ["cluster"] = cluster, ["taskDefinition"] = family, ["count"] = 2, ["startedBy"] = "model-test", ["clientToken"] = cluster });
        var taskArn = run.GetProperty("tasks")[0].GetProperty("taskArn").GetString()!;
        await api.Ecs("RunTask", new JsonObject
        {
            ["cluster"] = cluster, ["taskDefinition"] = cluster + "-fg", ["count"] = 1,
            ["capacityProviderStrategy"] = new JsonArray(new JsonObject { ["capacityProvider"] = "FARGATE", ["weight"] = 1 }),
        });
        await api.Ecs("StartTask", new JsonObject { ["cluster"] = cluster, ["taskDefinition"] = family, ["containerInstances"] = new JsonArray(instanceArn) });
        await api.Until("the task RUNNING", async () =>
        {
            var d = await api.Ecs("DescribeTasks", new JsonObject { ["cluster"] = cluster, ["tasks"] = new JsonArray(taskArn, "0123456789abcdef0123456789abcdef"), ["include"] = new JsonArray("TAGS") });
            return d.GetProperty("tasks")[0].GetProperty("lastStatus").GetString() == "RUNNING" ? "yes" : null;
        });
        await api.Ecs("ListTasks", new JsonObject { ["cluster"] = cluster, ["maxResults"] = 2 });
        await api.Ecs("ListTasks", new JsonObject { ["cluster"] = cluster, ["containerInstance"] = instanceArn, ["desiredStatus"] = "RUNNING" });
        await api.Ecs("CreateService", new JsonObject
        {
            ["cluster"] = cluster, ["serviceName"] = "web", ["taskDefinition"] = family, ["desiredCount"] = 1,
            ["deploymentConfiguration"] = new JsonObject { ["maximumPercent"] = 200, ["minimumHealthyPercent"] = 50 },
            ["placementStrategy"] = new JsonArray(new JsonObject { ["type"] = "binpack", ["field"] = "memory" }),
        });
        await api.Ecs("UpdateService", new JsonObject { ["cluster"] = cluster, ["service"] = "web", ["desiredCount"] = 2 });
        await api.Until("the service's tasks running", async () =>
        {
            var d = await api.Ecs("DescribeServices", new JsonObject { ["cluster"] = cluster, ["services"] = new JsonArray("web", "ghost"), ["include"] = new JsonArray("TAGS") });
            return d.GetProperty("services")[0].GetProperty("runningCount").GetInt32() == 2 ? "yes" : null;
        });
        await api.Ecs("ListServices", new JsonObject { ["cluster"] = cluster });

        // ---- Deployments (B-DP-1..5): the deployment configuration as written, service deployments and revisions. The new
        // revision cannot pull its image (B-DP-8) and the breaker is off: the deployment stays IN_PROGRESS to be stopped.
        var broken = td.DeepClone().AsObject();
        broken["containerDefinitions"]![0]!["dockerLabels"] = new JsonObject { ["emulator.pull"] = "fail" };
        await api.Ecs("RegisterTaskDefinition", broken);
        await api.Ecs("UpdateService", new JsonObject
        {
            ["cluster"] = cluster, ["service"] = "web", ["taskDefinition"] = family + ":2", ["availabilityZoneRebalancing"] = "ENABLED",
            ["deploymentConfiguration"] = new JsonObject
            {
                ["deploymentCircuitBreaker"] = new JsonObject
                {
                    ["enable"] = false, ["rollback"] = false, ["resetOnHealthyTask"] = true,
                    ["thresholdConfiguration"] = new JsonObject { ["type"] = "BOUNDED_PERCENT", ["value"] = 50 },
                },
                ["alarms"] = new JsonObject { ["alarmNames"] = new JsonArray("web-5xx"), ["enable"] = false, ["rollback"] = false },
            },
        });
        var deploymentsListed = await api.Ecs("ListServiceDeployments", new JsonObject { ["cluster"] = cluster, ["service"] = "web", ["maxResults"] = 5 });
        var sdArn = deploymentsListed.GetProperty("serviceDeployments")[0].GetProperty("serviceDeploymentArn").GetString()!;
        var sdDescribed = await api.Ecs("DescribeServiceDeployments", new JsonObject { ["serviceDeploymentArns"] = new JsonArray(sdArn, sdArn + "x") });
        var revisionArn = sdDescribed.GetProperty("serviceDeployments")[0].GetProperty("targetServiceRevision").GetProperty("arn").GetString()!;
        await api.Ecs("DescribeServiceRevisions", new JsonObject { ["serviceRevisionArns"] = new JsonArray(revisionArn, revisionArn[..^3] + "000") });
        await api.Ecs("StopServiceDeployment", new JsonObject { ["serviceDeploymentArn"] = sdArn, ["stopType"] = "ABORT" });
        await api.Ecs("StopServiceDeployment", new JsonObject { ["serviceDeploymentArn"] = sdArn, ["stopType"] = "ABORT" }, "ConflictException");
        await api.Ecs("StopServiceDeployment", new JsonObject { ["serviceDeploymentArn"] = sdArn + "x" }, "ServiceDeploymentNotFoundException");
        await api.Ecs("ListServiceDeployments", new JsonObject { ["cluster"] = cluster, ["service"] = "ghost" }, "ServiceNotFoundException");
        await api.Ecs("StopTask", new JsonObject { ["cluster"] = cluster, ["task"] = taskArn, ["reason"] = "model test" });
        await api.Ecs("DescribeClusters", new JsonObject
        {
            ["clusters"] = new JsonArray(cluster, "nope-" + cluster), ["include"] = new JsonArray("ATTACHMENTS", "SETTINGS", "STATISTICS", "TAGS", "CONFIGURATIONS"),
        });

        // ---- Tags
        var clusterArn = $"arn:aws:ecs:us-east-1:000000000000:cluster/{cluster}";
        await api.Ecs("TagResource", new JsonObject { ["resourceArn"] = clusterArn, ["tags"] = new JsonArray(new JsonObject { ["key"] = "owner", ["value"] = "me" }) });
        await api.Ecs("ListTagsForResource", new JsonObject { ["resourceArn"] = clusterArn });
        await api.Ecs("UntagResource", new JsonObject { ["resourceArn"] = clusterArn, ["tagKeys"] = new JsonArray("owner") });

        // ---- Auto Scaling and EC2 reads and writes on the live group
        await api.Query("autoscaling", "DescribeAutoScalingInstances", ("InstanceIds.member.1", ec2InstanceId));
        await api.Query("autoscaling", "DescribeScalingActivities", ("AutoScalingGroupName", group), ("MaxRecords", "5"));
        await api.Query("ec2", "DescribeInstances", ("InstanceId.1", ec2InstanceId));
        await api.Query("ec2", "DescribeInstances", ("Filter.1.Name", "instance-state-name"), ("Filter.1.Value.1", "running"));
        await api.Query("ec2", "DescribeSpotPriceHistory", ("InstanceType.1", "m5.large"), ("MaxResults", "2"));
        await api.Query("autoscaling", "SetInstanceProtection", ("AutoScalingGroupName", group), ("InstanceIds.member.1", ec2InstanceId), ("ProtectedFromScaleIn", "true"));
        // MinSize 2: CAS's scale-in (15 emulated minutes are 1.5 s here) must not take the instances the teardown terminates.
        await api.Query("autoscaling", "UpdateAutoScalingGroup", ("AutoScalingGroupName", group), ("MinSize", "2"), ("MaxSize", "5"));
        await api.Query("autoscaling", "SetDesiredCapacity", ("AutoScalingGroupName", group), ("DesiredCapacity", "2"));

        // ---- CloudWatch over both protocols
        var now = await api.EmulatedNow(cluster);
        string Iso(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);
        var (start, end) = (now - TimeSpan.FromHours(2), now + TimeSpan.FromHours(1));
        await api.Until("a CapacityProviderReservation datapoint", async () =>
        {
            var stats = await api.Query("cloudwatch", "GetMetricStatistics", ("Namespace", "AWS/ECS/ManagedScaling"), ("MetricName", "CapacityProviderReservation"),
                ("Dimensions.member.1.Name", "ClusterName"), ("Dimensions.member.1.Value", cluster),
                ("Dimensions.member.2.Name", "CapacityProviderName"), ("Dimensions.member.2.Value", provider),
                ("StartTime", Iso(start)), ("EndTime", Iso(end)), ("Period", "60"), ("Statistics.member.1", "Maximum"), ("Statistics.member.2", "SampleCount"));
            return stats.Descendants().Any(e => e.Name.LocalName == "member") ? "yes" : null;
        });
        await api.Query("cloudwatch", "GetMetricData", ("StartTime", Iso(start)), ("EndTime", Iso(end)),
            ("MetricDataQueries.member.1.Id", "cpr"), ("MetricDataQueries.member.1.MetricStat.Metric.Namespace", "AWS/ECS/ManagedScaling"),
            ("MetricDataQueries.member.1.MetricStat.Metric.MetricName", "CapacityProviderReservation"),
            ("MetricDataQueries.member.1.MetricStat.Metric.Dimensions.member.1.Name", "ClusterName"), ("MetricDataQueries.member.1.MetricStat.Metric.Dimensions.member.1.Value", cluster),
            ("MetricDataQueries.member.1.MetricStat.Metric.Dimensions.member.2.Name", "CapacityProviderName"), ("MetricDataQueries.member.1.MetricStat.Metric.Dimensions.member.2.Value", provider),
            ("MetricDataQueries.member.1.MetricStat.Period", "60"), ("MetricDataQueries.member.1.MetricStat.Stat", "Average"));
        await api.Query("cloudwatch", "ListMetrics", ("Namespace", "AWS/ECS/ManagedScaling"));
        await api.Query("cloudwatch", "ListMetrics");
        await api.Until("the CAS alarms", async () =>
            (await api.Query("cloudwatch", "DescribeAlarms", ("AlarmNamePrefix", "TargetTracking-" + group))).Descendants().Any(e => e.Name.LocalName == "AlarmName") ? "yes" : null);
        var dimensions = new JsonArray(new JsonObject { ["Name"] = "ClusterName", ["Value"] = cluster }, new JsonObject { ["Name"] = "CapacityProviderName", ["Value"] = provider });
        await api.CloudWatchJson("GetMetricStatistics", new JsonObject
        {
            ["Namespace"] = "AWS/ECS/ManagedScaling", ["MetricName"] = "CapacityProviderReservation", ["Dimensions"] = dimensions.DeepClone(),
            ["StartTime"] = start.ToUnixTimeSeconds(), ["EndTime"] = end.ToUnixTimeSeconds(), ["Period"] = 60, ["Statistics"] = new JsonArray("Average", "Minimum", "Sum"),
        });
        await api.CloudWatchJson("GetMetricData", new JsonObject
        {
            ["StartTime"] = start.ToUnixTimeSeconds(), ["EndTime"] = end.ToUnixTimeSeconds(), ["ScanBy"] = "TimestampAscending",
            ["MetricDataQueries"] = new JsonArray(new JsonObject
            {
                ["Id"] = "cpr", ["Label"] = "reservation",
                ["MetricStat"] = new JsonObject
                {
                    ["Metric"] = new JsonObject { ["Namespace"] = "AWS/ECS/ManagedScaling", ["MetricName"] = "CapacityProviderReservation", ["Dimensions"] = dimensions.DeepClone() },
                    ["Period"] = 300, ["Stat"] = "Maximum",
                },
            }),
        });
        await api.CloudWatchJson("ListMetrics", new JsonObject { ["Namespace"] = "AWS/ECS" });
        await api.CloudWatchJson("DescribeAlarms", new JsonObject { ["AlarmNamePrefix"] = "TargetTracking-" + group, ["MaxRecords"] = 10 });

        // ---- Application Auto Scaling on the live service, and CloudWatch custom metrics and alarms (B-AS-*, B-CW-1)
        var resourceId = $"service/{cluster}/web";
        JsonObject TargetOf() => new() { ["ServiceNamespace"] = "ecs", ["ResourceId"] = resourceId, ["ScalableDimension"] = "ecs:service:DesiredCount" };
        JsonObject With(JsonObject o, params (string Key, JsonNode? Value)[] members)
        {
            foreach (var (k, v) in members)
            {
                o[k] = v;
            }

            return o;
        }

        var registered = await api.Aas("RegisterScalableTarget", With(TargetOf(), ("MinCapacity", 1), ("MaxCapacity", 4), ("Tags", new JsonObject { ["team"] = "web" })));
        var targetArn = registered.GetProperty("ScalableTargetARN").GetString()!;
        await api.Aas("RegisterScalableTarget", With(TargetOf(), ("SuspendedState", new JsonObject { ["ScheduledScalingSuspended"] = true })));
        await api.Aas("DescribeScalableTargets", new JsonObject { ["ServiceNamespace"] = "ecs", ["ResourceIds"] = new JsonArray(resourceId), ["MaxResults"] = 5 });
        await api.Aas("PutScalingPolicy", With(TargetOf(), ("PolicyName", "cpu50"), ("PolicyType", "TargetTrackingScaling"),
            ("TargetTrackingScalingPolicyConfiguration", new JsonObject
            {
                ["TargetValue"] = 50.0, ["PredefinedMetricSpecification"] = new JsonObject { ["PredefinedMetricType"] = "ECSServiceAverageCPUUtilization" },
                ["ScaleOutCooldown"] = 60, ["ScaleInCooldown"] = 120,
            })));
        await api.Aas("PutScalingPolicy", With(TargetOf(), ("PolicyName", "backlog"), ("PolicyType", "TargetTrackingScaling"),
            ("TargetTrackingScalingPolicyConfiguration", new JsonObject
            {
                ["TargetValue"] = 100.0,
                ["CustomizedMetricSpecification"] = new JsonObject
                {
                    ["Metrics"] = new JsonArray(
                        new JsonObject { ["Id"] = "m1", ["ReturnData"] = false, ["MetricStat"] = new JsonObject { ["Stat"] = "Sum", ["Metric"] = new JsonObject { ["Namespace"] = "App/" + cluster, ["MetricName"] = "Backlog" } } },
                        new JsonObject { ["Id"] = "m2", ["ReturnData"] = false, ["MetricStat"] = new JsonObject { ["Stat"] = "Average", ["Metric"] = new JsonObject { ["Namespace"] = "ECS/ContainerInsights", ["MetricName"] = "RunningTaskCount", ["Dimensions"] = new JsonArray(new JsonObject { ["Name"] = "ClusterName", ["Value"] = cluster }, new JsonObject { ["Name"] = "ServiceName", ["Value"] = "web" }) } } },
                        new JsonObject { ["Id"] = "e1", ["Expression"] = "m1 / m2", ["Label"] = "backlog per task", ["ReturnData"] = true }),
                },
            })));
        var stepPolicy = await api.Aas("PutScalingPolicy", With(TargetOf(), ("PolicyName", "step"), ("PolicyType", "StepScaling"),
            ("StepScalingPolicyConfiguration", new JsonObject
            {
                ["AdjustmentType"] = "PercentChangeInCapacity", ["MinAdjustmentMagnitude"] = 1, ["Cooldown"] = 60, ["MetricAggregationType"] = "Average",
                ["StepAdjustments"] = new JsonArray(new JsonObject { ["MetricIntervalLowerBound"] = 0.0, ["ScalingAdjustment"] = 50 }),
            })));
        await api.Aas("DescribeScalingPolicies", new JsonObject { ["ServiceNamespace"] = "ecs", ["ResourceId"] = resourceId });
        await api.Aas("PutScheduledAction", With(TargetOf(), ("ScheduledActionName", "nightly"), ("Schedule", "cron(0 2 * * ? *)"), ("Timezone", "Europe/Berlin"),
            ("ScalableTargetAction", new JsonObject { ["MinCapacity"] = 1, ["MaxCapacity"] = 3 })));
        // An update names only what changes (Terraform does): the rest keeps its value; a new action needs its Schedule.
        await api.Aas("PutScheduledAction", With(TargetOf(), ("ScheduledActionName", "nightly"), ("ScalableTargetAction", new JsonObject { ["MaxCapacity"] = 4 })));
        var nightly = (await api.Aas("DescribeScheduledActions", new JsonObject { ["ServiceNamespace"] = "ecs", ["ResourceId"] = resourceId }))
            .GetProperty("ScheduledActions").EnumerateArray().Single(a => a.GetProperty("ScheduledActionName").GetString() == "nightly");
        Assert.Equal(("cron(0 2 * * ? *)", "Europe/Berlin", 1, 4), (nightly.GetProperty("Schedule").GetString(), nightly.GetProperty("Timezone").GetString(),
            nightly.GetProperty("ScalableTargetAction").GetProperty("MinCapacity").GetInt32(), nightly.GetProperty("ScalableTargetAction").GetProperty("MaxCapacity").GetInt32()));
        await api.Aas("PutScheduledAction", With(TargetOf(), ("ScheduledActionName", "new-without-schedule")), "ValidationException");
        await api.Aas("DescribeScalingActivities", new JsonObject { ["ServiceNamespace"] = "ecs", ["ResourceId"] = resourceId, ["IncludeNotScaledActivities"] = true });
        await api.Aas("TagResource", new JsonObject { ["ResourceARN"] = targetArn, ["Tags"] = new JsonObject { ["env"] = "test" } });
        await api.Aas("ListTagsForResource", new JsonObject { ["ResourceARN"] = targetArn });
        await api.Aas("UntagResource", new JsonObject { ["ResourceARN"] = targetArn, ["TagKeys"] = new JsonArray("env") });
        await api.Aas("PutScheduledAction", With(TargetOf(), ("ScheduledActionName", "bad"), ("Schedule", "cron(0 2 * *)")), "ValidationException");
        await api.Aas("RegisterScalableTarget", With(TargetOf(), ("MinCapacity", -1), ("MaxCapacity", 4)), "ValidationException");
        await api.Aas("PutScalingPolicy", With(TargetOf(), ("PolicyName", "x"), ("PolicyType", "SimpleScaling")), "ValidationException");
        await api.Aas("DeleteScalingPolicy", With(TargetOf(), ("PolicyName", "nope")), "ObjectNotFoundException");
        await api.Aas("RegisterScalableTarget", new JsonObject { ["ServiceNamespace"] = "ecs", ["ResourceId"] = $"service/{cluster}/ghost", ["ScalableDimension"] = "ecs:service:DesiredCount", ["MinCapacity"] = 1, ["MaxCapacity"] = 2 }, "ValidationException");
        await api.Aas("ListTagsForResource", new JsonObject { ["ResourceARN"] = "arn:aws:application-autoscaling:us-east-1:000000000000:scalable-target/0000" }, "ResourceNotFoundException");

        var customNs = "App/" + cluster;
        await api.Query("cloudwatch", "PutMetricData", ("Namespace", customNs), ("MetricData.member.1.MetricName", "Backlog"), ("MetricData.member.1.Value", "120"),
            ("MetricData.member.2.MetricName", "Latency"), ("MetricData.member.2.StatisticValues.SampleCount", "4"), ("MetricData.member.2.StatisticValues.Sum", "40"),
            ("MetricData.member.2.StatisticValues.Minimum", "5"), ("MetricData.member.2.StatisticValues.Maximum", "20"));
        await api.CloudWatchJson("PutMetricData", new JsonObject
        {
            ["Namespace"] = customNs,
            ["MetricData"] = new JsonArray(new JsonObject { ["MetricName"] = "Latency", ["Values"] = new JsonArray(1.0, 2.0), ["Counts"] = new JsonArray(3.0, 1.0), ["Unit"] = "Milliseconds" }),
        });
        var stepArn = stepPolicy.GetProperty("PolicyARN").GetString()!;
        await api.Query("cloudwatch", "PutMetricAlarm", ("AlarmName", cluster + "-backlog"), ("Namespace", customNs), ("MetricName", "Backlog"), ("Statistic", "Sum"),
            ("Period", "60"), ("EvaluationPeriods", "2"), ("DatapointsToAlarm", "1"), ("Threshold", "100"), ("ComparisonOperator", "GreaterThanThreshold"),
            ("AlarmActions.member.1", stepArn), ("TreatMissingData", "notBreaching"), ("Tags.member.1.Key", "team"), ("Tags.member.1.Value", "web"));
        await api.CloudWatchJson("PutMetricAlarm", new JsonObject
        {
            ["AlarmName"] = cluster + "-math", ["EvaluationPeriods"] = 3, ["Threshold"] = 10.0, ["ComparisonOperator"] = "GreaterThanOrEqualToThreshold",
            ["Metrics"] = new JsonArray(
                new JsonObject { ["Id"] = "m1", ["ReturnData"] = false, ["MetricStat"] = new JsonObject { ["Period"] = 60, ["Stat"] = "Sum", ["Metric"] = new JsonObject { ["Namespace"] = customNs, ["MetricName"] = "Backlog" } } },
                new JsonObject { ["Id"] = "e1", ["Expression"] = "m1 / 10", ["ReturnData"] = true }),
        });
        await api.Query("cloudwatch", "SetAlarmState", ("AlarmName", cluster + "-backlog"), ("StateValue", "ALARM"), ("StateReason", "testing"));
        await api.CloudWatchJson("SetAlarmState", new JsonObject { ["AlarmName"] = cluster + "-math", ["StateValue"] = "OK", ["StateReason"] = "testing" });
        await api.Query("cloudwatch", "DescribeAlarms", ("AlarmNames.member.1", cluster + "-backlog"), ("AlarmNames.member.2", cluster + "-math"));
        await api.CloudWatchJson("DescribeAlarms", new JsonObject { ["AlarmNamePrefix"] = "TargetTracking-service/" + cluster });
        await api.Query("cloudwatch", "DescribeAlarmHistory", ("AlarmName", cluster + "-backlog"));
        await api.CloudWatchJson("DescribeAlarmHistory", new JsonObject { ["AlarmName"] = cluster + "-math", ["HistoryItemType"] = "StateUpdate" });
        await api.Query("cloudwatch", "DisableAlarmActions", ("AlarmNames.member.1", cluster + "-backlog"));
        await api.CloudWatchJson("DisableAlarmActions", new JsonObject { ["AlarmNames"] = new JsonArray(cluster + "-math") });
        await api.Query("cloudwatch", "EnableAlarmActions", ("AlarmNames.member.1", cluster + "-backlog"));
        await api.CloudWatchJson("EnableAlarmActions", new JsonObject { ["AlarmNames"] = new JsonArray(cluster + "-math") });
        var alarmArn = (await api.CloudWatchJson("DescribeAlarms", new JsonObject { ["AlarmNames"] = new JsonArray(cluster + "-math") }))
            .GetProperty("MetricAlarms")[0].GetProperty("AlarmArn").GetString()!;
        await api.Query("cloudwatch", "TagResource", ("ResourceARN", alarmArn), ("Tags.member.1.Key", "team"), ("Tags.member.1.Value", "ops"));
        await api.CloudWatchJson("TagResource", new JsonObject { ["ResourceARN"] = alarmArn, ["Tags"] = new JsonArray(new JsonObject { ["Key"] = "env", ["Value"] = "prod" }) });
        await api.Query("cloudwatch", "ListTagsForResource", ("ResourceARN", alarmArn));
        await api.CloudWatchJson("ListTagsForResource", new JsonObject { ["ResourceARN"] = alarmArn });
        await api.Query("cloudwatch", "UntagResource", ("ResourceARN", alarmArn), ("TagKeys.member.1", "team"));
        await api.CloudWatchJson("UntagResource", new JsonObject { ["ResourceARN"] = alarmArn, ["TagKeys"] = new JsonArray("env") });
        await api.CloudWatchJson("ListTagsForResource", new JsonObject { ["ResourceARN"] = alarmArn + "-gone" }, "ResourceNotFoundException");
        await api.Query("cloudwatch", "TagResource", [("ResourceARN", "arn:aws:ecs:us-east-1:000000000000:cluster/x"), ("Tags.member.1.Key", "k"), ("Tags.member.1.Value", "v")], "InvalidParameterValue");
        await api.CloudWatchJson("GetMetricData", new JsonObject
        {
            ["StartTime"] = start.ToUnixTimeSeconds(), ["EndTime"] = end.ToUnixTimeSeconds(),
            ["MetricDataQueries"] = new JsonArray(
                new JsonObject { ["Id"] = "m1", ["ReturnData"] = false, ["MetricStat"] = new JsonObject { ["Period"] = 60, ["Stat"] = "Sum", ["Metric"] = new JsonObject { ["Namespace"] = customNs, ["MetricName"] = "Backlog" } } },
                new JsonObject { ["Id"] = "e1", ["Expression"] = "m1 * 2", ["Label"] = "double" }),
        });
        await api.Query("cloudwatch", "PutMetricData", [("Namespace", "AWS/ECS"), ("MetricData.member.1.MetricName", "X"), ("MetricData.member.1.Value", "1")], "InvalidParameterValue");
        await api.CloudWatchJson("DeleteAlarms", new JsonObject { ["AlarmNames"] = new JsonArray(cluster + "-gone") }, "ResourceNotFound");
        await api.Query("cloudwatch", "DeleteAlarms", ("AlarmNames.member.1", cluster + "-backlog"));
        await api.CloudWatchJson("DeleteAlarms", new JsonObject { ["AlarmNames"] = new JsonArray(cluster + "-math") });
        await api.Aas("DeleteScheduledAction", With(TargetOf(), ("ScheduledActionName", "nightly")));
        await api.Aas("DeleteScalingPolicy", With(TargetOf(), ("PolicyName", "cpu50")));
        await api.Aas("DeregisterScalableTarget", TargetOf());

        // ---- Errors: codes the operations declare, in the error shape of each protocol
        await api.Ecs("DescribeServices", new JsonObject { ["cluster"] = "nope-" + cluster, ["services"] = new JsonArray("a") }, "ClusterNotFoundException");
        await api.Ecs("PutClusterCapacityProviders", new JsonObject
        {
            ["cluster"] = cluster, ["capacityProviders"] = new JsonArray(provider, "FARGATE"),
            ["defaultCapacityProviderStrategy"] = new JsonArray(new JsonObject { ["capacityProvider"] = "FARGATE", ["weight"] = 0 }),
        }, "InvalidParameterException");
        await api.Ecs("RunTask", new JsonObject { ["cluster"] = cluster, ["taskDefinition"] = "no-such-family-" + cluster }, "ClientException");
        await api.Ecs("ListTagsForResource", new JsonObject { ["resourceArn"] = clusterArn + "-gone" }, "ClusterNotFoundException");
        await api.Ecs("TagResource", new JsonObject { ["resourceArn"] = clusterArn + "-gone", ["tags"] = new JsonArray() }, "ResourceNotFoundException");
        var ghostInstance = new JsonObject { ["name"] = "stack", ["targetType"] = "container-instance", ["targetId"] = "00000000-0000-0000-0000-000000000000" };
        await api.Ecs("PutAttributes", new JsonObject { ["cluster"] = cluster, ["attributes"] = new JsonArray(ghostInstance.DeepClone()) }, "TargetNotFoundException");
        await api.Ecs("DeleteAttributes", new JsonObject { ["cluster"] = cluster, ["attributes"] = new JsonArray(ghostInstance.DeepClone()) }, "TargetNotFoundException");
        await api.Query("autoscaling", "CreateLaunchConfiguration", [("LaunchConfigurationName", cluster + "-lc"), ("ImageId", "ami-12345678"), ("InstanceType", "t3.small")], "AlreadyExists");
        await api.Query("autoscaling", "DescribeAutoScalingGroups", [("NextToken", "not-a-token")], "InvalidNextToken");
        await api.Query("ec2", "DeleteLaunchTemplate", [("LaunchTemplateName", "nope-" + cluster)], "InvalidLaunchTemplateName.NotFoundException");
        await api.Query("cloudwatch", "GetMetricStatistics", [("Namespace", "AWS/ECS"), ("MetricName", "CPUReservation"), ("StartTime", Iso(end)), ("EndTime", Iso(start)),
            ("Period", "60"), ("Statistics.member.1", "Average")], "InvalidParameterValue");
        await api.CloudWatchJson("GetMetricData", new JsonObject { ["StartTime"] = start.ToUnixTimeSeconds(), ["EndTime"] = end.ToUnixTimeSeconds() }, "MissingParameter");

        // Deleting a provider still associated with the cluster: 200 with updateStatus DELETE_FAILED, as AWS.
        var refused = await api.Ecs("DeleteCapacityProvider", new JsonObject { ["capacityProvider"] = provider });
        Assert.Equal(("ACTIVE", "DELETE_FAILED"), (refused.GetProperty("capacityProvider").GetProperty("status").GetString(), refused.GetProperty("capacityProvider").GetProperty("updateStatus").GetString()));
        Assert.Contains(cluster, refused.GetProperty("capacityProvider").GetProperty("updateStatusReason").GetString(), StringComparison.Ordinal);

        // Conflicts and unknowns on live state: whatever each answers must be an error the operation declares.
        foreach (var (op, body) in new[]
        {
            ("CreateCapacityProvider", $$$"""{"name":"{{{provider}}}","autoScalingGroupProvider":{"autoScalingGroupArn":"{{{groupArn}}}"}}"""),
            ("UpdateCapacityProvider", """{"name":"no-such-provider","autoScalingGroupProvider":{"managedScaling":{"status":"DISABLED"}}}"""),
            ("DeleteCluster", $$"""{"cluster":"{{cluster}}"}"""),
            ("CreateCluster", $$"""{"clusterName":"{{cluster}}","capacityProviders":["no-such-provider"]}"""),
            ("UpdateService", $$"""{"cluster":"{{cluster}}","service":"ghost","desiredCount":1}"""),
            ("DeleteService", $$"""{"cluster":"{{cluster}}","service":"ghost"}"""),
            ("CreateService", $$"""{"cluster":"{{cluster}}","serviceName":"web","taskDefinition":"{{family}}","desiredCount":1}"""),
            ("StopTask", $$"""{"cluster":"{{cluster}}","task":"0123456789abcdef0123456789abcdef"}"""),
            ("RunTask", $$"""{"cluster":"{{cluster}}","taskDefinition":"{{family}}","count":11}"""),
            ("RunTask", $$"""{"cluster":"{{cluster}}","taskDefinition":"{{family}}","launchType":"FARGATE"}"""),
            ("StartTask", $$"""{"cluster":"{{cluster}}","taskDefinition":"{{family}}","containerInstances":["00000000-0000-0000-0000-000000000000"]}"""),
            ("DescribeTaskDefinition", """{"taskDefinition":"no-such-family:3"}"""),
            ("DeregisterTaskDefinition", """{"taskDefinition":"no-such-family:3"}"""),
            ("ListTasks", $$"""{"cluster":"{{cluster}}","serviceName":"ghost"}"""),
            ("ListTasks", $$"""{"cluster":"{{cluster}}","nextToken":"garbage"}"""),
            ("PutClusterCapacityProviders", $$"""{"cluster":"{{cluster}}","capacityProviders":["no-such-provider"],"defaultCapacityProviderStrategy":[]}"""),
            ("UpdateContainerInstancesState", $$"""{"cluster":"{{cluster}}","containerInstances":["00000000-0000-0000-0000-000000000000"],"status":"DRAINING"}"""),
            ("DeregisterContainerInstance", $$"""{"cluster":"{{cluster}}","containerInstance":"00000000-0000-0000-0000-000000000000"}"""),
            ("DeregisterContainerInstance", $$"""{"cluster":"{{cluster}}","containerInstance":"{{instanceArn}}"}"""),
            ("ListContainerInstances", $$"""{"cluster":"{{cluster}}","filter":"attribute:ecs.instance-type =="}"""),
            ("RegisterTaskDefinition", """{"family":"bad","containerDefinitions":[{"name":"c","image":"i"}]}"""),
            ("TagResource", $$"""{"resourceArn":"{{clusterArn}}","tags":[{"key":"aws:reserved","value":"x"}]}"""),
        })
        {
            await api.AnyJson("ecs", op, body);
        }

        foreach (var (action, parameters) in new (string, (string, string)[])[]
        {
            ("CreateAutoScalingGroup", [("AutoScalingGroupName", group), ("LaunchConfigurationName", cluster + "-lc"), ("MinSize", "0"), ("MaxSize", "1"), ("AvailabilityZones.member.1", "us-east-1a")]),
            ("DeleteLaunchConfiguration", [("LaunchConfigurationName", "no-such-lc")]),
            ("SetDesiredCapacity", [("AutoScalingGroupName", group), ("DesiredCapacity", "99")]),
            ("TerminateInstanceInAutoScalingGroup", [("InstanceId", "i-00000000000000000"), ("ShouldDecrementDesiredCapacity", "false")]),
            ("SetInstanceProtection", [("AutoScalingGroupName", group), ("InstanceIds.member.1", "i-00000000000000000"), ("ProtectedFromScaleIn", "true")]),
            ("UpdateAutoScalingGroup", [("AutoScalingGroupName", "no-such-group"), ("MaxSize", "1")]),
            ("DeleteAutoScalingGroup", [("AutoScalingGroupName", "no-such-group")]),
        })
        {
            await api.AnyQuery("autoscaling", action, parameters);
        }

        await api.AnyQuery("ec2", "CreateLaunchTemplate", ("LaunchTemplateName", cluster + "-lt"), ("LaunchTemplateData.ImageId", "ami-12345678"));
        await api.AnyQuery("ec2", "TerminateInstances", ("InstanceId.1", "i-00000000000000000"));
        await api.AnyQuery("ec2", "DescribeInstances", ("InstanceId.1", "i-00000000000000000"));
        await api.AnyQuery("cloudwatch", "DescribeAlarms", ("StateValue", "MAYBE"));
        await api.AnyQuery("elasticloadbalancing", "DescribeTargetGroups", ("Names.member.1", "no-such-group"));
        await api.AnyQuery("elasticloadbalancing", "CreateTargetGroup", ("Name", "bad name!"), ("Protocol", "HTTP"), ("Port", "80"), ("VpcId", "vpc-1"));
        await api.AnyQuery("elasticloadbalancing", "DeleteTargetGroup", ("TargetGroupArn", "arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/nope/0123456789abcdef"));
        await api.AnyQuery("elasticloadbalancing", "ModifyTargetGroupAttributes", ("TargetGroupArn", "not-an-arn"), ("Attributes.member.1.Key", "x"), ("Attributes.member.1.Value", "1"));
        await api.AnyQuery("elasticloadbalancing", "DescribeLoadBalancers", ("Names.member.1", "no-such-lb"));
        await api.AnyQuery("elasticloadbalancing", "CreateLoadBalancer", ("Name", "one-subnet"), ("Subnets.member.1", "subnet-0emulator000001"));
        await api.AnyQuery("elasticloadbalancing", "CreateListener", ("LoadBalancerArn", "arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/app/nope/0123456789abcdef"),
            ("Protocol", "HTTP"), ("Port", "80"), ("DefaultActions.member.1.Type", "forward"), ("DefaultActions.member.1.TargetGroupArn", "x"));
        await api.AnyQuery("elasticloadbalancing", "DescribeRules", ("ListenerArn", "arn:aws:elasticloadbalancing:us-east-1:000000000000:listener/app/nope/0123456789abcdef/0123456789abcdef"));
        await api.AnyQuery("elasticloadbalancing", "SetRulePriorities", ("RulePriorities.member.1.RuleArn", "not-an-arn"), ("RulePriorities.member.1.Priority", "0"));
        await api.AnyQuery("cloudwatch", "GetMetricData", ("StartTime", Iso(start)), ("EndTime", Iso(end)), ("MetricDataQueries.member.1.Id", "m"), ("MetricDataQueries.member.1.Expression", "SUM(x)"));
        await api.AnyJson("application-autoscaling", "PutScalingPolicy", """{"ServiceNamespace":"ecs","ResourceId":"service/x/y","ScalableDimension":"ecs:service:DesiredCount","PolicyName":"p","PolicyType":"TargetTrackingScaling","TargetTrackingScalingPolicyConfiguration":{"TargetValue":"high"}}""");

        // ---- Draining, deregistration, termination and teardown
        await api.Ecs("UpdateContainerInstancesState", new JsonObject { ["cluster"] = cluster, ["containerInstances"] = new JsonArray(instanceArn), ["status"] = "DRAINING" });
        await api.Ecs("DeleteService", new JsonObject { ["cluster"] = cluster, ["service"] = "web", ["force"] = true });
        await api.Ecs("DeregisterContainerInstance", new JsonObject { ["cluster"] = cluster, ["containerInstance"] = instanceArn, ["force"] = true });
        await api.Query("autoscaling", "TerminateInstanceInAutoScalingGroup", ("InstanceId", ec2InstanceId), ("ShouldDecrementDesiredCapacity", "false"));
        var other = await api.Until("a second instance", async () =>
        {
            var d = await api.Query("ec2", "DescribeInstances", ("Filter.1.Name", "tag:aws:autoscaling:groupName"), ("Filter.1.Value.1", group),
                ("Filter.2.Name", "instance-state-name"), ("Filter.2.Value.1", "running"));
            return d.Descendants().Where(e => e.Name.LocalName == "instanceId").Select(e => e.Value).FirstOrDefault(id => id != ec2InstanceId);
        });
        await api.Query("ec2", "TerminateInstances", ("InstanceId.1", other));
        await api.Ecs("DeregisterTaskDefinition", new JsonObject { ["taskDefinition"] = family + ":1" });

        // A second provider on a launch configuration group, never associated, can be deleted with its group.
        await api.Query("autoscaling", "CreateAutoScalingGroup", ("AutoScalingGroupName", group + "-lc"), ("LaunchConfigurationName", cluster + "-lc"),
            ("MinSize", "0"), ("MaxSize", "2"), ("AvailabilityZones.member.1", "us-east-1c"));
        var lcGroup = await api.Query("autoscaling", "DescribeAutoScalingGroups", ("AutoScalingGroupNames.member.1", group + "-lc"));
        await api.Ecs("CreateCapacityProvider", new JsonObject
        {
            ["name"] = provider + "-2", ["autoScalingGroupProvider"] = new JsonObject { ["autoScalingGroupArn"] = Find(lcGroup, "AutoScalingGroupARN") },
        });
        await api.Ecs("DeleteCapacityProvider", new JsonObject { ["capacityProvider"] = provider + "-2" });
        await api.Query("autoscaling", "DeleteAutoScalingGroup", ("AutoScalingGroupName", group + "-lc"), ("ForceDelete", "true"));
        await api.Query("autoscaling", "DeleteLaunchConfiguration", ("LaunchConfigurationName", cluster + "-lc"));
        await api.Query("autoscaling", "DeleteAutoScalingGroup", ("AutoScalingGroupName", group), ("ForceDelete", "true"));
        await api.Query("ec2", "DeleteLaunchTemplate", ("LaunchTemplateName", cluster + "-lt"));
        var empty = EmulatorClusterFixture.Unique("model-empty");
        await api.Ecs("CreateCluster", new JsonObject { ["clusterName"] = empty });
        await api.Ecs("DeleteCluster", new JsonObject { ["cluster"] = empty });
        await ExerciseManagedInstances(api, cluster);
        await ServiceModelSideServices.Exercise(api, cluster);
        await ServiceModelCloudFormation.Exercise(api, cluster);
        await ServiceModelBlueGreen.Exercise(api, cluster);

        Assert.True(api.Problems.Count == 0, "responses that do not fit the AWS model:" + Environment.NewLine + string.Join(Environment.NewLine, api.Problems));

        // Every operation of the coverage list, on every protocol it is implemented for, was validated.
        var expected = OperationTable.Instance.Operations.SelectMany(op =>
        {
            var (service, name) = (op[..op.IndexOf(':', StringComparison.Ordinal)], op[(op.IndexOf(':', StringComparison.Ordinal) + 1)..]);
            return new[] { (Protocol: "json", Has: OperationTable.Instance.Json(service, name) is not null), (Protocol: "query", Has: OperationTable.Instance.Query(service, name) is not null) }
                .Where(p => p.Has).Select(p => $"{op} ({p.Protocol})");
        }).ToList();
        var missing = expected.Except(api.Validated).ToList();
        Assert.True(missing.Count == 0, "implemented operations never validated against the AWS model (add them to this test): " + string.Join(", ", missing));
    }

    /// <summary>
    /// B-MI-1: a MANAGED_INSTANCES capacity provider created, updated, described and deleted within its cluster, and
    /// refused without its infrastructure role or with requirements no type satisfies; every answer fits both models
    /// (the newest ECS model declares managedInstancesProvider, type and cluster).
    /// </summary>
    private static async Task ExerciseManagedInstances(ModelCheckedApi api, string prefix)
    {
        var cluster = prefix + "-mi";
        var provider = prefix + "-mi-cp";
        await api.Ecs("CreateCluster", new JsonObject { ["clusterName"] = cluster });
        JsonObject Template(double vcpuMin) => new()
        {
            ["ec2InstanceProfileArn"] = "arn:aws:iam::000000000000:instance-profile/ecsInstanceRole",
            ["networkConfiguration"] = new JsonObject { ["subnets"] = new JsonArray(), ["securityGroups"] = new JsonArray() },
            ["storageConfiguration"] = new JsonObject { ["storageSizeGiB"] = 50 },
            ["monitoring"] = "BASIC",
            ["instanceRequirements"] = new JsonObject
            {
                ["vCpuCount"] = new JsonObject { ["min"] = vcpuMin, ["max"] = 8 },
                ["memoryMiB"] = new JsonObject { ["min"] = 2048 },
                ["cpuManufacturers"] = new JsonArray("intel", "amd"),
            },
        };
        var created = await api.Ecs("CreateCapacityProvider", new JsonObject
        {
            ["name"] = provider,
            ["cluster"] = cluster,
            ["managedInstancesProvider"] = new JsonObject
            {
                ["infrastructureRoleArn"] = "arn:aws:iam::000000000000:role/ecsInfrastructureRole",
                ["instanceLaunchTemplate"] = Template(2),
                ["propagateTags"] = "CAPACITY_PROVIDER",
                ["infrastructureOptimization"] = new JsonObject { ["scaleInAfter"] = 300 },
            },
            ["tags"] = new JsonArray(new JsonObject { ["key"] = "team", ["value"] = "platform" }),
        });
        Assert.Equal("MANAGED_INSTANCES", created.GetProperty("capacityProvider").GetProperty("type").GetString());
        Assert.Equal(50, created.GetProperty("capacityProvider").GetProperty("managedInstancesProvider").GetProperty("instanceLaunchTemplate")
            .GetProperty("storageConfiguration").GetProperty("storageSizeGiB").GetInt32());
        var updated = await api.Ecs("UpdateCapacityProvider", new JsonObject
        {
            ["name"] = provider,
            ["cluster"] = cluster,
            ["managedInstancesProvider"] = new JsonObject
            {
                ["infrastructureRoleArn"] = "arn:aws:iam::000000000000:role/ecsInfrastructureRole",
                ["instanceLaunchTemplate"] = new JsonObject { ["monitoring"] = "DETAILED" },
                ["infrastructureOptimization"] = new JsonObject { ["scaleInAfter"] = 600 },
            },
        });
        var mi = updated.GetProperty("capacityProvider").GetProperty("managedInstancesProvider");
        Assert.Equal("DETAILED", mi.GetProperty("instanceLaunchTemplate").GetProperty("monitoring").GetString());
        Assert.Equal(600, mi.GetProperty("infrastructureOptimization").GetProperty("scaleInAfter").GetInt32());
        await api.Ecs("DescribeCapacityProviders", new JsonObject { ["capacityProviders"] = new JsonArray(provider), ["include"] = new JsonArray("TAGS") });

        // B-MI-2: a task naming the provider makes the manager launch an instance; EC2 shows it tagged as managed.
        await api.Ecs("RegisterTaskDefinition", new JsonObject
        {
            ["family"] = cluster + "-td", ["requiresCompatibilities"] = new JsonArray("MANAGED_INSTANCES"),
            ["containerDefinitions"] = new JsonArray(new JsonObject { ["name"] = "app", ["image"] = "nginx", ["cpu"] = 512, ["memory"] = 1024 }),
        });
        var run = await api.Ecs("RunTask", new JsonObject
        {
            ["cluster"] = cluster, ["taskDefinition"] = cluster + "-td",
            ["capacityProviderStrategy"] = new JsonArray(new JsonObject { ["capacityProvider"] = provider, ["weight"] = 1 }),
        });
        var taskArn = run.GetProperty("tasks")[0].GetProperty("taskArn").GetString()!;
        var managedInstance = await api.Until("a managed instance in EC2", async () =>
        {
            var d = await api.Query("ec2", "DescribeInstances", ("Filter.1.Name", "tag:aws:ecs:capacityProviderName"), ("Filter.1.Value.1", provider),
                ("Filter.2.Name", "tag:AmazonECSManaged"), ("Filter.2.Value.1", "true"));
            return d.Descendants().Where(e => e.Name.LocalName == "instanceId").Select(e => e.Value).FirstOrDefault();
        });
        Assert.StartsWith("i-", managedInstance, StringComparison.Ordinal);
        await api.Until("the task RUNNING", async () =>
        {
            var t = await api.Ecs("DescribeTasks", new JsonObject { ["cluster"] = cluster, ["tasks"] = new JsonArray(taskArn) });
            return t.GetProperty("tasks")[0].GetProperty("lastStatus").GetString() == "RUNNING" ? "yes" : null;
        });
        await api.Ecs("StopTask", new JsonObject { ["cluster"] = cluster, ["task"] = taskArn });
        await api.Until("the task STOPPED", async () =>
        {
            var t = await api.Ecs("DescribeTasks", new JsonObject { ["cluster"] = cluster, ["tasks"] = new JsonArray(taskArn) });
            return t.GetProperty("tasks")[0].GetProperty("lastStatus").GetString() == "STOPPED" ? "yes" : null;
        });

        // Bad input: nothing created.
        await api.Ecs("CreateCapacityProvider", new JsonObject
        {
            ["name"] = provider + "-norole", ["cluster"] = cluster,
            ["managedInstancesProvider"] = new JsonObject { ["instanceLaunchTemplate"] = Template(2) },
        }, expectedError: "InvalidParameterException");
        await api.Ecs("CreateCapacityProvider", new JsonObject
        {
            ["name"] = provider + "-impossible", ["cluster"] = cluster,
            ["managedInstancesProvider"] = new JsonObject
            {
                ["infrastructureRoleArn"] = "arn:aws:iam::000000000000:role/ecsInfrastructureRole", ["instanceLaunchTemplate"] = Template(6),
            },
        }, expectedError: "InvalidParameterException");
        var missing = await api.Ecs("DescribeCapacityProviders", new JsonObject { ["capacityProviders"] = new JsonArray(provider + "-norole", provider + "-impossible") });
        Assert.Equal(0, missing.GetProperty("capacityProviders").GetArrayLength());
        Assert.Equal(2, missing.GetProperty("failures").GetArrayLength());

        var deleted = await api.Ecs("DeleteCapacityProvider", new JsonObject { ["capacityProvider"] = provider, ["cluster"] = cluster });
        Assert.Equal("INACTIVE", deleted.GetProperty("capacityProvider").GetProperty("status").GetString());
        await api.Ecs("DeleteCluster", new JsonObject { ["cluster"] = cluster });
    }

    /// <summary>
    /// Bad input to every implemented operation on every protocol (empty input, an unknown cluster, a wrong type):
    /// whatever is answered, success or error, fits the model, and errors use codes the operation declares or common
    /// ones.
    /// </summary>
    [Fact]
    public async Task Every_operation_answers_bad_input_with_a_declared_error_in_the_model_shape()
    {
        using var api = new ModelCheckedApi(silo.Endpoint);
        var ghost = EmulatorClusterFixture.Unique("ghost");
        var answered = 0;
        foreach (var op in OperationTable.Instance.Operations)
        {
            var (service, name) = (op[..op.IndexOf(':', StringComparison.Ordinal)], op[(op.IndexOf(':', StringComparison.Ordinal) + 1)..]);
            if (OperationTable.Instance.Json(service, name) is not null)
            {
                foreach (var body in new[] { "{}", $$"""{"cluster":"{{ghost}}"}""", """{"cluster":17,"maxResults":"x","Namespace":[]}""" })
                {
                    await api.AnyJson(service, name, body);
                    answered++;
                }
            }

            if (OperationTable.Instance.Query(service, name) is not null)
            {
                await api.AnyQuery(service, name);
                await api.AnyQuery(service, name, ("AutoScalingGroupName", ghost), ("MaxRecords", "0"), ("LaunchTemplateName", ghost), ("InstanceId.1", "i-0"), ("StartTime", "yesterday"));
                answered += 2;
            }
        }

        Assert.True(answered > 100, $"only {answered} requests were sent");
        Assert.True(api.Problems.Count == 0, "responses to bad input that do not fit the AWS model:" + Environment.NewLine + string.Join(Environment.NewLine, api.Problems));
    }

    /// <summary>The model file itself is what the validator reads; each implemented operation exists in it.</summary>
    [Fact]
    public void Every_implemented_operation_is_an_operation_of_the_aws_model()
    {
        var unknown = OperationTable.Instance.Operations.Where(op => !ServiceModelValidator.Declares(op[..op.IndexOf(':', StringComparison.Ordinal)], op[(op.IndexOf(':', StringComparison.Ordinal) + 1)..])).ToList();
        Assert.Empty(unknown);
    }

    private static string Find(XElement root, string localName) =>
        root.Descendants().FirstOrDefault(e => e.Name.LocalName == localName)?.Value ?? throw new InvalidOperationException($"no {localName} in {root}");
}

/// <summary>Raw HTTP calls to the endpoint whose every response is checked by <see cref="ServiceModelValidator"/>.</summary>
internal sealed class ModelCheckedApi(string endpoint) : IDisposable
{
    private readonly HttpClient _http = new() { BaseAddress = new Uri(endpoint) };

    public List<string> Problems { get; } = [];

    /// <summary>"service:Operation (json|query)" of every 200 response that was validated.</summary>
    public HashSet<string> Validated { get; } = new(StringComparer.Ordinal);

    public Task<JsonElement> Ecs(string operation, JsonObject body, string? expectedError = null) =>
        Json("ecs", "AmazonEC2ContainerServiceV20141113", "application/x-amz-json-1.1", operation, body, expectedError);

    public Task<JsonElement> CloudWatchJson(string operation, JsonObject body, string? expectedError = null) =>
        Json("cloudwatch", "GraniteServiceVersion20100801", "application/x-amz-json-1.0", operation, body, expectedError);

    public Task<JsonElement> Logs(string operation, JsonObject body, string? expectedError = null) =>
        Json("logs", "Logs_20140328", "application/x-amz-json-1.1", operation, body, expectedError);

    public Task<JsonElement> Ssm(string operation, JsonObject body, string? expectedError = null) =>
        Json("ssm", "AmazonSSM", "application/x-amz-json-1.1", operation, body, expectedError);

    public Task<JsonElement> Aas(string operation, JsonObject body, string? expectedError = null) =>
        Json("application-autoscaling", "AnyScaleFrontendService", "application/x-amz-json-1.1", operation, body, expectedError);

    public Task<XElement> Query(string service, string action, params (string Key, string Value)[] parameters) => Query(service, action, parameters, null);

    private static string Version(string service) => service switch
    {
        "autoscaling" => "2011-01-01",
        "ec2" => "2016-11-15",
        "cloudwatch" => "2010-08-01",
        "elasticloadbalancing" => "2015-12-01",
        "iam" => "2010-05-08",
        "sts" => "2011-06-15",
        "cloudformation" => "2010-05-15",
        _ => throw new ArgumentException(service),
    };

    public async Task<XElement> Query(string service, string action, (string Key, string Value)[] parameters, string? expectedError)
    {
        var version = Version(service);
        var form = new List<KeyValuePair<string, string>> { new("Action", action), new("Version", version) };
        form.AddRange(parameters.Select(p => KeyValuePair.Create(p.Key, p.Value)));
        using var response = await _http.PostAsync("/", new FormUrlEncodedContent(form));
        var text = await response.Content.ReadAsStringAsync();
        var status = (int)response.StatusCode;
        Record(service, action, "query", status, ServiceModelValidator.ValidateXml(service, action, status, text), text, expectedError,
            () => XDocument.Parse(text).Root!.Descendants().FirstOrDefault(e => e.Name.LocalName == "Code")?.Value);
        return XDocument.Parse(text).Root!;
    }

    /// <summary>Sends a JSON body and validates whatever comes back (success or error).</summary>
    public async Task AnyJson(string service, string operation, string body)
    {
        var (prefix, contentType) = service switch
        {
            "ecs" => ("AmazonEC2ContainerServiceV20141113", "application/x-amz-json-1.1"),
            "logs" => ("Logs_20140328", "application/x-amz-json-1.1"),
            "ssm" => ("AmazonSSM", "application/x-amz-json-1.1"),
            "application-autoscaling" => ("AnyScaleFrontendService", "application/x-amz-json-1.1"),
            _ => ("GraniteServiceVersion20100801", "application/x-amz-json-1.0"),
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/");
        request.Headers.TryAddWithoutValidation("X-Amz-Target", $"{prefix}.{operation}");
        request.Content = new StringContent(body, Encoding.UTF8);
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
        using var response = await _http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var header = response.Headers.TryGetValues("x-amzn-ErrorType", out var v) ? v.First() : null;
        Problems.AddRange(ServiceModelValidator.ValidateJson(service, operation, (int)response.StatusCode, text, header).Select(p => $"{service} (json) {body} -> {p}"));
    }

    /// <summary>Sends a query request and validates whatever comes back (success or error).</summary>
    public async Task AnyQuery(string service, string action, params (string Key, string Value)[] parameters)
    {
        var version = Version(service);
        var form = new List<KeyValuePair<string, string>> { new("Action", action), new("Version", version) };
        form.AddRange(parameters.Select(p => KeyValuePair.Create(p.Key, p.Value)));
        using var response = await _http.PostAsync("/", new FormUrlEncodedContent(form));
        var text = await response.Content.ReadAsStringAsync();
        Problems.AddRange(ServiceModelValidator.ValidateXml(service, action, (int)response.StatusCode, text).Select(p => $"{service} (query, {parameters.Length} params) -> {p}"));
    }

    /// <summary>Polls (each response validated too) until the probe returns a value.</summary>
    public async Task<string> Until(string what, Func<Task<string?>> probe)
    {
        var sw = Stopwatch.StartNew();
        while (true)
        {
            if (await probe() is { } value)
            {
                return value;
            }

            Assert.True(sw.Elapsed < TimeSpan.FromMinutes(4), "timed out waiting for " + what);
            await Task.Delay(200);
        }
    }

    public async Task<DateTimeOffset> EmulatedNow(string cluster)
    {
        var status = JsonDocument.Parse(await _http.GetStringAsync($"/emulator/status/{cluster}")).RootElement;
        return DateTimeOffset.Parse(status.GetProperty("now").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
    }

    private async Task<JsonElement> Json(string service, string prefix, string contentType, string operation, JsonObject body, string? expectedError)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/");
        request.Headers.TryAddWithoutValidation("X-Amz-Target", $"{prefix}.{operation}");
        request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8);
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
        using var response = await _http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var status = (int)response.StatusCode;
        var header = response.Headers.TryGetValues("x-amzn-ErrorType", out var v) ? v.First() : null;
        Record(service, operation, "json", status, ServiceModelValidator.ValidateJson(service, operation, status, text, header), text, expectedError,
            () => JsonDocument.Parse(text).RootElement.GetProperty("__type").GetString());
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private void Record(string service, string operation, string protocol, int status, List<string> problems, string body, string? expectedError, Func<string?> code)
    {
        Problems.AddRange(problems.Select(p => $"{service} ({protocol}) {p}"));
        if (expectedError is null)
        {
            Assert.True(status == 200, $"{service}:{operation} ({protocol}) failed with {status}: {body}");
            Validated.Add($"{service}:{operation} ({protocol})");
        }
        else
        {
            Assert.True(status != 200, $"{service}:{operation} ({protocol}) succeeded, expected {expectedError}: {body}");
            Assert.Equal(expectedError, code());
        }
    }

    public void Dispose() => _http.Dispose();
}
