using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Xunit.Abstractions;

namespace Emulator.Tests.Wire;

/// <summary>A silo of its own for the CDK workshop (it uses the workshop's fixed names: cluster container-demo).</summary>
public sealed class CdkSiloFixture : SiloProcessFixture;

/// <summary>The CDK example runs alone, after the parallel collections (synth and deploy take tens of wall seconds).</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class CdkCollection : ICollectionFixture<CdkSiloFixture>
{
    public const string Name = "cdk";
}

/// <summary>
/// The seed workshop as written (issue 17): the CDK example app (examples/cdk, CDK v2 from the committed lockfile)
/// synthesized, its platform stack deployed with <c>cdk deploy</c> (BootstraplessSynthesizer: no bootstrap stack, no
/// asset bucket), the workshop's <c>put-cluster-capacity-providers</c>, the Fargate service stack deployed from the
/// synthesized template with <c>aws cloudformation deploy</c>, <c>cdk diff</c> showing no difference, <c>curl</c> of the
/// load balancer answering the seed's JSON with the 3 FARGATE / 7 FARGATE_SPOT split, and <c>cdk destroy</c> leaving
/// nothing.
/// </summary>
[Collection(CdkCollection.Name)]
public sealed class CdkWorkshopTests(CdkSiloFixture silo, ITestOutputHelper output)
{
    private readonly AwsCli _aws = new(silo.Endpoint);

    private static string AppDirectory()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Emulator.sln")))
        {
            dir = dir.Parent;
        }

        return Path.Combine(dir?.FullName ?? throw new InvalidOperationException("no Emulator.sln above the test binaries"), "examples", "cdk");
    }

    private async Task<(int ExitCode, string Output)> Cdk(string outDir, params string[] args)
    {
        var info = new ProcessStartInfo("npx") { WorkingDirectory = AppDirectory(), RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add("cdk");
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        info.ArgumentList.Add("--output");
        info.ArgumentList.Add(outDir);
        info.Environment["AWS_ENDPOINT_URL"] = silo.Endpoint;
        info.Environment["AWS_ACCESS_KEY_ID"] = "x";
        info.Environment["AWS_SECRET_ACCESS_KEY"] = "x";
        info.Environment["AWS_DEFAULT_REGION"] = "us-east-1";
        info.Environment["AWS_REGION"] = "us-east-1";
        info.Environment["CDK_DISABLE_VERSION_CHECK"] = "1";
        info.Environment["CDK_DISABLE_CLI_TELEMETRY"] = "true";
        using var p = Process.Start(info)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        var text = await stdout + await stderr;
        return (p.ExitCode, text);
    }

    [Fact]
    public async Task Workshop_cdk_app_deploys_answers_curl_with_the_seed_split_and_destroys_leaving_nothing()
    {
        Assert.True(Directory.Exists(Path.Combine(AppDirectory(), "node_modules", "aws-cdk-lib")), "examples/cdk needs `npm ci` (test.sh runs it)");
        var outDir = Path.Combine(Path.GetTempPath(), "cdk-out-" + Guid.NewGuid().ToString("N"));
        var destroyed = false;
        try
        {

            // cdk synth: one template per stack, inline-sized (no asset upload).
            var synth = await Cdk(outDir, "synth", "--all", "--quiet");
            Assert.True(synth.ExitCode == 0, synth.Output);
            var baseTemplate = Path.Combine(outDir, "ecsworkshop-base.template.json");
            var fargateTemplate = Path.Combine(outDir, "ecsworkshop-capacityproviders-fargate.template.json");
            Assert.Contains("AWS::ECS::Cluster", await File.ReadAllTextAsync(baseTemplate), StringComparison.Ordinal);
            Assert.True(new FileInfo(fargateTemplate).Length < 51_200, "the service template must stay inline-sized (51,200 bytes)");

            // cdk deploy of the platform (the figure: its wall time).
            var sw = Stopwatch.StartNew();
            var deployBase = await Cdk(outDir, "deploy", "ecsworkshop-base", "--require-approval", "never");
            sw.Stop();
            Assert.True(deployBase.ExitCode == 0, deployBase.Output);
            output.WriteLine($"cdk deploy ecsworkshop-base: {sw.Elapsed.TotalSeconds:F1} s wall (synth included)");
            var platform = (await _aws.Json("cloudformation", "describe-stacks", "--stack-name", "ecsworkshop-base")).GetProperty("Stacks")[0];
            Assert.Equal("CREATE_COMPLETE", platform.GetProperty("StackStatus").GetString());
            var vpcId = platform.GetProperty("Outputs").EnumerateArray().First(o => o.GetProperty("OutputKey").GetString()!.StartsWith("ExportsOutputRefBaseVPC", StringComparison.Ordinal)
                && o.GetProperty("OutputValue").GetString()!.StartsWith("vpc-", StringComparison.Ordinal)).GetProperty("OutputValue").GetString()!;

            // The workshop's CLI step: Fargate capacity providers on the existing cluster.
            await _aws.Json("ecs", "put-cluster-capacity-providers", "--cluster", "container-demo", "--capacity-providers", "FARGATE", "FARGATE_SPOT",
                "--default-capacity-provider-strategy", "capacityProvider=FARGATE,weight=1,base=1", "capacityProvider=FARGATE_SPOT,weight=4");

            // The service stack from the synthesized template with the AWS CLI.
            var deployService = await _aws.Run("cloudformation", "deploy", "--stack-name", "ecsworkshop-capacityproviders-fargate", "--template-file", fargateTemplate,
                "--capabilities", "CAPABILITY_IAM");
            Assert.True(deployService.ExitCode == 0, deployService.Stdout + deployService.Stderr);

            // cdk diff after deploy: nothing to change.
            var diff = await Cdk(outDir, "diff", "ecsworkshop-base", "ecsworkshop-capacityproviders-fargate");
            Assert.True(diff.ExitCode == 0, diff.Output);
            Assert.Contains("Number of stacks with differences: 0", diff.Output, StringComparison.Ordinal);

            // curl the load balancer: the seed's JSON, 10 tasks split 3 FARGATE / 7 FARGATE_SPOT by the cluster's default strategy.
            using var http = new HttpClient();
            var url = await ListenerUrl(http);
            var split = await Split(http, url, "FARGATE", "FARGATE_SPOT");
            Assert.Equal(3, split.GetValueOrDefault("FARGATE"));
            Assert.Equal(7, split.GetValueOrDefault("FARGATE_SPOT"));

            // cdk destroy: both stacks deleted, and with them the cluster, the load balancer and the VPC.
            var destroy = await Cdk(outDir, "destroy", "--all", "--force");
            destroyed = true;
            Assert.True(destroy.ExitCode == 0, destroy.Output);
            var stacks = (await _aws.Json("cloudformation", "list-stacks")).GetProperty("StackSummaries").EnumerateArray()
                .Where(s => s.GetProperty("StackName").GetString()!.StartsWith("ecsworkshop-", StringComparison.Ordinal)).ToList();
            Assert.NotEmpty(stacks);
            Assert.All(stacks, s => Assert.Equal("DELETE_COMPLETE", s.GetProperty("StackStatus").GetString()));
            Assert.Equal("INACTIVE", (await _aws.Json("ecs", "describe-clusters", "--clusters", "container-demo")).GetProperty("clusters")[0].GetProperty("status").GetString());
            Assert.Empty((await _aws.Json("elbv2", "describe-load-balancers")).GetProperty("LoadBalancers").EnumerateArray());
            Assert.Contains("InvalidVpcID.NotFound", (await _aws.Run("ec2", "describe-vpcs", "--vpc-ids", vpcId)).Stderr, StringComparison.Ordinal);
            Assert.Empty((await http.GetFromJsonAsync<JsonElement>(silo.Endpoint + "/emulator/load-balancers")).EnumerateArray());
        }
        finally
        {
            if (!destroyed)
            {
                // a failure above leaves the workshop's stacks: remove them so the other test starts clean
                await Cdk(outDir, ["destroy", "--all", "--force", "-c", "ec2Capacity=true", "-c", "spotCapacity=true"]);
            }
        }
    }

    /// <summary>
    /// The chapter "ECS cluster auto scaling": the platform with its EC2 (and Spot) capacity from <c>cdk deploy -c
    /// ec2Capacity=true -c spotCapacity=true</c>, the workshop's capacity provider with managed scaling on the stack's
    /// Auto Scaling group, the EC2 service of 10 tasks deployed by <c>cdk deploy</c>: cluster auto scaling launches the
    /// instances, the load balancer answers with every task on the capacity provider; destroy terminates everything.
    /// </summary>
    [Fact]
    public async Task Cluster_auto_scaling_chapter_deploys_the_ec2_service_on_managed_capacity_and_destroys_its_instances()
    {
        Assert.True(Directory.Exists(Path.Combine(AppDirectory(), "node_modules", "aws-cdk-lib")), "examples/cdk needs `npm ci` (test.sh runs it)");
        var outDir = Path.Combine(Path.GetTempPath(), "cdk-out-" + Guid.NewGuid().ToString("N"));
        string[] chapter = ["-c", "ec2Capacity=true", "-c", "spotCapacity=true", "-c", "ec2Count=10"];
        var destroyed = false;
        try
        {
            var deployBase = await Cdk(outDir, ["deploy", "ecsworkshop-base", "--require-approval", "never", .. chapter]);
            Assert.True(deployBase.ExitCode == 0, deployBase.Output);
            var outputs = (await _aws.Json("cloudformation", "describe-stacks", "--stack-name", "ecsworkshop-base")).GetProperty("Stacks")[0].GetProperty("Outputs")
                .EnumerateArray().ToDictionary(o => o.GetProperty("OutputKey").GetString()!, o => o.GetProperty("OutputValue").GetString()!);
            var asg = outputs["EC2AutoScalingGroupName"];
            Assert.False(string.IsNullOrEmpty(outputs["EC2SpotAutoScalingGroupName"]));
            var asgArn = (await _aws.Json("autoscaling", "describe-auto-scaling-groups", "--auto-scaling-group-names", asg))
                .GetProperty("AutoScalingGroups")[0].GetProperty("AutoScalingGroupARN").GetString()!;

            // The workshop's commands: a capacity provider with managed scaling on the stack's group, the cluster's default.
            var provider = "EC2" + Guid.NewGuid().ToString("N")[..8];
            await _aws.Json("ecs", "create-capacity-provider", "--name", provider, "--auto-scaling-group-provider",
                $"autoScalingGroupArn={asgArn},managedScaling={{status=ENABLED,targetCapacity=80}},managedTerminationProtection=DISABLED");
            await _aws.Json("ecs", "put-cluster-capacity-providers", "--cluster", "container-demo", "--capacity-providers", provider,
                "--default-capacity-provider-strategy", $"capacityProvider={provider},weight=1,base=1");

            var deployService = await Cdk(outDir, ["deploy", "ecsworkshop-capacityproviders-ec2", "--require-approval", "never", .. chapter]);
            Assert.True(deployService.ExitCode == 0, deployService.Output);
            var service = (await _aws.Json("ecs", "describe-services", "--cluster", "container-demo", "--services", "ecsdemo-capacityproviders-ec2")).GetProperty("services")[0];
            Assert.Equal(10, service.GetProperty("runningCount").GetInt32());
            var group = (await _aws.Json("autoscaling", "describe-auto-scaling-groups", "--auto-scaling-group-names", asg)).GetProperty("AutoScalingGroups")[0];
            Assert.True(group.GetProperty("Instances").GetArrayLength() > 0, "cluster auto scaling launched no instance");

            using var http = new HttpClient();
            var stack = (await _aws.Json("cloudformation", "describe-stacks", "--stack-name", "ecsworkshop-capacityproviders-ec2")).GetProperty("Stacks")[0];
            var dns = new Uri(stack.GetProperty("Outputs").EnumerateArray().Single(o => o.GetProperty("OutputKey").GetString() == "LoadBalancerUrl").GetProperty("OutputValue").GetString()!).Host;
            var lb = (await http.GetFromJsonAsync<JsonElement>(silo.Endpoint + "/emulator/load-balancers")).EnumerateArray()
                .Single(l => string.Equals(l.GetProperty("dnsName").GetString(), dns, StringComparison.OrdinalIgnoreCase));
            var split = await Split(http, lb.GetProperty("listeners")[0].GetProperty("loopbackUrl").GetString()!, provider);
            Assert.Equal(10, split.GetValueOrDefault(provider));

            var destroy = await Cdk(outDir, ["destroy", "--all", "--force", .. chapter]);
            destroyed = true;
            Assert.True(destroy.ExitCode == 0, destroy.Output);
            Assert.Empty((await _aws.Json("autoscaling", "describe-auto-scaling-groups", "--auto-scaling-group-names", asg)).GetProperty("AutoScalingGroups").EnumerateArray());
            var running = await _aws.Json("ec2", "describe-instances", "--filters", "Name=instance-state-name,Values=pending,running");
            Assert.Empty(running.GetProperty("Reservations").EnumerateArray().SelectMany(r => r.GetProperty("Instances").EnumerateArray()));
        }
        finally
        {
            if (!destroyed)
            {
                // a failure above leaves the workshop's stacks: remove them so the other test starts clean
                await Cdk(outDir, ["destroy", "--all", "--force", .. chapter]);
            }
        }
    }

    private async Task<string> ListenerUrl(HttpClient http)
    {
        var stack = (await _aws.Json("cloudformation", "describe-stacks", "--stack-name", "ecsworkshop-capacityproviders-fargate")).GetProperty("Stacks")[0];
        var lbUrl = stack.GetProperty("Outputs").EnumerateArray().Single(o => o.GetProperty("OutputKey").GetString() == "LoadBalancerUrl").GetProperty("OutputValue").GetString()!;
        var dns = new Uri(lbUrl).Host;
        var lbs = await http.GetFromJsonAsync<JsonElement>(silo.Endpoint + "/emulator/load-balancers");
        var lb = lbs.EnumerateArray().Single(l => string.Equals(l.GetProperty("dnsName").GetString(), dns, StringComparison.OrdinalIgnoreCase)); // Uri.Host is lower case
        return lb.GetProperty("listeners")[0].GetProperty("loopbackUrl").GetString()!;
    }

    /// <summary>
    /// The capacity provider of every task in ALL_TASKS, once the answer lists the service's 10 tasks (while a
    /// replacement task is starting, ALL_TASKS briefly lists it too).
    /// </summary>
    private async Task<Dictionary<string, int>> Split(HttpClient http, string url, params string[] strategies)
    {
        var sw = Stopwatch.StartNew();
        var last = "";
        while (sw.Elapsed < TimeSpan.FromMinutes(3))
        {
            using var response = await http.GetAsync(url);
            last = await response.Content.ReadAsStringAsync();
            if (response.IsSuccessStatusCode)
            {
                var body = JsonDocument.Parse(last).RootElement;
                Assert.StartsWith("arn:aws:ecs:us-east-1:", body.GetProperty("MY_ARN").GetString(), StringComparison.Ordinal);
                Assert.Contains(body.GetProperty("MY_STRATEGY").GetString(), strategies);
                var tasks = body.GetProperty("ALL_TASKS").EnumerateObject().ToList();
                if (tasks.Count == 10)
                {
                    return tasks.GroupBy(t => t.Value.GetString()!).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
                }
            }

            await Task.Delay(500);
        }

        throw new Xunit.Sdk.XunitException("the load balancer never answered with the service's 10 tasks; last answer: " + last);
    }
}
