using System.Buffers;
using System.Collections.Immutable;
using System.Text.Json;
using Emulator.Contracts;

namespace Emulator.Silo.Dashboard;

/// <summary>
/// The live view of one cluster for the web dashboard (issue 15), built from <see cref="ClusterStatus"/> (one
/// round trip to the control grain) into compact JSON: capacity providers as lanes (N, M, CPR against the target,
/// desired and in service, the CAS alarm), container instances with their resources and their tasks, instances still
/// launching, the PROVISIONING queue and Fargate tasks per lane, and the services with their deployments.
/// Tasks are encoded as small integers so that 10,000 of them cost tens of kilobytes, not megabytes:
/// <c>code = shape * 16 + lastStatus (0..7, B-TL-1) + (desiredStatus STOPPED ? 8 : 0)</c>, where <c>shape</c> indexes
/// <c>shapes</c> (service or group, task definition, CPU, memory). A pure function: no grain calls, no clock.
/// </summary>
public static class DashboardSnapshot
{
    /// <summary>Lane key of instances and tasks without a capacity provider (launch type EC2, or registered by hand).</summary>
    public const string NoProviderLane = "EC2";

    /// <summary>Format version of the JSON; the page refuses a version it does not know.</summary>
    public const int Version = 1;

    public static byte[] Write(ClusterStatus s, DashboardSettings settings)
    {
        var buffer = new ArrayBufferWriter<byte>(64 * 1024 + s.Tasks.Length * 8 + s.Instances.Length * 320);
        using (var w = new Utf8JsonWriter(buffer))
        {
            Write(w, s, settings);
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static void Write(Utf8JsonWriter w, ClusterStatus s, DashboardSettings settings)
    {
        var lanes = Lanes(s);
        var laneIndex = lanes.Select((l, i) => (l.Key, i)).ToDictionary(x => x.Key, x => x.i, StringComparer.Ordinal);
        var shapes = new ShapeTable();
        var services = s.Services.Select(v => v.Spec.Name).ToList();

        w.WriteStartObject();
        w.WriteNumber("v", Version);
        w.WriteString("now", s.Now);
        w.WriteNumber("nowMs", s.Now.ToUnixTimeMilliseconds());
        w.WriteNumber("timeScale", settings.TimeScale);
        w.WriteNumber("metricPeriodSeconds", settings.MetricPeriod.TotalSeconds);
        WriteCluster(w, s);

        // Tasks by where they are: on an instance, or unplaced in a lane (PROVISIONING queue, Fargate).
        var onInstance = new Dictionary<string, List<TaskRecord>>(StringComparer.Ordinal);
        var unplaced = new Dictionary<string, List<TaskRecord>>(StringComparer.Ordinal);
        foreach (var t in s.Tasks.Where(t => t.LastStatus != Contracts.TaskStatus.STOPPED))
        {
            if (t.ContainerInstanceId is { } ci)
            {
                Add(onInstance, ci, t);
            }
            else
            {
                Add(unplaced, LaneOfTask(t), t);
            }
        }

        var asgInstances = s.AutoScalingGroups.SelectMany(g => g.Instances.Select(i => (Group: g, Instance: i)))
            .GroupBy(x => x.Instance.InstanceId, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Last(), StringComparer.Ordinal);

        WriteLanes(w, s, lanes, onInstance, unplaced);

        w.WriteStartArray("instances");
        var registered = new HashSet<string>(StringComparer.Ordinal);
        foreach (var i in s.Instances
                     .Where(i => i.Status != ContainerInstanceStatus.INACTIVE)
                     .OrderBy(i => laneIndex.GetValueOrDefault(LaneOfInstance(i)))
                     .ThenBy(i => i.RegisteredAt)
                     .ThenBy(i => i.ContainerInstanceId, StringComparer.Ordinal))
        {
            registered.Add(i.Ec2InstanceId);
            asgInstances.TryGetValue(i.Ec2InstanceId, out var asg);
            w.WriteStartObject();
            WriteInstance(w, i);
            w.WriteNumber("lane", laneIndex.GetValueOrDefault(LaneOfInstance(i)));
            w.WriteNumber("since", i.RegisteredAt.ToUnixTimeMilliseconds());
            if (asg.Instance is { } a)
            {
                w.WriteString("asgState", a.State.ToString());
                w.WriteBoolean("protected", a.ProtectedFromScaleIn);
            }

            w.WriteStartArray("t");
            if (onInstance.TryGetValue(i.ContainerInstanceId, out var tasks))
            {
                foreach (var t in Ordered(tasks))
                {
                    w.WriteNumberValue(Code(t, shapes, services));
                }
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        w.WriteEndArray();

        // EC2 instances of the cluster's groups that are not registered (yet): launching, or in service with the
        // agent still registering (B-ASG-1, B-T-2). They are drawn as empty outlines in their lane.
        w.WriteStartArray("launching");
        foreach (var (group, a) in asgInstances.Values
                     .Where(x => !registered.Contains(x.Instance.InstanceId) && x.Instance.State is LifecycleState.Pending or LifecycleState.InService)
                     .OrderBy(x => x.Instance.LaunchedAt)
                     .ThenBy(x => x.Instance.InstanceId, StringComparer.Ordinal))
        {
            w.WriteStartObject();
            w.WriteString("ec2", a.InstanceId);
            w.WriteString("type", a.InstanceType);
            w.WriteString("az", a.AvailabilityZone);
            w.WriteNumber("lane", group.CapacityProvider is { } p && laneIndex.TryGetValue(p, out var li) ? li : laneIndex.GetValueOrDefault(NoProviderLane));
            w.WriteBoolean("spot", a.IsSpot);
            w.WriteString("state", a.State.ToString());
            w.WriteNumber("since", a.LaunchedAt.ToUnixTimeMilliseconds());
            if (settings.InstanceSize(a.InstanceType) is { } size)
            {
                w.WriteNumber("cpu", size.Cpu);
                w.WriteNumber("mem", size.Memory);
            }

            w.WriteEndObject();
        }

        w.WriteEndArray();

        w.WriteStartArray("unplaced");
        for (var li = 0; li < lanes.Count; li++)
        {
            w.WriteStartArray();
            if (unplaced.TryGetValue(lanes[li].Key, out var tasks))
            {
                foreach (var t in Ordered(tasks))
                {
                    w.WriteNumberValue(Code(t, shapes, services));
                }
            }

            w.WriteEndArray();
        }

        w.WriteEndArray();

        WriteServices(w, s);

        // Written last: every task above has registered its shape.
        w.WriteStartArray("shapes");
        foreach (var shape in shapes.Shapes)
        {
            w.WriteStartObject();
            w.WriteNumber("service", shape.Service);
            w.WriteString("group", shape.Group);
            w.WriteString("td", shape.TaskDefinition);
            w.WriteNumber("cpu", shape.Cpu);
            w.WriteNumber("mem", shape.Memory);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    /// <summary>A container instance's identity, status and resources (B-CI-1, B-CI-2), as the snapshot and the instance panel show it.</summary>
    public static void WriteInstance(Utf8JsonWriter w, ContainerInstanceRecord i)
    {
        w.WriteString("ci", i.ContainerInstanceId);
        w.WriteString("ec2", i.Ec2InstanceId);
        w.WriteString("type", i.InstanceType);
        w.WriteString("az", i.AvailabilityZone);
        w.WriteString("status", i.Status.ToString());
        w.WriteBoolean("agent", i.AgentConnected);
        w.WriteBoolean("spot", i.IsSpot);
        w.WriteNumber("cpu", i.Registered.Cpu);
        w.WriteNumber("mem", i.Registered.Memory);
        w.WriteNumber("ucpu", i.Used.Cpu);
        w.WriteNumber("umem", i.Used.Memory);
    }

    /// <summary>The lane of a task without an instance: its capacity provider, or its launch type (FARGATE, EC2).</summary>
    public static string LaneOfTask(TaskRecord t) => t.CapacityProvider ?? (t.LaunchType == LaunchType.EC2 ? NoProviderLane : t.LaunchType.ToString());

    public static string LaneOfInstance(ContainerInstanceRecord i) => i.CapacityProvider ?? NoProviderLane;

    /// <summary>
    /// One lane per capacity provider of the cluster, in the cluster's order, then one per lane key that instances or
    /// tasks use without being a provider of the cluster (e.g. instances registered without a capacity provider).
    /// </summary>
    public static IReadOnlyList<Lane> Lanes(ClusterStatus s)
    {
        var lanes = new List<Lane>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in s.Cluster.CapacityProviders)
        {
            var info = s.CapacityProviders.FirstOrDefault(p => p.Name == name);
            var asg = info?.Spec is { } spec ? s.AutoScalingGroups.FirstOrDefault(g => g.Spec.Name == spec.AutoScalingGroup) : null;
            if (seen.Add(name))
            {
                lanes.Add(new Lane(name, info, asg));
            }
        }

        var extra = s.Instances.Where(i => i.Status != ContainerInstanceStatus.INACTIVE).Select(LaneOfInstance)
            .Concat(s.Tasks.Where(t => t.LastStatus != Contracts.TaskStatus.STOPPED && t.ContainerInstanceId is null).Select(LaneOfTask))
            .Concat(s.AutoScalingGroups.Where(g => g.CapacityProvider is null || !seen.Contains(g.CapacityProvider))
                .Where(g => g.Instances.Any(i => i.State is LifecycleState.Pending or LifecycleState.InService)).Select(_ => NoProviderLane));
        foreach (var key in extra.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            if (seen.Add(key))
            {
                lanes.Add(new Lane(key, null, null));
            }
        }

        return lanes;
    }

    private static void WriteCluster(Utf8JsonWriter w, ClusterStatus s)
    {
        var c = s.Cluster;
        w.WriteStartObject("cluster");
        w.WriteString("name", c.Name);
        w.WriteString("arn", c.Arn);
        w.WriteString("status", c.Status);
        w.WriteNumber("instances", c.RegisteredContainerInstancesCount);
        w.WriteNumber("running", c.RunningTasksCount);
        w.WriteNumber("pending", c.PendingTasksCount);
        w.WriteNumber("provisioning", c.ProvisioningTasksCount);
        w.WriteNumber("services", c.ActiveServicesCount);
        w.WriteNumber("registeredCpu", c.RegisteredResources.Cpu);
        w.WriteNumber("registeredMem", c.RegisteredResources.Memory);
        w.WriteNumber("reservedCpu", c.ReservedResources.Cpu);
        w.WriteNumber("reservedMem", c.ReservedResources.Memory);
        w.WriteStartObject("cost");
        w.WriteNumber("total", s.Costs.Total);
        w.WriteNumber("instances", s.Costs.Instances);
        w.WriteNumber("fargate", s.Costs.Fargate);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void WriteLanes(Utf8JsonWriter w, ClusterStatus s, IReadOnlyList<Lane> lanes,
        Dictionary<string, List<TaskRecord>> onInstance, Dictionary<string, List<TaskRecord>> unplaced)
    {
        var instancesByLane = s.Instances.Where(i => i.Status != ContainerInstanceStatus.INACTIVE).ToLookup(LaneOfInstance, StringComparer.Ordinal);
        w.WriteStartArray("lanes");
        foreach (var lane in lanes)
        {
            var p = lane.Provider;
            var cas = p?.Cas;
            w.WriteStartObject();
            w.WriteString("name", lane.Key);
            w.WriteString("type", p is null ? (lane.Key == NoProviderLane ? "EC2" : lane.Key) : p.Type switch
            {
                ProviderType.AutoScalingGroup => "ASG",
                ProviderType.Fargate => "FARGATE",
                ProviderType.ManagedInstances => "MANAGED_INSTANCES",
                _ => "FARGATE_SPOT",
            });
            if (p?.Managed is { } managed)
            {
                // B-MI-2..4: the Managed Instances manager's latest decision and its counters.
                w.WriteStartObject("managed");
                w.WriteNumber("launched", managed.Launched);
                w.WriteNumber("terminated", managed.Terminated);
                w.WriteNumber("launching", managed.Launching);
                w.WriteString("decision", managed.Decisions.IsDefaultOrEmpty ? "" : managed.Decisions[0]);
                w.WriteEndObject();
            }

            w.WriteBoolean("provider", p is not null);
            if (p?.Spec is { ManagedInstances: null } spec)
            {
                w.WriteString("asg", spec.AutoScalingGroup);
                w.WriteBoolean("managedScaling", spec.ManagedScaling.Status == ManagedScalingStatus.ENABLED);
                w.WriteNumber("targetCapacity", spec.ManagedScaling.TargetCapacity);
                w.WriteNumber("minStep", spec.ManagedScaling.MinimumScalingStepSize);
                w.WriteNumber("maxStep", spec.ManagedScaling.MaximumScalingStepSize);
                w.WriteNumber("warmupSeconds", spec.ManagedScaling.InstanceWarmupPeriod);
                w.WriteBoolean("managedTerminationProtection", spec.ManagedTerminationProtection);
                w.WriteBoolean("managedDraining", spec.ManagedDraining);
            }

            if (cas is not null)
            {
                w.WriteStartObject("cas");
                w.WriteNumber("m", cas.M);
                w.WriteNumber("n", cas.N);
                w.WriteNumber("cpr", Math.Round(cas.Cpr, 3));
                w.WriteNumber("desired", cas.DesiredCapacity);
                w.WriteString("alarm", cas.Alarm);
                w.WriteString("explanation", cas.Explanation);
                w.WriteNumber("queued", cas.Queued);
                if (cas.EvaluatedAt is { } at)
                {
                    w.WriteNumber("evaluatedAt", at.ToUnixTimeMilliseconds());
                }

                w.WriteStartArray("datapoints");
                foreach (var d in cas.Datapoints.IsDefault ? [] : cas.Datapoints)
                {
                    w.WriteNumberValue(Math.Round(d, 3));
                }

                w.WriteEndArray();
                w.WriteEndObject();
            }

            if (lane.Group is { } g)
            {
                w.WriteStartObject("group");
                w.WriteString("name", g.Spec.Name);
                w.WriteNumber("desired", g.DesiredCapacity);
                w.WriteNumber("min", g.Spec.MinSize);
                w.WriteNumber("max", g.Spec.MaxSize);
                w.WriteNumber("inService", g.Instances.Count(i => i.State == LifecycleState.InService));
                w.WriteNumber("pending", g.Instances.Count(i => i.State == LifecycleState.Pending));
                w.WriteNumber("terminating", g.Instances.Count(i => i.State is LifecycleState.TerminatingWait or LifecycleState.Terminating));
                w.WriteNumber("spot", g.Instances.Count(i => i.IsSpot && i.State != LifecycleState.Terminated));
                w.WriteStartArray("instanceTypes");
                foreach (var t in g.Spec.InstanceTypes)
                {
                    w.WriteStringValue(t);
                }

                w.WriteEndArray();
                w.WriteEndObject();
            }

            if ((s.Cluster.DefaultStrategy.IsDefault ? [] : s.Cluster.DefaultStrategy).FirstOrDefault(i => i.CapacityProvider == lane.Key) is { } item)
            {
                w.WriteStartObject("defaultStrategy");
                w.WriteNumber("weight", item.Weight);
                w.WriteNumber("base", item.Base);
                w.WriteEndObject();
            }

            var laneInstances = instancesByLane[lane.Key].ToList();
            var placed = laneInstances.SelectMany(i => onInstance.GetValueOrDefault(i.ContainerInstanceId) ?? []).ToList();
            var waiting = unplaced.GetValueOrDefault(lane.Key) ?? [];
            w.WriteNumber("instances", laneInstances.Count);
            w.WriteNumber("draining", laneInstances.Count(i => i.Status == ContainerInstanceStatus.DRAINING));
            w.WriteNumber("running", placed.Count(t => t.LastStatus == Contracts.TaskStatus.RUNNING) + waiting.Count(t => t.LastStatus == Contracts.TaskStatus.RUNNING));
            w.WriteNumber("queued", waiting.Count(t => t.IsQueued));
            w.WriteNumber("cost", s.Costs.ByCapacityProvider.GetValueOrDefault(lane.Key));

            // Hook for CloudWatch alarms on this provider beyond the CAS pair (issue 11): an empty list until then.
            w.WriteStartArray("alarms");
            w.WriteEndArray();
            w.WriteEndObject();
        }

        w.WriteEndArray();
    }

    private static void WriteServices(Utf8JsonWriter w, ClusterStatus s)
    {
        // Tasks of each deployment, counted from the task records (B-DP-1), so older deployments show their progress too.
        var byDeployment = s.Tasks.Where(t => t.ServiceName is not null && t.DeploymentId is not null && t.LastStatus != Contracts.TaskStatus.STOPPED)
            .GroupBy(t => (t.ServiceName!, t.DeploymentId!))
            .ToDictionary(g => g.Key, g => (
                Running: g.Count(t => t.LastStatus == Contracts.TaskStatus.RUNNING && t.DesiredStatus == DesiredStatus.RUNNING),
                Pending: g.Count(t => t.LastStatus < Contracts.TaskStatus.RUNNING && t.DesiredStatus == DesiredStatus.RUNNING)));
        w.WriteStartArray("services");
        foreach (var v in s.Services)
        {
            var spec = v.Spec;
            w.WriteStartObject();
            w.WriteString("name", spec.Name);
            w.WriteString("status", v.Status.ToString());
            w.WriteString("scheduling", spec.SchedulingStrategy.ToString());
            w.WriteNumber("desired", spec.DesiredCount);
            w.WriteNumber("running", v.RunningCount);
            w.WriteNumber("pending", v.PendingCount);
            w.WriteBoolean("steady", v.SteadyState);
            w.WriteString("taskDefinition", Arns.ShortName(spec.TaskDefinition.Arn));
            w.WriteNumber("minimumHealthyPercent", spec.MinimumHealthyPercent);
            w.WriteNumber("maximumPercent", spec.MaximumPercent);
            if (spec.LaunchType is { } lt)
            {
                w.WriteString("launchType", lt.ToString());
            }

            w.WriteStartArray("strategy");
            foreach (var i in spec.CapacityProviderStrategy.IsDefault ? [] : spec.CapacityProviderStrategy)
            {
                w.WriteStartObject();
                w.WriteString("provider", i.CapacityProvider);
                w.WriteNumber("weight", i.Weight);
                w.WriteNumber("base", i.Base);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteStartArray("placement");
            foreach (var p in spec.PlacementStrategies.IsDefault ? [] : spec.PlacementStrategies)
            {
                w.WriteStringValue(p.Field is null ? p.Type.ToString() : $"{p.Type}({p.Field})");
            }

            w.WriteEndArray();
            w.WriteStartArray("targetGroups");
            foreach (var lb in spec.LoadBalancers.IsDefault ? [] : spec.LoadBalancers)
            {
                w.WriteStringValue(lb.TargetGroupName);
            }

            w.WriteEndArray();
            w.WriteStartObject("runningByProvider");
            foreach (var (provider, n) in v.RunningByProvider.OrderBy(x => x.Key, StringComparer.Ordinal))
            {
                w.WriteNumber(provider, n);
            }

            w.WriteEndObject();
            w.WriteNumber("cost", s.Costs.ByService.GetValueOrDefault(spec.Name));
            w.WriteStartArray("deployments");
            foreach (var d in v.Deployments)
            {
                w.WriteStartObject();
                w.WriteString("id", d.Id);
                w.WriteString("status", d.Status);
                w.WriteString("taskDefinition", Arns.ShortName(d.TaskDefinitionArn));
                w.WriteNumber("desired", d.DesiredCount);
                w.WriteNumber("running", d.RunningCount);
                w.WriteNumber("pending", d.PendingCount);
                w.WriteNumber("failed", d.FailedTasks);
                var counted = byDeployment.GetValueOrDefault((spec.Name, d.Id));
                w.WriteNumber("tasksRunning", counted.Running);
                w.WriteNumber("tasksPending", counted.Pending);
                w.WriteString("rollout", d.RolloutState.ToString());
                w.WriteString("reason", d.RolloutStateReason);
                w.WriteNumber("createdAt", d.CreatedAt.ToUnixTimeMilliseconds());
                w.WriteNumber("updatedAt", d.UpdatedAt.ToUnixTimeMilliseconds());
                w.WriteEndObject();
            }

            w.WriteEndArray();
            WriteTrafficShift(w, v.TrafficShift);
            w.WriteStartArray("events");
            foreach (var e in v.Events.OrderByDescending(e => e.CreatedAt).Take(5))
            {
                w.WriteStartObject();
                w.WriteNumber("t", e.CreatedAt.ToUnixTimeMilliseconds());
                w.WriteString("message", e.Message);
                w.WriteEndObject();
            }

            w.WriteEndArray();

            // Hook for Application Auto Scaling (issue 11): the scalable target, its policies and latest activity. Null
            // until the service has one; the page renders the object when it is present.
            w.WriteNull("autoScaling");
            w.WriteEndObject();
        }

        w.WriteEndArray();
    }

    /// <summary>B-DP-6 / B-DP-7: the service's latest traffic shift (stage, weights, step, the wait's end, hooks), or null.</summary>
    private static void WriteTrafficShift(Utf8JsonWriter w, TrafficShiftView? t)
    {
        if (t is null)
        {
            w.WriteNull("trafficShift");
            return;
        }

        w.WriteStartObject("trafficShift");
        w.WriteString("strategy", t.Strategy);
        w.WriteString("stage", t.LifecycleStage);
        w.WriteString("result", t.Result);
        w.WriteNumber("productionGreen", t.ProductionGreenPercent);
        w.WriteNumber("testGreen", t.TestGreenPercent);
        w.WriteNumber("step", t.Step);
        w.WriteNumber("steps", t.Steps);
        if (t.WaitUntil is { } until)
        {
            w.WriteNumber("waitUntil", until.ToUnixTimeMilliseconds());
        }

        w.WriteString("blue", TargetGroupArns.Name(t.BlueTargetGroupArn));
        w.WriteString("green", TargetGroupArns.Name(t.GreenTargetGroupArn));
        if (t.Reason is { } reason)
        {
            w.WriteString("reason", reason);
        }

        w.WriteStartArray("hooks");
        foreach (var hook in t.Hooks)
        {
            w.WriteStartObject();
            w.WriteString("id", hook.HookId);
            w.WriteString("type", hook.TargetType);
            w.WriteString("status", hook.Status);
            w.WriteString("stage", hook.Stage);
            if (hook.ExpiresAt is { } expires)
            {
                w.WriteNumber("expiresAt", expires.ToUnixTimeMilliseconds());
            }

            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static IEnumerable<TaskRecord> Ordered(List<TaskRecord> tasks) =>
        tasks.OrderBy(t => t.CreatedAt).ThenBy(t => t.TaskId, StringComparer.Ordinal);

    private static int Code(TaskRecord t, ShapeTable shapes, List<string> services) =>
        shapes.IndexOf(t, services) * 16 + (int)t.LastStatus + (t.DesiredStatus == DesiredStatus.STOPPED ? 8 : 0);

    private static void Add(Dictionary<string, List<TaskRecord>> map, string key, TaskRecord t)
    {
        if (!map.TryGetValue(key, out var list))
        {
            map[key] = list = [];
        }

        list.Add(t);
    }

    /// <summary>A lane: a capacity provider of the cluster (with its group), or a lane key without a provider.</summary>
    public sealed record Lane(string Key, CapacityProviderInfo? Provider, AsgInfo? Group);

    private sealed record Shape(int Service, string Group, string TaskDefinition, int Cpu, int Memory);

    /// <summary>Distinct (service or group, task definition, CPU, memory) of the tasks, numbered in order of first use.</summary>
    private sealed class ShapeTable
    {
        private readonly Dictionary<(string Group, string TaskDefinition, int Cpu, int Memory), int> _index = [];

        public List<Shape> Shapes { get; } = [];

        public int IndexOf(TaskRecord t, List<string> services)
        {
            var key = (t.Group, t.TaskDefinitionArn, t.Needs.Cpu, t.Needs.Memory);
            if (!_index.TryGetValue(key, out var i))
            {
                i = Shapes.Count;
                _index[key] = i;
                Shapes.Add(new Shape(t.ServiceName is { } name ? services.IndexOf(name) : -1, t.Group, Arns.ShortName(t.TaskDefinitionArn), t.Needs.Cpu, t.Needs.Memory));
            }

            return i;
        }
    }
}

/// <summary>What the dashboard's views need besides the grains' answers: the clock's scale and a few timings.</summary>
public sealed record DashboardSettings(double TimeScale, TimeSpan MetricPeriod, TimeSpan StoppedRetention, Func<string, ResourceSet?> InstanceSize);
