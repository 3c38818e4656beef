using Emulator.Tests.EndToEnd;

namespace Emulator.Tests.Wire;

/// <summary>
/// Deployments through the real AWS CLI (Debian's awscli, whose 2023 model knows deploymentCircuitBreaker,
/// deploymentConfiguration.alarms and deploymentController; the newer fields are the SDK's, tests/sdk-js):
/// B-DP-1, B-DP-2, B-DP-3 as written, `aws ecs wait services-stable` returning once a failed deployment rolled back,
/// and bad deployment configurations refused with InvalidParameterException, changing nothing.
/// </summary>
[Collection(WireCollection.Name)]
public sealed class DeploymentCliTests(SiloProcessFixture silo)
{
    private readonly AwsCli _aws = new(silo.Endpoint);

    private async Task<string> TaskDefinition(string family, string labels)
    {
        var file = Path.GetTempFileName();
        await File.WriteAllTextAsync(file, $$"""
            {"family":"{{family}}","networkMode":"awsvpc","requiresCompatibilities":["FARGATE"],"cpu":"256","memory":"512",
             "containerDefinitions":[{"name":"web","image":"repo/{{family}}:1","portMappings":[{"containerPort":80}],"dockerLabels":{{labels}}}]}
            """);
        var td = await _aws.Json("ecs", "register-task-definition", "--cli-input-json", "file://" + file);
        File.Delete(file);
        return td.GetProperty("taskDefinition").GetProperty("taskDefinitionArn").GetString()!;
    }

    [Fact]
    public async Task B_DP_2_circuit_breaker_rollback_with_the_cli_and_the_services_stable_waiter()
    {
        var cluster = EmulatorClusterFixture.Unique("cli-dep");
        await _aws.Json("ecs", "create-cluster", "--cluster-name", cluster);
        await _aws.Json("ecs", "put-cluster-capacity-providers", "--cluster", cluster, "--capacity-providers", "FARGATE",
            "--default-capacity-provider-strategy", "capacityProvider=FARGATE,weight=1");
        var family = EmulatorClusterFixture.Unique("cli-web");
        var good = await TaskDefinition(family, """{"team":"web"}""");
        var created = await _aws.Json("ecs", "create-service", "--cluster", cluster, "--service-name", "web", "--task-definition", good, "--desired-count", "3",
            "--network-configuration", "awsvpcConfiguration={subnets=[subnet-0emulator000001],assignPublicIp=DISABLED}",
            "--deployment-configuration", "deploymentCircuitBreaker={enable=true,rollback=true},maximumPercent=200,minimumHealthyPercent=100,alarms={alarmNames=[web-5xx],enable=false,rollback=false}",
            "--health-check-grace-period-seconds", "0");
        var config = created.GetProperty("service").GetProperty("deploymentConfiguration");
        Assert.True(config.GetProperty("deploymentCircuitBreaker").GetProperty("enable").GetBoolean());
        Assert.True(config.GetProperty("deploymentCircuitBreaker").GetProperty("rollback").GetBoolean());
        Assert.Equal("web-5xx", config.GetProperty("alarms").GetProperty("alarmNames")[0].GetString());
        Assert.Equal("ECS", created.GetProperty("service").GetProperty("deploymentController").GetProperty("type").GetString());
        Assert.True((await _aws.Run("ecs", "wait", "services-stable", "--cluster", cluster, "--services", "web")).ExitCode == 0);

        // An image that cannot be pulled: the breaker fails the deployment after 3 tasks and rolls back; the waiter returns then.
        var bad = await TaskDefinition(family, """{"emulator.pull":"fail"}""");
        var updated = await _aws.Json("ecs", "update-service", "--cluster", cluster, "--service", "web", "--task-definition", bad);
        Assert.Equal(2, updated.GetProperty("service").GetProperty("deployments").GetArrayLength());
        var wait = await _aws.Run("ecs", "wait", "services-stable", "--cluster", cluster, "--services", "web");
        Assert.True(wait.ExitCode == 0, wait.Stderr);

        var service = (await _aws.Json("ecs", "describe-services", "--cluster", cluster, "--services", "web")).GetProperty("services")[0];
        Assert.Equal(good, service.GetProperty("taskDefinition").GetString());
        var deployments = service.GetProperty("deployments");
        Assert.Equal(1, deployments.GetArrayLength());
        Assert.Equal("COMPLETED", deployments[0].GetProperty("rolloutState").GetString());
        Assert.Contains(service.GetProperty("events").EnumerateArray(), e =>
            e.GetProperty("message").GetString()!.Contains("deployment failed: ECS deployment circuit breaker: task failed to start.", StringComparison.Ordinal));
        Assert.Contains(service.GetProperty("events").EnumerateArray(), e =>
            e.GetProperty("message").GetString()!.Contains("rolling back to deploymentId", StringComparison.Ordinal));

        // The docker labels read back as written (B-DP-8 faults are a real field).
        var td = await _aws.Json("ecs", "describe-task-definition", "--task-definition", bad);
        Assert.Equal("fail", td.GetProperty("taskDefinition").GetProperty("containerDefinitions")[0].GetProperty("dockerLabels").GetProperty("emulator.pull").GetString());
    }

    [Fact]
    public async Task B_DP_3_an_alarm_set_to_ALARM_with_the_cli_rolls_the_deployment_back()
    {
        var cluster = EmulatorClusterFixture.Unique("cli-alarm");
        var alarm = EmulatorClusterFixture.Unique("cli-web-5xx");
        var put = await _aws.Run("cloudwatch", "put-metric-alarm", "--alarm-name", alarm, "--namespace", "App/CliDeploy", "--metric-name", "Errors",
            "--statistic", "Sum", "--period", "60", "--evaluation-periods", "120", "--threshold", "5", "--comparison-operator", "GreaterThanThreshold",
            "--treat-missing-data", "notBreaching");
        Assert.True(put.ExitCode == 0, put.Stderr);
        await _aws.Json("ecs", "create-cluster", "--cluster-name", cluster);
        await _aws.Json("ecs", "put-cluster-capacity-providers", "--cluster", cluster, "--capacity-providers", "FARGATE",
            "--default-capacity-provider-strategy", "capacityProvider=FARGATE,weight=1");
        var family = EmulatorClusterFixture.Unique("cli-alarm-web");
        var good = await TaskDefinition(family, """{"team":"web"}""");
        var created = await _aws.Json("ecs", "create-service", "--cluster", cluster, "--service-name", "web", "--task-definition", good, "--desired-count", "2",
            "--network-configuration", "awsvpcConfiguration={subnets=[subnet-0emulator000001],assignPublicIp=DISABLED}",
            "--deployment-configuration", $"maximumPercent=200,minimumHealthyPercent=100,alarms={{alarmNames=[{alarm}],enable=false,rollback=false}}");
        var alarms = created.GetProperty("service").GetProperty("deploymentConfiguration").GetProperty("alarms");
        Assert.Equal((alarm, false, false), (alarms.GetProperty("alarmNames")[0].GetString(), alarms.GetProperty("enable").GetBoolean(), alarms.GetProperty("rollback").GetBoolean()));
        Assert.True((await _aws.Run("ecs", "wait", "services-stable", "--cluster", cluster, "--services", "web")).ExitCode == 0);

        // A new revision with the alarms enabled (bake time 120 x 60 s); while it rolls out the alarm goes to ALARM: the
        // deployment fails and rolls back, and the waiter returns then.
        var v2 = await TaskDefinition(family, """{"team":"web","version":"2"}""");
        var updated = await _aws.Json("ecs", "update-service", "--cluster", cluster, "--service", "web", "--task-definition", v2,
            "--deployment-configuration", $"maximumPercent=200,minimumHealthyPercent=100,alarms={{alarmNames=[{alarm}],enable=true,rollback=true}}");
        Assert.True(updated.GetProperty("service").GetProperty("deploymentConfiguration").GetProperty("alarms").GetProperty("enable").GetBoolean());
        var deploymentId = updated.GetProperty("service").GetProperty("deployments")[0].GetProperty("id").GetString()!;
        var set = await _aws.Run("cloudwatch", "set-alarm-state", "--alarm-name", alarm, "--state-value", "ALARM", "--state-reason", "5xx from the new revision");
        Assert.True(set.ExitCode == 0, set.Stderr);
        var wait = await _aws.Run("ecs", "wait", "services-stable", "--cluster", cluster, "--services", "web");
        Assert.True(wait.ExitCode == 0, wait.Stderr);

        var service = (await _aws.Json("ecs", "describe-services", "--cluster", cluster, "--services", "web")).GetProperty("services")[0];
        Assert.Equal(good, service.GetProperty("taskDefinition").GetString());
        var deployments = service.GetProperty("deployments");
        Assert.Equal(1, deployments.GetArrayLength());
        Assert.NotEqual(deploymentId, deployments[0].GetProperty("id").GetString());
        var messages = service.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("message").GetString()!).ToList();
        Assert.Contains(messages, m => m.Contains($"(deployment {deploymentId}) deployment failed: ECS deployment alarms: alarm(s) {alarm} in ALARM state.", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.Contains("ECS deployment alarms: rolling back to deploymentId", StringComparison.Ordinal));
        await _aws.Run("cloudwatch", "delete-alarms", "--alarm-names", alarm);
    }

    [Fact]
    public async Task Bad_deployment_configurations_are_InvalidParameterException_and_change_nothing()
    {
        var cluster = EmulatorClusterFixture.Unique("cli-dep-bad");
        await _aws.Json("ecs", "create-cluster", "--cluster-name", cluster);
        await _aws.Json("ecs", "put-cluster-capacity-providers", "--cluster", cluster, "--capacity-providers", "FARGATE",
            "--default-capacity-provider-strategy", "capacityProvider=FARGATE,weight=1");
        var td = await TaskDefinition(EmulatorClusterFixture.Unique("cli-cfg"), "{}");
        await _aws.Json("ecs", "create-service", "--cluster", cluster, "--service-name", "web", "--task-definition", td, "--desired-count", "1",
            "--network-configuration", "awsvpcConfiguration={subnets=[subnet-0emulator000001]}");
        var before = (await _aws.Json("ecs", "describe-services", "--cluster", cluster, "--services", "web")).GetProperty("services")[0];

        var minAboveMax = await _aws.Run("ecs", "update-service", "--cluster", cluster, "--service", "web", "--deployment-configuration", "minimumHealthyPercent=100,maximumPercent=50");
        Assert.Contains("(InvalidParameterException)", minAboveMax.Stderr, StringComparison.Ordinal);
        Assert.Contains("minimumHealthyPercent", minAboveMax.Stderr, StringComparison.Ordinal);
        var noNames = await _aws.Run("ecs", "update-service", "--cluster", cluster, "--service", "web",
            "--deployment-configuration", "alarms={alarmNames=[],enable=true,rollback=true}");
        Assert.Contains("(InvalidParameterException)", noNames.Stderr, StringComparison.Ordinal);
        var codeDeploy = await _aws.Run("ecs", "create-service", "--cluster", cluster, "--service-name", "cd", "--task-definition", td, "--desired-count", "1",
            "--deployment-controller", "type=CODE_DEPLOY", "--deployment-configuration", "deploymentCircuitBreaker={enable=true,rollback=false}");
        Assert.Contains("(InvalidParameterException)", codeDeploy.Stderr, StringComparison.Ordinal);

        var after = await _aws.Json("ecs", "describe-services", "--cluster", cluster, "--services", "web", "cd");
        var web = after.GetProperty("services")[0];
        Assert.Equal(before.GetProperty("deploymentConfiguration").GetRawText(), web.GetProperty("deploymentConfiguration").GetRawText());
        Assert.Equal(1, web.GetProperty("deployments").GetArrayLength());
        Assert.Equal("MISSING", after.GetProperty("failures")[0].GetProperty("reason").GetString());
    }
}
