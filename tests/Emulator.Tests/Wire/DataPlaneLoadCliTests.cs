using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Emulator.Tests.EndToEnd;

namespace Emulator.Tests.Wire;

/// <summary>A silo at 20x: a real load generator's requests per wall second are a twentieth as many per emulated second.</summary>
public sealed class SlowSiloFixture : SiloProcessFixture
{
    protected override double TimeScale => 20;
}

/// <summary>The load-generator test runs on its own, after the parallel collections: it needs the cores it measures with.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DataPlaneLoadCollection : ICollectionFixture<SlowSiloFixture>
{
    public const string Name = "data-plane-load";
}

/// <summary>
/// Issue 17: a real HTTP load generator pointed at a load balancer's data plane drives the service's CPU and its
/// target tracking policy like synthetic traffic does (B-LB-4, B-AS-2): every real request counts in the service's
/// figures, CloudWatch's CPUUtilization rises with the request rate, the policy's high alarm fires and the service
/// scales out. Set up with the real AWS CLI; the load is plain HTTP GETs at the listener's loopback port.
/// </summary>
[Collection(DataPlaneLoadCollection.Name)]
public sealed class DataPlaneLoadCliTests(SlowSiloFixture silo)
{
    private readonly AwsCli _aws = new(silo.Endpoint);

    [Fact]
    public async Task B_AS_2_real_requests_at_the_load_balancer_raise_cpu_and_scale_the_service_out()
    {
        var cluster = EmulatorClusterFixture.Unique("dpl");
        await _aws.Json("ecs", "create-cluster", "--cluster-name", cluster);
        var file = Path.GetTempFileName();
        await File.WriteAllTextAsync(file, $$"""
            {"family":"{{cluster}}-web","networkMode":"awsvpc","requiresCompatibilities":["FARGATE"],"cpu":"256","memory":"512",
             "containerDefinitions":[{"name":"web","image":"nginx","portMappings":[{"containerPort":80}]}]}
            """);
        await _aws.Json("ecs", "register-task-definition", "--cli-input-json", "file://" + file);
        var lb = (await _aws.Json("elbv2", "create-load-balancer", "--name", cluster, "--subnets", "subnet-0emulator000001", "subnet-0emulator000002"))
            .GetProperty("LoadBalancers")[0];
        var tg = (await _aws.Json("elbv2", "create-target-group", "--name", cluster + "-tg", "--protocol", "HTTP", "--port", "80",
                "--vpc-id", lb.GetProperty("VpcId").GetString()!, "--target-type", "ip", "--healthy-threshold-count", "2",
                "--health-check-interval-seconds", "10", "--health-check-timeout-seconds", "5"))
            .GetProperty("TargetGroups")[0].GetProperty("TargetGroupArn").GetString()!;
        await _aws.Json("elbv2", "create-listener", "--load-balancer-arn", lb.GetProperty("LoadBalancerArn").GetString()!, "--protocol", "HTTP",
            "--port", "80", "--default-actions", $"Type=forward,TargetGroupArn={tg}");
        var created = await _aws.Run("ecs", "create-service", "--cluster", cluster, "--service-name", "web", "--task-definition", cluster + "-web",
            "--desired-count", "1", "--launch-type", "FARGATE", "--load-balancers", $"targetGroupArn={tg},containerName=web,containerPort=80",
            "--network-configuration", "awsvpcConfiguration={subnets=[subnet-0emulator000001],assignPublicIp=DISABLED}");
        Assert.True(created.ExitCode == 0, created.Stderr);
        var resource = $"service/{cluster}/web";
        string[] target = ["--service-namespace", "ecs", "--scalable-dimension", "ecs:service:DesiredCount", "--resource-id", resource];
        Assert.Equal(0, (await _aws.Run(["application-autoscaling", "register-scalable-target", .. target, "--min-capacity", "1", "--max-capacity", "4"])).ExitCode);
        await _aws.Json(["application-autoscaling", "put-scaling-policy", .. target, "--policy-name", "cpu20", "--policy-type", "TargetTrackingScaling",
            "--target-tracking-scaling-policy-configuration",
            """{"TargetValue":20.0,"PredefinedMetricSpecification":{"PredefinedMetricType":"ECSServiceAverageCPUUtilization"},"ScaleOutCooldown":60}"""]);

        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 16 }) { Timeout = TimeSpan.FromSeconds(10) };
        string? url = null;
        var probes = 0;
        await EmulatorReads.Until("a healthy target behind an active load balancer", async () =>
        {
            var view = JsonDocument.Parse(await http.GetStringAsync($"{silo.Endpoint}/emulator/load-balancers")).RootElement.EnumerateArray()
                .Single(v => v.GetProperty("name").GetString() == cluster);
            url = view.GetProperty("listeners")[0].GetProperty("loopbackUrl").GetString();
            try
            {
                using var probe = await http.GetAsync(url);
                probes++;
                return probe.StatusCode == HttpStatusCode.OK;
            }
            catch (HttpRequestException)
            {
                return false; // the data plane's port opens within a second of the listener
            }
        });

        // The load: 16 workers GET the listener as fast as it answers until the service has scaled out (or 3 minutes).
        long ok = 0, failed = 0;
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var sw = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, 16).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    using var r = await http.GetAsync(url, stop.Token);
                    if (r.StatusCode == HttpStatusCode.OK)
                    {
                        Interlocked.Increment(ref ok);
                    }
                    else
                    {
                        Interlocked.Increment(ref failed);
                    }
                }
                catch (OperationCanceledException)
                {
                    break;
                }
                catch (HttpRequestException)
                {
                    Interlocked.Increment(ref failed);
                }
            }
        })).ToList();
        var desired = 1;
        while (!stop.IsCancellationRequested && desired < 2)
        {
            await Task.Delay(500);
            desired = (await _aws.Json("ecs", "describe-services", "--cluster", cluster, "--services", "web")).GetProperty("services")[0]
                .GetProperty("desiredCount").GetInt32();
        }

        await stop.CancelAsync();
        await Task.WhenAll(workers);
        var rate = ok / sw.Elapsed.TotalSeconds;
        var figures = string.Create(CultureInfo.InvariantCulture, $"{ok} answered, {failed} failed, {rate:0} requests/s wall ({rate / 20:0.0}/s emulated) over {sw.Elapsed.TotalSeconds:0} s");
        Assert.True(desired >= 2, "the service did not scale out: " + figures);

        // The real requests are the service's requests: its traffic figures and CloudWatch's CPU saw them.
        // (The data plane hands its counts over in batches every 100 ms: the last batch arrives a moment after the load stops.)
        var counted = 0.0;
        await EmulatorReads.Until("every answered request in the service's figures (" + figures + ")", async () =>
        {
            counted = JsonDocument.Parse(await http.GetStringAsync($"{silo.Endpoint}/emulator/traffic/{cluster}")).RootElement.EnumerateArray()
                .Single(s => s.GetProperty("service").GetString() == "web").GetProperty("requests").GetDouble();
            return counted >= ok;
        });
        // At most the probes and the 16 requests in flight when the load stopped (answered, but cancelled on this side) more.
        Assert.True(counted <= ok + failed + probes + 16, $"{counted} counted, {probes} probes before the load: " + figures);
        var status = JsonDocument.Parse(await http.GetStringAsync($"{silo.Endpoint}/emulator/status/{cluster}")).RootElement;
        var now = DateTimeOffset.Parse(status.GetProperty("now").GetString()!, CultureInfo.InvariantCulture);
        var cpu = await _aws.Json("cloudwatch", "get-metric-statistics", "--namespace", "AWS/ECS", "--metric-name", "CPUUtilization",
            "--dimensions", $"Name=ClusterName,Value={cluster}", "Name=ServiceName,Value=web",
            "--start-time", (now - TimeSpan.FromHours(1)).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
            "--end-time", (now + TimeSpan.FromMinutes(5)).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
            "--period", "60", "--statistics", "Maximum");
        Assert.Contains(cpu.GetProperty("Datapoints").EnumerateArray(), d => d.GetProperty("Maximum").GetDouble() > 20);
        var activities = await _aws.Json("application-autoscaling", "describe-scaling-activities", "--service-namespace", "ecs", "--resource-id", resource);
        Assert.Contains(activities.GetProperty("ScalingActivities").EnumerateArray(), a => a.GetProperty("Cause").GetString()!.Contains("AlarmHigh", StringComparison.Ordinal));
    }
}
