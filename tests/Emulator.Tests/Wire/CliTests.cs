using System.Net;
using System.Text;
using System.Text.Json;
using Emulator.Tests.EndToEnd;

namespace Emulator.Tests.Wire;

/// <summary>The real AWS CLI against a real silo process (B-W-1, B-W-4).</summary>
[Collection(WireCollection.Name)]
public sealed class CliTests(SiloProcessFixture silo)
{
    private readonly AwsCli _aws = new(silo.Endpoint);

    /// <summary>The seed workshop's Fargate chapter, with the CLI commands it shows.</summary>
    [Fact]
    public async Task Workshop_fargate_capacity_providers_replayed_with_the_cli()
    {
        var cluster = EmulatorClusterFixture.Unique("container-demo");
        await _aws.Json("ecs", "create-cluster", "--cluster-name", cluster);
        var put = await _aws.Json("ecs", "put-cluster-capacity-providers", "--cluster", cluster,
            "--capacity-providers", "FARGATE", "FARGATE_SPOT",
            "--default-capacity-provider-strategy", "capacityProvider=FARGATE,weight=1,base=1", "capacityProvider=FARGATE_SPOT,weight=4");
        Assert.Equal(["FARGATE", "FARGATE_SPOT"], put.GetProperty("cluster").GetProperty("capacityProviders").EnumerateArray().Select(e => e.GetString()));

        var file = Path.GetTempFileName();
        await File.WriteAllTextAsync(file, """
            {"family":"ecsdemo-capacityproviders","networkMode":"awsvpc","requiresCompatibilities":["FARGATE"],"cpu":"256","memory":"512",
             "containerDefinitions":[{"name":"web","image":"nginx","portMappings":[{"containerPort":80}]}]}
            """);
        var td = await _aws.Json("ecs", "register-task-definition", "--cli-input-json", "file://" + file);
        Assert.Equal("ACTIVE", td.GetProperty("taskDefinition").GetProperty("status").GetString());

        await _aws.Json("ecs", "create-service", "--cluster", cluster, "--service-name", "fargate-service",
            "--task-definition", "ecsdemo-capacityproviders", "--desired-count", "10");
        var wait = await _aws.Run("ecs", "wait", "services-stable", "--cluster", cluster, "--services", "fargate-service");
        Assert.True(wait.ExitCode == 0, wait.Stderr);

        var arns = (await _aws.Json("ecs", "list-tasks", "--cluster", cluster)).GetProperty("taskArns").EnumerateArray().Select(e => e.GetString()!).ToList();
        Assert.Equal(10, arns.Count);
        var wait2 = await _aws.Run(["ecs", "wait", "tasks-running", "--cluster", cluster, "--tasks", .. arns]);
        Assert.True(wait2.ExitCode == 0, wait2.Stderr);
        var table = await _aws.Run(["ecs", "describe-tasks", "--cluster", cluster, "--tasks", .. arns,
            "--query", "sort_by(tasks,&capacityProviderName)[].{Id: taskArn, AZ: availabilityZone, CapacityProvider: capacityProviderName, LastStatus: lastStatus, DesiredStatus: desiredStatus}",
            "--output", "table"]);
        Assert.Equal(0, table.ExitCode);
        var lines = table.Stdout.Split('\n');
        Assert.Equal(3, lines.Count(l => l.Contains("| FARGATE ", StringComparison.Ordinal) || l.Contains("|  FARGATE  ", StringComparison.Ordinal)));
        Assert.Equal(7, lines.Count(l => l.Contains("FARGATE_SPOT", StringComparison.Ordinal)));
        Assert.Equal(10, lines.Count(l => l.Contains("RUNNING", StringComparison.Ordinal) && l.Contains("arn:aws:ecs:", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Describe_reports_missing_resources_in_failures()
    {
        var cluster = EmulatorClusterFixture.Unique("wire");
        await _aws.Json("ecs", "create-cluster", "--cluster-name", cluster);
        var d = await _aws.Json("ecs", "describe-clusters", "--clusters", cluster, "nope-" + cluster);
        Assert.Single(d.GetProperty("clusters").EnumerateArray());
        Assert.Equal("MISSING", d.GetProperty("failures")[0].GetProperty("reason").GetString());
        var s = await _aws.Json("ecs", "describe-services", "--cluster", cluster, "--services", "ghost");
        Assert.Equal("MISSING", s.GetProperty("failures")[0].GetProperty("reason").GetString());
        var t = await _aws.Json("ecs", "describe-tasks", "--cluster", cluster, "--tasks", "0123456789abcdef0123456789abcdef");
        Assert.Equal("MISSING", t.GetProperty("failures")[0].GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Tags_on_a_cluster_through_the_cli()
    {
        var cluster = EmulatorClusterFixture.Unique("tags");
        var arn = (await _aws.Json("ecs", "create-cluster", "--cluster-name", cluster)).GetProperty("cluster").GetProperty("clusterArn").GetString()!;
        Assert.Equal(0, (await _aws.Run("ecs", "tag-resource", "--resource-arn", arn, "--tags", "key=team,value=platform", "key=env,value=test")).ExitCode);
        var tags = (await _aws.Json("ecs", "list-tags-for-resource", "--resource-arn", arn)).GetProperty("tags");
        Assert.Equal(2, tags.GetArrayLength());
        Assert.Equal(0, (await _aws.Run("ecs", "untag-resource", "--resource-arn", arn, "--tag-keys", "env")).ExitCode);
        Assert.Equal("team", (await _aws.Json("ecs", "list-tags-for-resource", "--resource-arn", arn)).GetProperty("tags")[0].GetProperty("key").GetString());
        var reserved = await _aws.Run("ecs", "tag-resource", "--resource-arn", arn, "--tags", "key=aws:x,value=y");
        Assert.Contains("(InvalidParameterException)", reserved.Stderr, StringComparison.Ordinal);
        var missing = await _aws.Run("ecs", "list-tags-for-resource", "--resource-arn", arn + "-gone");
        Assert.Contains("(ClusterNotFoundException)", missing.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ecs describe-services --cluster nope-x --services a", "ClusterNotFoundException")]
    [InlineData("ecs run-task --cluster default --task-definition no-such-family", "ClientException")]
    [InlineData("ecs delete-cluster --cluster no-such-cluster", "ClusterNotFoundException")]
    public async Task Errors_carry_aws_codes(string command, string code)
    {
        var r = await _aws.Run(command.Split(' '));
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains($"({code})", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invalid_strategy_enum_and_count_are_InvalidParameterException_and_change_nothing()
    {
        var cluster = EmulatorClusterFixture.Unique("bad");
        await _aws.Json("ecs", "create-cluster", "--cluster-name", cluster);
        await _aws.Json("ecs", "put-cluster-capacity-providers", "--cluster", cluster, "--capacity-providers", "FARGATE", "FARGATE_SPOT",
            "--default-capacity-provider-strategy", "capacityProvider=FARGATE,weight=1");
        var twoBases = await _aws.Run("ecs", "put-cluster-capacity-providers", "--cluster", cluster, "--capacity-providers", "FARGATE", "FARGATE_SPOT",
            "--default-capacity-provider-strategy", "capacityProvider=FARGATE,weight=1,base=1", "capacityProvider=FARGATE_SPOT,weight=1,base=1");
        Assert.Contains("(InvalidParameterException)", twoBases.Stderr, StringComparison.Ordinal);
        var zeroWeights = await _aws.Run("ecs", "put-cluster-capacity-providers", "--cluster", cluster, "--capacity-providers", "FARGATE",
            "--default-capacity-provider-strategy", "capacityProvider=FARGATE,weight=0");
        Assert.Contains("(InvalidParameterException)", zeroWeights.Stderr, StringComparison.Ordinal);
        var after = await _aws.Json("ecs", "describe-clusters", "--clusters", cluster);
        Assert.Equal(1, after.GetProperty("clusters")[0].GetProperty("defaultCapacityProviderStrategy")[0].GetProperty("weight").GetInt32());
    }

    [Fact]
    public async Task Raw_protocol_errors_malformed_json_unknown_target_wrong_type_unknown_action()
    {
        using var http = new HttpClient();

        async Task<(HttpStatusCode Status, string Type, string Body)> Json(string target, string body)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, silo.Endpoint + "/");
            request.Headers.TryAddWithoutValidation("X-Amz-Target", target);
            request.Content = new StringContent(body, Encoding.UTF8, "application/x-amz-json-1.1");
            using var response = await http.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            return (response.StatusCode, response.Headers.TryGetValues("x-amzn-ErrorType", out var v) ? v.First() : "", text);
        }

        var malformed = await Json("AmazonEC2ContainerServiceV20141113.ListClusters", "{not json");
        Assert.Equal((HttpStatusCode.BadRequest, "SerializationException"), (malformed.Status, malformed.Type));
        Assert.Equal("SerializationException", JsonDocument.Parse(malformed.Body).RootElement.GetProperty("__type").GetString());
        var unknown = await Json("AmazonEC2ContainerServiceV20141113.DoSomethingElse", "{}");
        Assert.Equal((HttpStatusCode.BadRequest, "UnknownOperationException"), (unknown.Status, unknown.Type));
        var wrongType = await Json("AmazonEC2ContainerServiceV20141113.CreateCluster", """{"clusterName": 42}""");
        Assert.Equal((HttpStatusCode.BadRequest, "SerializationException"), (wrongType.Status, wrongType.Type));
        var missing = await Json("AmazonEC2ContainerServiceV20141113.DeleteCluster", "{}");
        Assert.Equal((HttpStatusCode.BadRequest, "InvalidParameterException"), (missing.Status, missing.Type));
        var badEnum = await Json("AmazonEC2ContainerServiceV20141113.ListTasks", """{"launchType": "SUBMARINE"}""");
        Assert.Equal((HttpStatusCode.BadRequest, "InvalidParameterException"), (badEnum.Status, badEnum.Type));

        using var form = new FormUrlEncodedContent(new Dictionary<string, string> { ["Action"] = "FlyToTheMoon", ["Version"] = "2011-01-01" });
        using var query = await http.PostAsync(silo.Endpoint + "/", form);
        Assert.Equal(HttpStatusCode.BadRequest, query.StatusCode);
        var xml = await query.Content.ReadAsStringAsync();
        Assert.Contains("<ErrorResponse", xml, StringComparison.Ordinal);
        Assert.Contains("<Code>InvalidAction</Code>", xml, StringComparison.Ordinal);
    }
}
