namespace Emulator.Tests.Wire;

/// <summary>The validator itself: it accepts AWS-shaped responses and names each kind of mis-shape.</summary>
public sealed class ServiceModelValidatorTests
{
    private const string Cluster = """{"clusterArn":"arn:aws:ecs:us-east-1:000000000000:cluster/a","clusterName":"a","status":"ACTIVE","registeredContainerInstancesCount":0,"tags":[{"key":"k","value":"v"}]}""";

    [Fact]
    public void An_aws_shaped_json_response_passes()
    {
        Assert.Empty(ServiceModelValidator.ValidateJson("ecs", "DescribeClusters", 200, $$"""{"clusters":[{{Cluster}}],"failures":[{"arn":"x","reason":"MISSING"}]}""", null));
        Assert.Empty(ServiceModelValidator.ValidateJson("ecs", "DescribeTasks", 200, """{"tasks":[{"taskArn":"t","createdAt":1700000000.123,"lastStatus":"RUNNING","launchType":"EC2","cpu":"256"}],"failures":[]}""", null));
    }

    [Theory]
    [InlineData("""{"clusters":[{"clusterName":"a","colour":"red"}]}""", "colour: not a member of Cluster")]
    [InlineData("""{"clusters":[{"clusterName":"a","registeredContainerInstancesCount":"3"}]}""", "expected an integer")]
    [InlineData("""{"clusters":[{"clusterName":"a","tags":{"k":"v"}}]}""", "expected an array")]
    [InlineData("""{"clusters":[{"clusterName":null}]}""", "null")]
    [InlineData("""{"clusters":[{"clusterName":"a","capacityProviders":"FARGATE"}]}""", "expected an array")]
    [InlineData("""{"clusters":[{"clusterName":"a","defaultCapacityProviderStrategy":[{"weight":1}]}]}""", "capacityProvider: required by CapacityProviderStrategyItem but missing")]
    [InlineData("""{"clusters":[{"clusterName":"a","defaultCapacityProviderStrategy":[{"capacityProvider":"x","weight":1001}]}]}""", "above the maximum")]
    public void Mis_shaped_json_is_named(string body, string expected)
    {
        var problems = ServiceModelValidator.ValidateJson("ecs", "DescribeClusters", 200, body, null);
        Assert.Contains(problems, p => p.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Json_enums_timestamps_and_errors_are_checked()
    {
        Assert.Contains(ServiceModelValidator.ValidateJson("ecs", "DescribeTasks", 200, """{"tasks":[{"launchType":"SUBMARINE"}]}""", null), p => p.Contains("not in the enum LaunchType", StringComparison.Ordinal));
        Assert.Contains(ServiceModelValidator.ValidateJson("ecs", "DescribeTasks", 200, """{"tasks":[{"createdAt":"2026-01-01T00:00:00Z"}]}""", null), p => p.Contains("epoch seconds", StringComparison.Ordinal));
        Assert.Empty(ServiceModelValidator.ValidateJson("ecs", "DescribeTasks", 400, """{"__type":"ClusterNotFoundException","message":"Cluster not found."}""", "ClusterNotFoundException"));
        Assert.Contains(ServiceModelValidator.ValidateJson("ecs", "DescribeTasks", 400, """{"__type":"ServiceNotFoundException","message":"x"}""", null), p => p.Contains("neither declared", StringComparison.Ordinal));
        Assert.Contains(ServiceModelValidator.ValidateJson("ecs", "DescribeTasks", 400, """{"__type":"ServerException","message":"x"}""", null), p => p.Contains("HTTP 400, the model says 500", StringComparison.Ordinal));
        Assert.Contains(ServiceModelValidator.ValidateJson("ecs", "DeleteCluster", 400, """{"message":"x"}""", null), p => p.Contains("without a __type", StringComparison.Ordinal));
    }

    [Fact]
    public void Query_xml_is_checked_against_the_result_wrapper_and_members()
    {
        const string ns = "http://autoscaling.amazonaws.com/doc/2011-01-01/";
        const string meta = "<ResponseMetadata><RequestId>r</RequestId></ResponseMetadata>";
        Assert.Empty(ServiceModelValidator.ValidateXml("autoscaling", "DescribeAutoScalingGroups", 200,
            $"""<DescribeAutoScalingGroupsResponse xmlns="{ns}"><DescribeAutoScalingGroupsResult><AutoScalingGroups><member><AutoScalingGroupName>g</AutoScalingGroupName><MinSize>0</MinSize><MaxSize>1</MaxSize><DesiredCapacity>0</DesiredCapacity><DefaultCooldown>300</DefaultCooldown><AvailabilityZones><member>us-east-1a</member></AvailabilityZones><HealthCheckType>EC2</HealthCheckType><CreatedTime>2026-01-01T00:00:00.000Z</CreatedTime></member></AutoScalingGroups></DescribeAutoScalingGroupsResult>{meta}</DescribeAutoScalingGroupsResponse>"""));
        var bad = ServiceModelValidator.ValidateXml("autoscaling", "DescribeAutoScalingGroups", 200,
            $"""<DescribeAutoScalingGroupsResponse xmlns="{ns}"><DescribeAutoScalingGroupsResult><AutoScalingGroups><member><AutoScalingGroupName>g</AutoScalingGroupName><MinSize>zero</MinSize><Colour>red</Colour><CreatedTime>1700000000</CreatedTime></member></AutoScalingGroups></DescribeAutoScalingGroupsResult>{meta}</DescribeAutoScalingGroupsResponse>""");
        Assert.Contains(bad, p => p.Contains("Colour: not a member of AutoScalingGroup", StringComparison.Ordinal));
        Assert.Contains(bad, p => p.Contains("expected an integer", StringComparison.Ordinal));
        Assert.Contains(bad, p => p.Contains("ISO 8601", StringComparison.Ordinal));
        Assert.Contains(bad, p => p.Contains("MaxSize: required", StringComparison.Ordinal));
        Assert.Contains(ServiceModelValidator.ValidateXml("autoscaling", "SetDesiredCapacity", 200,
            $"""<SetDesiredCapacityResponse xmlns="{ns}"><SetDesiredCapacityResult/>{meta}</SetDesiredCapacityResponse>"""), p => p.Contains("has no output", StringComparison.Ordinal));
        Assert.Empty(ServiceModelValidator.ValidateXml("autoscaling", "CreateLaunchConfiguration", 400,
            $"""<ErrorResponse xmlns="{ns}"><Error><Type>Sender</Type><Code>AlreadyExists</Code><Message>m</Message></Error><RequestId>r</RequestId></ErrorResponse>"""));
        Assert.Contains(ServiceModelValidator.ValidateXml("autoscaling", "CreateLaunchConfiguration", 400,
            $"""<ErrorResponse xmlns="{ns}"><Error><Type>Sender</Type><Code>AlreadyExistsFault</Code><Message>m</Message></Error><RequestId>r</RequestId></ErrorResponse>"""), p => p.Contains("neither declared", StringComparison.Ordinal));
    }

    [Fact]
    public void Ec2_xml_uses_location_names_and_item_lists()
    {
        const string ns = "http://ec2.amazonaws.com/doc/2016-11-15/";
        Assert.Empty(ServiceModelValidator.ValidateXml("ec2", "TerminateInstances", 200,
            $"""<TerminateInstancesResponse xmlns="{ns}"><requestId>r</requestId><instancesSet><item><instanceId>i-1</instanceId><currentState><code>32</code><name>shutting-down</name></currentState><previousState><code>16</code><name>running</name></previousState></item></instancesSet></TerminateInstancesResponse>"""));
        Assert.Contains(ServiceModelValidator.ValidateXml("ec2", "TerminateInstances", 200,
            $"""<TerminateInstancesResponse xmlns="{ns}"><requestId>r</requestId><instancesSet><member><instanceId>i-1</instanceId><currentState><name>melting</name></currentState></member></instancesSet></TerminateInstancesResponse>"""),
            p => p.Contains("expected <item>", StringComparison.Ordinal));
    }
}
