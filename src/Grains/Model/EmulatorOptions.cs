namespace Emulator.Model;

/// <summary>
/// Every tunable of the emulator with AWS's defaults in one place (B-ID-1, B-T-2, B-PQ-3, B-SV-3, B-CAS-8).
/// Bound from configuration / command line by the silo and validated at start-up.
/// </summary>
public sealed class EmulatorOptions
{
    public const string SectionName = "Emulator";

    /// <summary>Emulated seconds per wall second (B-T-1).</summary>
    public double TimeScale { get; set; } = 60;

    /// <summary>Seed of every id and choice (B-ID-4).</summary>
    public int Seed { get; set; } = 1;

    /// <summary>Emulated time at <see cref="WallStart"/>; null = the wall start itself (rounded to seconds).</summary>
    public DateTimeOffset? Epoch { get; set; }

    /// <summary>
    /// The wall-clock instant (UTC) at which emulated time equals <see cref="Epoch"/>; null = when the process starts.
    /// Silos of one cluster must share it (B-T-1: one clock for the whole emulator).
    /// </summary>
    public DateTimeOffset? WallStart { get; set; }

    /// <summary>
    /// Every change a caller is told about is in grain storage before the call returns (the durable multi-silo mode
    /// sets it): a silo killed with kill -9 loses no acknowledged change. Off, cluster state is written in batches.
    /// </summary>
    public bool WriteThrough { get; set; }

    public string AccountId { get; set; } = "000000000000";

    public string Region { get; set; } = "us-east-1";

    public List<string> AvailabilityZones { get; set; } = ["us-east-1a", "us-east-1b", "us-east-1c"];

    public EmulatorTimings Timings { get; set; } = new();

    /// <summary>At most this many tasks per cluster in PROVISIONING (B-PQ-3).</summary>
    public int ProvisioningQueueLimit { get; set; } = 500;

    /// <summary>Service launches per emulated minute per service (B-SV-3).</summary>
    public int ServiceLaunchesPerMinute { get; set; } = 500;

    /// <summary>Spot price as a fraction of On-Demand (B-IT-4).</summary>
    public double SpotPriceFraction { get; set; } = 0.30;

    /// <summary>B-SP-5: Spot interruptions per instance-hour of every pool without its own rate (default 0: none).</summary>
    public double SpotInterruptionRatePerHour { get; set; }

    /// <summary>B-IT-4, B-SP-5: per-pool settings (price fraction, capacity, interruption rate); "*" matches every type or zone.</summary>
    public List<SpotPoolOptions> SpotPools { get; set; } = [];

    /// <summary>Emulated period of a cluster's lifecycle tick (how finely due transitions are processed).</summary>
    public TimeSpan TickPeriod { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Stopped-event / event log size kept per cluster (B-EV-3).</summary>
    public int EventLogCapacity { get; set; } = 20_000;

    /// <summary>Application Load Balancers and their data plane (B-ELB-1, issue 17).</summary>
    public global::Emulator.Model.LoadBalancing.LoadBalancingOptions LoadBalancing { get; set; } = new();

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (!(TimeScale > 0) || double.IsInfinity(TimeScale))
        {
            errors.Add("TimeScale must be a positive number.");
        }

        if (AccountId.Length != 12 || !AccountId.All(char.IsAsciiDigit))
        {
            errors.Add("AccountId must be 12 digits.");
        }

        if (string.IsNullOrWhiteSpace(Region))
        {
            errors.Add("Region must be set.");
        }

        if (AvailabilityZones.Count == 0)
        {
            errors.Add("At least one availability zone is needed.");
        }

        if (ProvisioningQueueLimit < 1)
        {
            errors.Add("ProvisioningQueueLimit must be at least 1.");
        }

        if (ServiceLaunchesPerMinute < 1)
        {
            errors.Add("ServiceLaunchesPerMinute must be at least 1.");
        }

        if (TickPeriod <= TimeSpan.Zero)
        {
            errors.Add("TickPeriod must be positive.");
        }

        if (!(SpotPriceFraction > 0) || SpotPriceFraction > 1)
        {
            errors.Add("SpotPriceFraction must be greater than 0 and at most 1.");
        }

        if (!(SpotInterruptionRatePerHour >= 0) || double.IsInfinity(SpotInterruptionRatePerHour))
        {
            errors.Add("SpotInterruptionRatePerHour must not be negative.");
        }

        foreach (var p in SpotPools)
        {
            if (string.IsNullOrWhiteSpace(p.InstanceType) || string.IsNullOrWhiteSpace(p.AvailabilityZone))
            {
                errors.Add("SpotPools entries need an InstanceType and an AvailabilityZone (\"*\" for every one).");
            }

            if (p.Capacity is < 0 || p.InterruptionRatePerHour is < 0 || p.PriceFraction is <= 0 or > 1)
            {
                errors.Add($"SpotPools entry {p.InstanceType}/{p.AvailabilityZone}: Capacity and InterruptionRatePerHour must not be negative, PriceFraction in (0, 1].");
            }
        }

        errors.AddRange(Timings.Validate());
        errors.AddRange(LoadBalancing.Validate());
        return errors;
    }
}

/// <summary>One configured Spot pool (B-IT-4, B-SP-5): null fields use the defaults.</summary>
public sealed class SpotPoolOptions
{
    public string InstanceType { get; set; } = "*";

    public string AvailabilityZone { get; set; } = "*";

    /// <summary>Price as a fraction of On-Demand; null = <see cref="EmulatorOptions.SpotPriceFraction"/>.</summary>
    public double? PriceFraction { get; set; }

    /// <summary>Instances the pool can hold at once; null = unlimited.</summary>
    public int? Capacity { get; set; }

    /// <summary>Interruptions per instance-hour; null = <see cref="EmulatorOptions.SpotInterruptionRatePerHour"/>.</summary>
    public double? InterruptionRatePerHour { get; set; }
}

/// <summary>
/// Every emulated duration of the emulator (B-T-2 and the periods of its control loops), each configurable under
/// <c>Emulator:Timings</c>, with AWS's defaults. Grains read them from here; none is written inline.
/// </summary>
public sealed class EmulatorTimings
{
    /// <summary>EC2 launch: ASG Pending -> InService.</summary>
    public TimeSpan Ec2Launch { get; set; } = TimeSpan.FromSeconds(40);

    /// <summary>ECS agent registration after InService (the container instance becomes ACTIVE).</summary>
    public TimeSpan AgentRegistration { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Task PROVISIONING -> PENDING once placed, awsvpc only (ENI attach); 0 for bridge/host.</summary>
    public TimeSpan EniAttach { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Task PENDING -> RUNNING on EC2 (image pull + start).</summary>
    public TimeSpan TaskStart { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Fargate task PROVISIONING -> RUNNING.</summary>
    public TimeSpan FargateStart { get; set; } = TimeSpan.FromSeconds(40);

    /// <summary>Container exit after SIGTERM (the app's own shutdown), capped by stopTimeout.</summary>
    public TimeSpan ContainerExit { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>stopTimeout / ECS_CONTAINER_STOP_TIMEOUT.</summary>
    public TimeSpan StopTimeout { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan Deprovisioning { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Stopped tasks stay visible to Describe/List this long, then are deleted.</summary>
    public TimeSpan StoppedRetention { get; set; } = TimeSpan.FromHours(1);

    /// <summary>CloudWatch metric period (CapacityProviderReservation, service CPU).</summary>
    public TimeSpan MetricPeriod { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Spot interruption notice before termination.</summary>
    public TimeSpan SpotNotice { get; set; } = TimeSpan.FromSeconds(120);

    /// <summary>A PROVISIONING task waits at most this long (B-PQ-3).</summary>
    public TimeSpan ProvisioningTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>A task without LB or health checks counts as healthy this long after RUNNING (B-TL-5).</summary>
    public TimeSpan HealthGracePeriod { get; set; } = TimeSpan.FromSeconds(40);

    /// <summary>Managed draining lifecycle hook timeout (B-CAS-8).</summary>
    public TimeSpan DrainingHookTimeout { get; set; } = TimeSpan.FromSeconds(3600);

    /// <summary>Relative jitter (0..1) applied to launch/registration/start durations; 0 = exact.</summary>
    public double Jitter { get; set; }

    /// <summary>First retry interval of a service whose tasks keep failing to start (B-SV-5), doubling up to the max.</summary>
    public TimeSpan StartFailureBackoffInitial { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan StartFailureBackoffMax { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How often a service reconciles even without a change (B-SV-3).</summary>
    public TimeSpan ServiceReconcilePeriod { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// How often an Auto Scaling group looks at its instances between their due steps (B-ASG-1): launches toward
    /// desired capacity, managed draining's progress (B-CAS-8), the pools' interruption rates (B-SP-5). Due steps
    /// (InService, registration, Spot warning and termination, the hook timeout) get wakes of their own.
    /// </summary>
    public TimeSpan AutoScalingGroupTick { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>After a failed launch (no capacity) the group tries again this much later: one failed scaling activity per attempt (B-ASG-3, B-ASG-6).</summary>
    public TimeSpan LaunchRetry { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>B-SP-5: the pools' interruption rates are applied over steps of this length.</summary>
    public TimeSpan SpotInterruptionRateStep { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>A terminated EC2 instance is kept this long (EC2 shows terminated instances about an hour), then folded into the group's cost.</summary>
    public TimeSpan TerminatedInstanceRetention { get; set; } = TimeSpan.FromHours(1);

    /// <summary>A CAS evaluation that failed because a grain was unreachable (its silo died) is tried again this much later (B-CAS-*).</summary>
    public TimeSpan CapacityProviderRetry { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// B-MI-2: how often an ECS Managed Instances provider's manager looks at its pending tasks and instances (Model
    /// choice: AWS reacts to pending tasks within seconds, not on CAS's metric period).
    /// </summary>
    public TimeSpan ManagedInstancesPeriod { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>B-MI-3 (Model choice, AWS does not publish it): the wait before consolidation when <c>scaleInAfter</c> is not given.</summary>
    public TimeSpan ManagedInstancesScaleInAfter { get; set; } = TimeSpan.FromSeconds(300);

    /// <summary>B-MI-3 (Model choice): an instance with both CPU and memory reserved below this fraction is underutilized.</summary>
    public double ManagedInstancesUnderutilized { get; set; } = 0.5;

    /// <summary>B-PL-5, B-SV-6: an unchanged placement-failure service event is repeated at most this often.</summary>
    public TimeSpan PlacementFailureEventRepeat { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// B-AZ-1 (Model choice): tasks started to rebalance that still wait for a container instance this long are stopped
    /// (Cluster Auto Scaling had time to launch one) ...
    /// </summary>
    public TimeSpan RebalanceQueueGrace { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>B-AZ-1 (Model choice): ... and the service does not try to rebalance again for this long.</summary>
    public TimeSpan RebalanceBackoff { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>B-SV-3: the window over which a service's launches are counted against <see cref="EmulatorOptions.ServiceLaunchesPerMinute"/>.</summary>
    public TimeSpan ServiceLaunchWindow { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>B-LB-3: synthetic traffic is computed in steps of this length.</summary>
    public TimeSpan TrafficStep { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// B-CW-1 (Model choice): an alarm evaluates the periods that ended at a grid point this long after it, so the
    /// datapoints of the period just closed (published at its end by the emulator's own metrics) have arrived.
    /// </summary>
    public TimeSpan AlarmEvaluationDelay { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// B-CW-1 / B-T-3 (Model choice): AWS does not evaluate every alarm on the same second. The 16 alarm shards evaluate
    /// at offsets spread evenly over this window after <see cref="AlarmEvaluationDelay"/> (at most one period), so two
    /// thousand alarms are not one burst on the metric store. Zero evaluates every alarm at the delay itself.
    /// </summary>
    public TimeSpan AlarmEvaluationSpread { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// B-T-3 (Model choice): each service publishes its Container Insights datapoints (stamped with the period that
    /// ended) at a stable offset of up to this long after the period's end instead of all services on the same instant.
    /// Less than <see cref="AlarmEvaluationDelay"/>, so an alarm reads a period only after its datapoints arrived.
    /// </summary>
    public TimeSpan MetricPublishSpread { get; set; } = TimeSpan.FromSeconds(10);

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        foreach (var (name, value) in new (string, TimeSpan)[]
                 {
                     (nameof(Ec2Launch), Ec2Launch), (nameof(AgentRegistration), AgentRegistration),
                     (nameof(EniAttach), EniAttach), (nameof(TaskStart), TaskStart), (nameof(FargateStart), FargateStart),
                     (nameof(ContainerExit), ContainerExit), (nameof(StopTimeout), StopTimeout),
                     (nameof(Deprovisioning), Deprovisioning), (nameof(StoppedRetention), StoppedRetention),
                     (nameof(SpotNotice), SpotNotice), (nameof(HealthGracePeriod), HealthGracePeriod),
                     (nameof(DrainingHookTimeout), DrainingHookTimeout), (nameof(LaunchRetry), LaunchRetry),
                     (nameof(AlarmEvaluationDelay), AlarmEvaluationDelay), (nameof(AlarmEvaluationSpread), AlarmEvaluationSpread),
                     (nameof(MetricPublishSpread), MetricPublishSpread),
                     (nameof(TerminatedInstanceRetention), TerminatedInstanceRetention),
                     (nameof(PlacementFailureEventRepeat), PlacementFailureEventRepeat),
                     (nameof(RebalanceQueueGrace), RebalanceQueueGrace), (nameof(RebalanceBackoff), RebalanceBackoff),
                 })
        {
            if (value < TimeSpan.Zero)
            {
                errors.Add($"Timings.{name} must not be negative.");
            }
        }

        if (MetricPeriod <= TimeSpan.Zero)
        {
            errors.Add("Timings.MetricPeriod must be positive.");
        }

        if (MetricPublishSpread > TimeSpan.Zero && MetricPublishSpread >= AlarmEvaluationDelay)
        {
            errors.Add("Timings.MetricPublishSpread must be shorter than Timings.AlarmEvaluationDelay (an alarm would read a period before its datapoints arrived).");
        }

        if (MetricPublishSpread >= MetricPeriod)
        {
            errors.Add("Timings.MetricPublishSpread must be shorter than Timings.MetricPeriod.");
        }

        if (ProvisioningTimeout <= TimeSpan.Zero)
        {
            errors.Add("Timings.ProvisioningTimeout must be positive.");
        }

        foreach (var (name, value) in new (string, TimeSpan)[]
                 {
                     (nameof(ServiceReconcilePeriod), ServiceReconcilePeriod), (nameof(AutoScalingGroupTick), AutoScalingGroupTick),
                     (nameof(SpotInterruptionRateStep), SpotInterruptionRateStep), (nameof(CapacityProviderRetry), CapacityProviderRetry),
                     (nameof(ManagedInstancesPeriod), ManagedInstancesPeriod), (nameof(ManagedInstancesScaleInAfter), ManagedInstancesScaleInAfter),
                     (nameof(ServiceLaunchWindow), ServiceLaunchWindow), (nameof(TrafficStep), TrafficStep),
                 })
        {
            if (value <= TimeSpan.Zero)
            {
                errors.Add($"Timings.{name} must be positive.");
            }
        }

        if (ManagedInstancesUnderutilized is < 0 or > 1)
        {
            errors.Add("Timings.ManagedInstancesUnderutilized must be between 0 and 1.");
        }

        if (Jitter is < 0 or > 1)
        {
            errors.Add("Timings.Jitter must be between 0 and 1.");
        }

        return errors;
    }

    /// <summary>A duration with the configured jitter applied from a seeded stream.</summary>
    public TimeSpan WithJitter(TimeSpan d, Random random) =>
        Jitter <= 0 ? d : TimeSpan.FromTicks((long)(d.Ticks * (1 + Jitter * (2 * random.NextDouble() - 1))));
}
