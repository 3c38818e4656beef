using System.Collections.Immutable;
using System.Globalization;
using Emulator.Contracts;
using Emulator.Model.Catalog;

namespace Emulator.Model.Scaling;

/// <summary>A capacity provider's managed scaling settings (B-CAS-6), with AWS's defaults.</summary>
public sealed record CasSettings(int TargetCapacity, int MinimumScalingStepSize, int MaximumScalingStepSize, TimeSpan InstanceWarmupPeriod)
{
    public static CasSettings Default { get; } = new(100, 1, 10000, TimeSpan.FromSeconds(300));
}

/// <summary>
/// One non-terminated instance of the provider's ASG as CAS sees it. <see cref="InService"/> false means Pending
/// or on its way out (not counted in N, B-CAS-1). <see cref="Registered"/> false means InService but the ECS agent
/// has not registered yet: CAS counts it as an empty instance of its type (B-CAS-2), and
/// <see cref="Remaining"/>, <see cref="UsedPorts"/> and <see cref="NonDaemonTasks"/> are then ignored.
/// <see cref="UsedPorts"/> are the host ports held by tasks; the agent's reserved ports are added here. An instance
/// that accepts no placements (DRAINING, agent disconnected) should come with <see cref="Remaining"/> = zero so
/// that its capacity is not counted as free.
/// </summary>
public sealed record CasInstance(
    string Ec2InstanceId,
    string InstanceType,
    bool InService,
    bool Registered,
    ResourceSet Remaining,
    ImmutableHashSet<int> UsedPorts,
    int NonDaemonTasks,
    DateTimeOffset LaunchedAt);

/// <summary>A task waiting in the provider's PROVISIONING queue (B-PQ-1), with whether it carries distinctInstance.</summary>
public sealed record ProvisioningTask(TaskRequirements Needs, bool DistinctInstance);

/// <summary>The ASG behind a capacity provider: its size limits, its instance types (priority order) and instances.</summary>
public sealed record AsgCapacity(int Desired, int Min, int Max, ImmutableArray<string> InstanceTypes, ImmutableArray<CasInstance> Instances);

/// <summary>M, N and CapacityProviderReservation of one metric period (B-CAS-1..3).</summary>
public sealed record CasMetrics(int M, int N, double Cpr);

/// <summary>Which of the two target tracking alarms is in ALARM after a datapoint (B-CAS-4, B-CAS-5).</summary>
public enum CasAlarm
{
    None = 0,
    High = 1,
    Low = 2,
}

/// <summary>
/// The outcome of one CAS evaluation: the metrics, the new desired capacity when the ASG must change (null
/// otherwise), the alarm state, the datapoint history to keep (newest last, at most 15) and a one-line reason.
/// </summary>
public sealed record CasDecision(CasMetrics Metrics, int? NewDesired, CasAlarm Alarm, ImmutableArray<double> Datapoints, string Explanation);

/// <summary>
/// Cluster Auto Scaling (managed scaling) of one capacity provider, evaluated once per metric period
/// (B-CAS-1..6).
/// </summary>
public static class ClusterAutoScaling
{
    /// <summary>Datapoints the low alarm looks at: 15 one-minute periods (B-CAS-5).</summary>
    public const int LowAlarmDatapoints = 15;

    /// <summary>
    /// N, M and CPR (B-CAS-1..3).
    /// <list type="bullet">
    /// <item>N = InService instances; Pending ones are not counted yet.</item>
    /// <item>Without provisioning tasks, M = InService instances running at least one non-daemon task.</item>
    /// <item>With provisioning tasks: tasks no type of the ASG can host are left out first (see below). The rest
    /// are placed first-fit, in queue order, on the free capacity of the InService instances (an unregistered one
    /// counts as empty, so capacity already on its way is not bought twice). The tasks still unplaced are
    /// grouped by identical needs; each group needs ceil(count / perInstance) new empty instances, need = the
    /// maximum over groups, and M = N + need clamped to [N + minStep, N + maxStep] when need &gt; 0.</item>
    /// </list>
    /// </summary>
    /// <remarks>
    /// Readings of B-CAS-2 (Model choice):
    /// <list type="bullet">
    /// <item>"A task that does not fit even the smallest type is left out" is read as written, as AWS documents
    /// it: for each resource the smallest value across the ASG's types is a guard; a task needing more than that
    /// guard on any resource (or a static host port the agent reserves) cannot be sure to fit whatever type the
    /// ASG launches, so it does not drive scaling and stays in PROVISIONING. The per-instance count then uses
    /// the largest value of each resource.</item>
    /// <item>Left out means removed before anything else: when every provisioning task is left out, M is the
    /// plain count of instances running tasks, as if the queue were empty ("M is not raised"). AWS instead
    /// holds CPR at targetCapacity; the difference only shows when target &lt; 100.</item>
    /// <item>When the remaining provisioning tasks all fit on free capacity, need = 0 and M = N: the queue is
    /// about to drain onto instances that are therefore all wanted, so CAS neither buys nor releases.</item>
    /// <item>A distinctInstance task takes free capacity only on an instance without any non-daemon task and
    /// without another simulated task: the model does not know the task groups already running, and buying
    /// one instance too many (scaled in later) is better than leaving the task stuck.</item>
    /// </list>
    /// </remarks>
    public static CasMetrics ComputeMetrics(AsgCapacity asg, IReadOnlyList<ProvisioningTask> provisioning, CasSettings settings, InstanceCatalog catalog)
    {
        var inService = asg.Instances.Where(i => i.InService).ToList();
        var n = inService.Count;
        var m = ComputeM(asg, inService, provisioning, settings, catalog);
        return new CasMetrics(m, n, Cpr(m, n));
    }

    /// <summary>
    /// One metric period: computes the datapoint, appends it to <paramref name="history"/> (newest last; the last
    /// 15 are kept) and decides.
    /// <list type="bullet">
    /// <item>High alarm (B-CAS-4), latest datapoint &gt; target: desired = ceil(max(N, 1) x CPR / target),
    /// clamped to [Min, Max]; applied when it exceeds the ASG's desired capacity and no instance is inside its
    /// warm-up period.</item>
    /// <item>Low alarm (B-CAS-5), 15 datapoints all &lt; target: desired = max(ceil(M x 100 / target),
    /// N - max(1, floor(N / 2)), Min); applied when below the ASG's desired capacity. A high datapoint is not below
    /// target, so it breaks the streak: a scale-out need cancels a scale-in in progress.</item>
    /// </list>
    /// </summary>
    public static CasDecision Evaluate(
        AsgCapacity asg,
        IReadOnlyList<ProvisioningTask> provisioning,
        ImmutableArray<double> history,
        CasSettings settings,
        InstanceCatalog catalog,
        DateTimeOffset now)
    {
        var metrics = ComputeMetrics(asg, provisioning, settings, catalog);
        var (m, n, cpr) = metrics;
        var target = settings.TargetCapacity;

        var kept = history.IsDefault ? [] : history;
        var datapoints = kept.Add(cpr);
        if (datapoints.Length > LowAlarmDatapoints)
        {
            datapoints = datapoints.RemoveRange(0, datapoints.Length - LowAlarmDatapoints);
        }

        // CPR as the exact fraction num/den: 100M/N, or 100 and 200 for N = 0 (B-CAS-3). Comparisons and the
        // desired capacity use it rather than the double so that N=3, M=4 gives ceil(400/100) = 4, not 5.
        var (num, den) = n > 0 ? (100L * m, (long)n) : (m > 0 ? 200L : 100L, 1L);
        var head = $"M={m} N={n} CPR={cpr.ToString("0.0", CultureInfo.InvariantCulture)}";

        if (num > target * den)
        {
            var wanted = (int)CeilDiv(Math.Max(n, 1) * num, den * target);
            var desired = Math.Clamp(wanted, asg.Min, Math.Max(asg.Min, asg.Max));
            var text = $"{head} > target {target}: ";
            if (desired <= asg.Desired)
            {
                return new CasDecision(metrics, null, CasAlarm.High, datapoints,
                    text + $"wants {desired} (clamped to {asg.Min}..{asg.Max}), desired stays {asg.Desired}");
            }

            var warming = asg.Instances.FirstOrDefault(i => i.LaunchedAt + settings.InstanceWarmupPeriod > now);
            if (warming is not null)
            {
                return new CasDecision(metrics, null, CasAlarm.High, datapoints,
                    text + $"desired {asg.Desired} -> {desired} held: {warming.Ec2InstanceId} is warming up until {Format(warming.LaunchedAt + settings.InstanceWarmupPeriod)}");
            }

            return new CasDecision(metrics, desired, CasAlarm.High, datapoints, text + $"desired {asg.Desired} -> {desired}");
        }

        // The current datapoint is compared exactly; earlier ones as stored (integral targets compare exactly,
        // since a correctly rounded 100M/N is an integer only when the fraction is).
        var currentLow = num < target * den;
        var lowStreak = 0;
        for (var i = datapoints.Length - 1; i >= 0; i--)
        {
            var below = i == datapoints.Length - 1 ? currentLow : datapoints[i] < target;
            if (!below)
            {
                break;
            }

            lowStreak++;
        }

        if (lowStreak >= LowAlarmDatapoints)
        {
            // B-CAS-5 Model choice: at most half of the InService instances go per minute (at least one).
            var byReservation = (int)CeilDiv(100L * m, target);
            var halfCap = n - Math.Max(1, n / 2);
            var desired = Math.Min(Math.Max(Math.Max(byReservation, halfCap), asg.Min), Math.Max(asg.Min, asg.Max));
            var text = $"{head} < target {target} for {LowAlarmDatapoints} datapoints: ";
            return desired < asg.Desired
                ? new CasDecision(metrics, desired, CasAlarm.Low, datapoints, text + $"desired {asg.Desired} -> {desired}")
                : new CasDecision(metrics, null, CasAlarm.Low, datapoints, text + $"wants {desired}, desired stays {asg.Desired}");
        }

        var none = currentLow
            ? $"{head} < target {target} ({lowStreak}/{LowAlarmDatapoints} low datapoints): no change"
            : $"{head} at target {target}: no change";
        return new CasDecision(metrics, null, CasAlarm.None, datapoints, none);
    }

    /// <summary>Null when the managed scaling settings are within AWS's ranges (B-CAS-6), else the error message.</summary>
    public static string? ValidateSettings(int targetCapacity, int minStep, int maxStep, int warmupSeconds)
    {
        if (targetCapacity is < 1 or > 100)
        {
            return "The specified target capacity is not valid. Specify a value between 1 and 100 and try again.";
        }

        if (minStep is < 1 or > 10000)
        {
            return "The specified minimum scaling step size is not valid. Specify a value between 1 and 10000 and try again.";
        }

        if (maxStep is < 1 or > 10000)
        {
            return "The specified maximum scaling step size is not valid. Specify a value between 1 and 10000 and try again.";
        }

        if (minStep > maxStep)
        {
            return "The minimum scaling step size must be less than or equal to the maximum scaling step size.";
        }

        if (warmupSeconds is < 0 or > 10000)
        {
            return "The specified instance warmup period is not valid. Specify a value between 0 and 10000 and try again.";
        }

        return null;
    }

    /// <summary>B-CAS-3: M / N x 100; 100 when both are 0; 200 when only N is 0.</summary>
    public static double Cpr(int m, int n) => n > 0 ? 100.0 * m / n : m > 0 ? 200 : 100;

    private static int ComputeM(AsgCapacity asg, List<CasInstance> inService, IReadOnlyList<ProvisioningTask> provisioning, CasSettings settings, InstanceCatalog catalog)
    {
        var busy = inService.Count(i => i.Registered && i.NonDaemonTasks > 0);
        if (provisioning.Count == 0)
        {
            return busy;
        }

        var types = ResolveTypes(asg, catalog);
        if (types.Count == 0)
        {
            return busy; // nothing CAS could launch: every task is left out
        }

        var smallest = Fold(types, catalog, Math.Min);
        var largest = Fold(types, catalog, Math.Max);
        var compatible = provisioning.Where(t => FitsEmpty(t.Needs, smallest)).ToList();
        if (compatible.Count == 0)
        {
            return busy; // every task left out: M is not raised
        }

        var slots = inService.Select(i => Slot.Of(i, catalog)).ToList();
        var unplaced = new List<ProvisioningTask>();
        foreach (var task in compatible)
        {
            var slot = slots.FirstOrDefault(s => s.Fits(task));
            if (slot is null)
            {
                unplaced.Add(task);
            }
            else
            {
                slot.Take(task);
            }
        }

        var need = unplaced
            .GroupBy(t => (t.Needs.Key, t.DistinctInstance))
            .Select(g => CeilDiv(g.Count(), PerInstance(g.First(), largest)))
            .DefaultIfEmpty(0)
            .Max();

        var n = inService.Count;
        if (need == 0)
        {
            return n;
        }

        var step = Math.Clamp(need, settings.MinimumScalingStepSize, Math.Max(settings.MinimumScalingStepSize, settings.MaximumScalingStepSize));
        return (int)Math.Min(int.MaxValue, n + step);
    }

    /// <summary>The ASG's known instance types; when it lists none, the types of its instances.</summary>
    private static List<InstanceTypeInfo> ResolveTypes(AsgCapacity asg, InstanceCatalog catalog)
    {
        IEnumerable<string> names = asg.InstanceTypes.IsDefaultOrEmpty
            ? asg.Instances.Select(i => i.InstanceType)
            : asg.InstanceTypes;
        var found = new List<InstanceTypeInfo>();
        foreach (var name in names.Distinct(StringComparer.Ordinal))
        {
            if (catalog.TryGet(name, out var info))
            {
                found.Add(info);
            }
        }

        return found;
    }

    private static ResourceSet Fold(List<InstanceTypeInfo> types, InstanceCatalog catalog, Func<int, int, int> pick) =>
        types.Select(catalog.Registered).Aggregate((a, b) =>
            new ResourceSet(pick(a.Cpu, b.Cpu), pick(a.Memory, b.Memory), pick(a.Gpu, b.Gpu), pick(a.Eni, b.Eni)));

    private static bool FitsEmpty(TaskRequirements needs, ResourceSet capacity) =>
        needs.Resources.FitsWithin(capacity) && !StaticPorts(needs).Any(InstanceCatalog.AgentReservedPorts.Contains);

    /// <summary>
    /// Tasks of one group a new empty instance holds (B-CAS-2): the minimum over resources of
    /// floor(capacity / need); static host ports and distinctInstance allow one per instance; awsvpc is bounded by
    /// the ENI count, which the catalog already gives as ENIs - 1.
    /// </summary>
    private static long PerInstance(ProvisioningTask task, ResourceSet capacity)
    {
        if (task.DistinctInstance || StaticPorts(task.Needs).Any())
        {
            return 1;
        }

        var need = task.Needs.Resources;
        var per = long.MaxValue;
        per = Bound(per, capacity.Cpu, need.Cpu);
        per = Bound(per, capacity.Memory, need.Memory);
        per = Bound(per, capacity.Gpu, need.Gpu);
        per = Bound(per, capacity.Eni, need.Eni);
        return Math.Max(1, per);

        static long Bound(long current, int have, int want) => want > 0 ? Math.Min(current, have / want) : current;
    }

    private static IEnumerable<int> StaticPorts(TaskRequirements needs) =>
        needs.HostPorts.IsDefaultOrEmpty ? [] : needs.HostPorts.Where(p => p > 0);

    private static long CeilDiv(long a, long b) => (a + b - 1) / b;

    private static string Format(DateTimeOffset at) => ScalingActivities.Timestamp(at);

    /// <summary>The free capacity of one InService instance while the provisioning queue is simulated onto it.</summary>
    private sealed class Slot(ResourceSet free, HashSet<int> ports, bool empty)
    {
        private ResourceSet _free = free;
        private bool _empty = empty;

        public static Slot Of(CasInstance instance, InstanceCatalog catalog)
        {
            var ports = new HashSet<int>(InstanceCatalog.AgentReservedPorts);
            if (!instance.Registered)
            {
                // B-CAS-2: InService but still registering -> an empty instance of its type.
                var registered = catalog.TryGet(instance.InstanceType, out var info) ? catalog.Registered(info) : ResourceSet.Zero;
                return new Slot(registered, ports, empty: true);
            }

            ports.UnionWith(instance.UsedPorts);
            return new Slot(instance.Remaining, ports, instance.NonDaemonTasks == 0);
        }

        public bool Fits(ProvisioningTask task) =>
            task.Needs.Resources.FitsWithin(_free)
            && !StaticPorts(task.Needs).Any(ports.Contains)
            && (!task.DistinctInstance || _empty);

        public void Take(ProvisioningTask task)
        {
            _free -= task.Needs.Resources;
            ports.UnionWith(StaticPorts(task.Needs));
            _empty = false;
        }
    }
}
