using System.Collections.Immutable;
using System.Text.Json;
using Emulator.Contracts;
using Emulator.Model.Catalog;
using Emulator.Silo.Dashboard;
using TaskStatus = Emulator.Contracts.TaskStatus;

namespace Emulator.Tests.Hosting;

/// <summary>
/// The dashboard's JSON views (issue 15) as pure functions of the grains' answers: lanes per capacity provider with
/// N, M and CPR (B-CAS-1..3), tasks encoded per instance in creation order (B-TL-1 states), the PROVISIONING queue
/// and Fargate tasks per lane (B-PQ-1), launching instances (B-ASG-1), deployments' own task counts (B-DP-1), and the
/// task counts over time swept from the task records.
/// </summary>
public sealed class DashboardViewTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly DashboardSettings Settings = new(60, TimeSpan.FromMinutes(1), TimeSpan.FromHours(1),
        type => InstanceCatalog.Default.TryGet(type, out var info) ? InstanceCatalog.Default.Registered(info) : null);

    private static TaskRecord Task(string id, TaskStatus status, string? instance, DateTimeOffset created, string? provider = "cp",
        LaunchType launchType = LaunchType.EC2, DesiredStatus desired = DesiredStatus.RUNNING, string service = "web", string deployment = "ecs-svc/1",
        int cpu = 256, int memory = 512) =>
        new(id, "c", "arn:aws:ecs:us-east-1:000000000000:task-definition/web:1", new TaskRequirements(cpu, memory, [], 0, NetworkMode.bridge),
            "service:" + service, deployment, service, deployment, provider, launchType, instance, instance is null ? null : "i-" + instance, "us-east-1a",
            status, desired, 1, created, status >= TaskStatus.RUNNING ? created + TimeSpan.FromSeconds(10) : null, null,
            status == TaskStatus.STOPPED ? created + TimeSpan.FromMinutes(1) : null, null, null, null, false, [], null, null, 30, null);

    private static ContainerInstanceRecord Instance(string id, string? provider = "cp", ContainerInstanceStatus status = ContainerInstanceStatus.ACTIVE, int minute = 0) =>
        new(id, "c", "i-" + id, "m5.large", "us-east-1a", provider, "asg", true, status, true,
            InstanceCatalog.Default.Registered("m5.large"), new ResourceSet(512, 1024, 0, 0), InstanceCatalog.AgentReservedPorts,
            ImmutableDictionary<string, string>.Empty, T0 + TimeSpan.FromMinutes(minute), 1, 1, 1, ImmutableDictionary<string, int>.Empty, 2, false);

    private static ClusterStatus Status(ImmutableArray<ContainerInstanceRecord> instances, ImmutableArray<TaskRecord> tasks,
        ImmutableArray<AsgInstance> asgInstances = default, ImmutableArray<ServiceInfo> services = default)
    {
        var spec = new CapacityProviderSpec("cp", "asg", ManagedScalingSpec.Default, true, false, ImmutableDictionary<string, string>.Empty);
        var cas = new CasStatus(4, 3, 133.33333, 100, 4, T0, "High", "M=4 N=3", 1, [100, 133.33333], 2);
        var provider = new CapacityProviderInfo("cp", "arn:cp", "ACTIVE", ProviderType.AutoScalingGroup, spec, "c", "arn:asg", cas);
        var asgSpec = new AsgSpec("asg", 0, 10, 4, ["us-east-1a"], ["m5.large"], null, "c", false, true, false, "1",
            ImmutableDictionary<string, string>.Empty, "lt", null);
        var asg = new AsgInfo(asgSpec, "arn:asg", 4, asgInstances.IsDefault ? [] : asgInstances, "cp", T0, "Active", 1.5m);
        var info = new ClusterInfo("c", "arn:aws:ecs:us-east-1:000000000000:cluster/c", "ACTIVE", instances.Length, 0, 0, 1, ["cp"],
            [new CapacityProviderStrategyItem("cp", 1, 0)], 1, ImmutableDictionary<string, string>.Empty, ["web"], ResourceSet.Zero, ResourceSet.Zero);
        var costs = new CostReport(2m, 1.5m, 0.5m, ImmutableDictionary<string, decimal>.Empty.Add("cp", 1.5m), ImmutableDictionary<string, decimal>.Empty);
        return new ClusterStatus(info, [provider], [asg], instances, tasks, services.IsDefault ? [] : services, T0 + TimeSpan.FromMinutes(30), costs);
    }

    private static JsonElement Snapshot(ClusterStatus s) => JsonDocument.Parse(DashboardSnapshot.Write(s, Settings)).RootElement;

    [Fact]
    public void B_CAS_3_a_lane_per_provider_carries_N_M_CPR_against_the_target_desired_and_alarm()
    {
        var json = Snapshot(Status([Instance("a")], []));
        var lane = json.GetProperty("lanes")[0];
        Assert.Equal("cp", lane.GetProperty("name").GetString());
        Assert.Equal("ASG", lane.GetProperty("type").GetString());
        Assert.Equal(100, lane.GetProperty("targetCapacity").GetInt32());
        var cas = lane.GetProperty("cas");
        Assert.Equal(4, cas.GetProperty("m").GetInt32());
        Assert.Equal(3, cas.GetProperty("n").GetInt32());
        Assert.Equal(133.333, cas.GetProperty("cpr").GetDouble());
        Assert.Equal("High", cas.GetProperty("alarm").GetString());
        Assert.Equal(2, cas.GetProperty("datapoints").GetArrayLength());
        Assert.Equal(4, lane.GetProperty("group").GetProperty("desired").GetInt32());
        Assert.Equal(1, lane.GetProperty("defaultStrategy").GetProperty("weight").GetInt32());
        Assert.Equal(1.5, lane.GetProperty("cost").GetDouble());
        Assert.Equal(JsonValueKind.Array, lane.GetProperty("alarms").ValueKind); // hook for issue 11's alarms
    }

    [Fact]
    public void B_TL_1_tasks_are_codes_per_instance_in_creation_order_and_stopped_tasks_are_left_out()
    {
        var tasks = ImmutableArray.Create(
            Task("t2", TaskStatus.PENDING, "a", T0 + TimeSpan.FromMinutes(2)),
            Task("t1", TaskStatus.RUNNING, "a", T0 + TimeSpan.FromMinutes(1)),
            Task("t3", TaskStatus.RUNNING, "a", T0 + TimeSpan.FromMinutes(3), desired: DesiredStatus.STOPPED),
            Task("t4", TaskStatus.STOPPED, "a", T0));
        var json = Snapshot(Status([Instance("a")], tasks));
        var shapes = json.GetProperty("shapes");
        Assert.Equal(1, shapes.GetArrayLength());
        Assert.Equal(256, shapes[0].GetProperty("cpu").GetInt32());
        Assert.Equal(512, shapes[0].GetProperty("mem").GetInt32());
        Assert.Equal("web:1", shapes[0].GetProperty("td").GetString());
        var codes = json.GetProperty("instances")[0].GetProperty("t").EnumerateArray().Select(e => e.GetInt32()).ToList();
        Assert.Equal([(int)TaskStatus.RUNNING, (int)TaskStatus.PENDING, (int)TaskStatus.RUNNING + 8], codes);
    }

    [Fact]
    public void B_PQ_1_the_provisioning_queue_and_fargate_tasks_are_unplaced_tasks_of_their_lane()
    {
        var tasks = ImmutableArray.Create(
            Task("q1", TaskStatus.PROVISIONING, null, T0),
            Task("f1", TaskStatus.RUNNING, null, T0, provider: "FARGATE", launchType: LaunchType.FARGATE, service: "api", cpu: 1024, memory: 2048));
        var json = Snapshot(Status([Instance("a")], tasks));
        var lanes = json.GetProperty("lanes").EnumerateArray().Select(l => l.GetProperty("name").GetString()).ToList();
        Assert.Equal(["cp", "FARGATE"], lanes); // FARGATE used by a task without being associated: an extra lane
        Assert.Equal(1, json.GetProperty("lanes")[0].GetProperty("queued").GetInt32());
        var unplaced = json.GetProperty("unplaced");
        var queued = Assert.Single(unplaced[0].EnumerateArray()).GetInt32();
        Assert.Equal((int)TaskStatus.PROVISIONING, queued & 15);
        var fargate = Assert.Single(unplaced[1].EnumerateArray()).GetInt32();
        Assert.Equal((int)TaskStatus.RUNNING, fargate & 15);
        Assert.Equal(1024, json.GetProperty("shapes")[fargate >> 4].GetProperty("cpu").GetInt32());
    }

    [Fact]
    public void B_ASG_1_instances_the_group_launched_but_the_cluster_does_not_know_yet_are_launching()
    {
        var asgInstances = ImmutableArray.Create(
            new AsgInstance("i-a", "m5.large", "us-east-1a", true, LifecycleState.InService, true, T0, T0, true, "1", null, 0.03m, null),
            new AsgInstance("i-new", "m5.large", "us-east-1b", true, LifecycleState.Pending, true, T0 + TimeSpan.FromMinutes(29), null, false, "1", null, 0.03m, null),
            new AsgInstance("i-gone", "m5.large", "us-east-1b", true, LifecycleState.Terminated, true, T0, T0, false, "1", null, 0.03m, T0));
        var json = Snapshot(Status([Instance("a")], [], asgInstances));
        var launching = Assert.Single(json.GetProperty("launching").EnumerateArray());
        Assert.Equal("i-new", launching.GetProperty("ec2").GetString());
        Assert.Equal("Pending", launching.GetProperty("state").GetString());
        Assert.Equal(InstanceCatalog.Default.Registered("m5.large").Cpu, launching.GetProperty("cpu").GetInt32());
        Assert.Equal(0, launching.GetProperty("lane").GetInt32());
        var registered = Assert.Single(json.GetProperty("instances").EnumerateArray());
        Assert.Equal("InService", registered.GetProperty("asgState").GetString());
        Assert.True(registered.GetProperty("spot").GetBoolean());
    }

    [Fact]
    public void B_CI_3_draining_instances_keep_their_status_and_instances_without_a_provider_get_their_own_lane()
    {
        var json = Snapshot(Status([Instance("a", status: ContainerInstanceStatus.DRAINING), Instance("b", provider: null)], []));
        Assert.Equal(["cp", DashboardSnapshot.NoProviderLane], json.GetProperty("lanes").EnumerateArray().Select(l => l.GetProperty("name").GetString()).ToList());
        Assert.Equal(1, json.GetProperty("lanes")[0].GetProperty("draining").GetInt32());
        var byId = json.GetProperty("instances").EnumerateArray().ToDictionary(i => i.GetProperty("ci").GetString()!);
        Assert.Equal("DRAINING", byId["a"].GetProperty("status").GetString());
        Assert.Equal(1, byId["b"].GetProperty("lane").GetInt32());
    }

    [Fact]
    public void B_DP_1_each_deployment_counts_its_own_running_and_pending_tasks()
    {
        var td = new TaskDefinitionRecord("arn:aws:ecs:us-east-1:000000000000:task-definition/web:2", "web", 2,
            new TaskDefinitionSpec("web", [], null, null, NetworkMode.bridge, [], [], ImmutableDictionary<string, string>.Empty), true, T0, null,
            new TaskRequirements(256, 512, [], 0, NetworkMode.bridge), 30);
        var spec = new ServiceSpec("c", "web", td, 4, null, [], [], [], SchedulingStrategy.REPLICA, 100, 200, ImmutableDictionary<string, string>.Empty, null);
        var primary = new DeploymentInfo("ecs-svc/2", "PRIMARY", td.Arn, 4, 1, 2, 0, DeploymentRolloutState.IN_PROGRESS, "", T0, T0, null, [], td);
        var old = new DeploymentInfo("ecs-svc/1", "ACTIVE", td.Arn, 0, 0, 0, 0, DeploymentRolloutState.COMPLETED, "", T0, T0, null, [], td);
        var service = new ServiceInfo(spec, "arn:svc", ServiceStatus.ACTIVE, 4, 1, [primary, old], [], T0, false, ImmutableDictionary<string, int>.Empty);
        var tasks = ImmutableArray.Create(
            Task("n1", TaskStatus.RUNNING, "a", T0, deployment: "ecs-svc/2"),
            Task("n2", TaskStatus.PENDING, "a", T0, deployment: "ecs-svc/2"),
            Task("o1", TaskStatus.RUNNING, "a", T0, deployment: "ecs-svc/1"),
            Task("o2", TaskStatus.RUNNING, "a", T0, deployment: "ecs-svc/1"),
            Task("o3", TaskStatus.RUNNING, "a", T0, deployment: "ecs-svc/1", desired: DesiredStatus.STOPPED));
        var json = Snapshot(Status([Instance("a")], tasks, services: [service]));
        var deployments = json.GetProperty("services")[0].GetProperty("deployments").EnumerateArray().ToDictionary(d => d.GetProperty("id").GetString()!);
        Assert.Equal(1, deployments["ecs-svc/2"].GetProperty("tasksRunning").GetInt32());
        Assert.Equal(1, deployments["ecs-svc/2"].GetProperty("tasksPending").GetInt32());
        Assert.Equal(2, deployments["ecs-svc/1"].GetProperty("tasksRunning").GetInt32()); // o3 is being stopped
        Assert.Equal(JsonValueKind.Null, json.GetProperty("services")[0].GetProperty("autoScaling").ValueKind); // hook for issue 11
        Assert.Equal(0, json.GetProperty("shapes")[0].GetProperty("service").GetInt32());
    }

    [Fact]
    public void B_DP_6_a_service_shows_its_traffic_shift_stage_weights_countdown_and_hooks()
    {
        var td = new TaskDefinitionRecord("arn:aws:ecs:us-east-1:000000000000:task-definition/web:2", "web", 2,
            new TaskDefinitionSpec("web", [], null, null, NetworkMode.bridge, [], [], ImmutableDictionary<string, string>.Empty), true, T0, null,
            new TaskRequirements(256, 512, [], 0, NetworkMode.bridge), 30);
        var spec = new ServiceSpec("c", "web", td, 4, null, [], [], [], SchedulingStrategy.REPLICA, 100, 200, ImmutableDictionary<string, string>.Empty, null);
        var hook = new LifecycleHookDetail("sd1-4-0", "PAUSE", null, "AWAITING_ACTION", T0 + TimeSpan.FromMinutes(90), "ROLLBACK", "PRE_PRODUCTION_TRAFFIC_SHIFT");
        var shift = new TrafficShiftView("LINEAR", "PRODUCTION_TRAFFIC_SHIFT", 20, 100, 1, 5, T0 + TimeSpan.FromMinutes(31),
            "arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/web-blue/0123456789abcdef",
            "arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/web-green/0123456789abcdef", "rule", null, [hook], "IN_PROGRESS", null, "ecs-svc/2", "ecs-svc/1", "r1");
        var service = new ServiceInfo(spec, "arn:svc", ServiceStatus.ACTIVE, 8, 0, [], [], T0, false, ImmutableDictionary<string, int>.Empty, null, [], shift);
        var json = Snapshot(Status([Instance("a")], [], services: [service])).GetProperty("services")[0].GetProperty("trafficShift");
        Assert.Equal("LINEAR", json.GetProperty("strategy").GetString());
        Assert.Equal("PRODUCTION_TRAFFIC_SHIFT", json.GetProperty("stage").GetString());
        Assert.Equal(20, json.GetProperty("productionGreen").GetDouble());
        Assert.Equal(100, json.GetProperty("testGreen").GetDouble());
        Assert.Equal(1, json.GetProperty("step").GetInt32());
        Assert.Equal(5, json.GetProperty("steps").GetInt32());
        Assert.Equal((T0 + TimeSpan.FromMinutes(31)).ToUnixTimeMilliseconds(), json.GetProperty("waitUntil").GetInt64());
        Assert.Equal("web-blue", json.GetProperty("blue").GetString());
        Assert.Equal("web-green", json.GetProperty("green").GetString());
        var h = Assert.Single(json.GetProperty("hooks").EnumerateArray());
        Assert.Equal("AWAITING_ACTION", h.GetProperty("status").GetString());
        Assert.Equal("sd1-4-0", h.GetProperty("id").GetString());
        var plain = new ServiceInfo(spec, "arn:svc", ServiceStatus.ACTIVE, 4, 0, [], [], T0, true, ImmutableDictionary<string, int>.Empty);
        Assert.Equal(JsonValueKind.Null, Snapshot(Status([Instance("a")], [], services: [plain])).GetProperty("services")[0].GetProperty("trafficShift").ValueKind);
    }

    public static TheoryData<int, int, int> TaskCountCases => new()
    {
        // minute, running, pending
        { 0, 0, 1 },  // t1 created at 0, starts at 0:10
        { 1, 1, 1 },  // t1 running; t2 created at 1, never starts
        { 5, 0, 1 },  // t1 asked to stop at 5
        { 9, 0, 0 },  // t2 stopped at 9 without running
    };

    [Theory]
    [MemberData(nameof(TaskCountCases))]
    public void B_TL_1_task_counts_over_time_are_swept_from_the_task_records(int minute, int running, int pending)
    {
        var t1 = Task("t1", TaskStatus.STOPPED, "a", T0) with { StartedAt = T0 + TimeSpan.FromSeconds(10), StoppingAt = T0 + TimeSpan.FromMinutes(5), StoppedAt = T0 + TimeSpan.FromMinutes(6) };
        var t2 = Task("t2", TaskStatus.STOPPED, null, T0 + TimeSpan.FromMinutes(1)) with { StartedAt = null, StoppingAt = T0 + TimeSpan.FromMinutes(9), StoppedAt = T0 + TimeSpan.FromMinutes(9) };
        var (times, r, p) = DashboardHistory.TaskCounts([t1, t2], T0, T0 + TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(1));
        Assert.Equal(11, times.Count);
        Assert.Equal(running, r[minute]);
        Assert.Equal(pending, p[minute]);
    }

    [Fact]
    public void B_IT_5_cumulative_cost_series_add_up_carrying_each_forward()
    {
        var sum = DashboardHistory.CarrySum([[(0, 1.0), (60, 2.0)], [(30, 10.0)]]);
        Assert.Equal([(0L, 1.0), (30L, 11.0), (60L, 12.0)], sum);
    }

    [Fact]
    public void History_marks_chaos_injections_and_deployments_and_fits_its_window_to_the_cluster()
    {
        var now = T0 + TimeSpan.FromHours(2);
        var cpr = ImmutableArray.Create(MetricNamespaces.Datum("CapacityProviderReservation", now - TimeSpan.FromMinutes(20), 133.3, "Percent"),
            MetricNamespaces.Datum("CapacityProviderReservation", now - TimeSpan.FromMinutes(19), 100, "Percent"));
        var input = new DashboardHistory.Input(now, now - TimeSpan.FromHours(24), TimeSpan.FromMinutes(1), TimeSpan.FromHours(1),
            [("cp", 100, cpr)], [], [], [],
            [Task("t", TaskStatus.RUNNING, "a", now - TimeSpan.FromMinutes(30))],
            [new ChaosInjection(1, "aws:ec2:send-spot-instance-interruptions", now - TimeSpan.FromMinutes(10), "c", ["i-1"], "interrupted 1 Spot instance", null)],
            []);
        var from = DashboardHistory.AutoFrom(input, TimeSpan.FromMinutes(10));
        Assert.True(from < now - TimeSpan.FromMinutes(30) && from > now - TimeSpan.FromMinutes(40), from.ToString("O"));
        var json = JsonDocument.Parse(DashboardHistory.Write(input with { From = from })).RootElement;
        var cprChart = json.GetProperty("charts").EnumerateArray().Single(c => c.GetProperty("id").GetString() == "cpr");
        Assert.Equal(133.3, cprChart.GetProperty("series")[0].GetProperty("points")[0][1].GetDouble());
        Assert.Equal(100, cprChart.GetProperty("guides")[0].GetProperty("value").GetDouble());
        var marker = Assert.Single(json.GetProperty("markers").EnumerateArray());
        Assert.Equal("chaos", marker.GetProperty("kind").GetString());
        Assert.Equal("aws:ec2:send-spot-instance-interruptions", marker.GetProperty("label").GetString());
        var tasks = json.GetProperty("charts").EnumerateArray().Single(c => c.GetProperty("id").GetString() == "tasks");
        Assert.Equal(1, tasks.GetProperty("series")[0].GetProperty("points").EnumerateArray().Last()[1].GetInt32());
    }
}
