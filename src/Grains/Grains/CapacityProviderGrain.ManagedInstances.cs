using System.Collections.Immutable;
using Emulator.Contracts;
using Emulator.Model.ManagedInstances;
using Emulator.Model.Scaling;
using Emulator.Model.Time;

namespace Emulator.Grains;

/// <summary>
/// ECS Managed Instances (B-MI-1..4): the second capacity loop. No Auto Scaling group a user sees and no
/// CapacityProviderReservation: every <see cref="Model.EmulatorTimings.ManagedInstancesPeriod"/> the manager reads the
/// provider's PROVISIONING queue and instances from the cluster, lets the pure model choose launches
/// (<see cref="Provisioning"/>) and consolidation (<see cref="Consolidation"/>), and applies them to the provider's own
/// instance group: an <see cref="IAutoScalingGroupGrain"/> no user lists, so the EC2 instance lifecycle, the agent's
/// registration, zone balancing, the Spot market and interruptions, managed draining and cost accounting are the
/// ones Auto Scaling group providers use (one implementation of each behaviour).
/// </summary>
public sealed partial class CapacityProviderGrain
{
    private const int DecisionsKept = 50;

    /// <summary>What the last evaluation saw (not stored: the next evaluation, seconds away, sees it again).</summary>
    private (int Instances, int Launching, decimal Cost) _managedView;

    private IAutoScalingGroupGrain ManagedGroup => GrainFactory.GetGrain<IAutoScalingGroupGrain>(GrainKeys.AutoScalingGroup(GrainKeys.ManagedInstancesGroup(Name)));

    private ManagedInstancesSpec Managed => Spec.ManagedInstances!;

    public async Task<CapacityProviderInfo> CreateManagedInstances(CapacityProviderSpec spec)
    {
        if (S.Exists)
        {
            throw ErrorCodes.Invalid("The specified capacity provider already exists. To change the configuration of an existing capacity provider, update the capacity provider.");
        }

        var mi = spec.ManagedInstances ?? throw new ArgumentException("A Managed Instances provider needs its configuration.", nameof(spec));
        ValidateManaged(mi);
        var groupName = GrainKeys.ManagedInstancesGroup(spec.Name);
        if (await ManagedGroup.Describe() is not null)
        {
            throw ErrorCodes.Invalid($"The capacity provider {spec.Name} cannot be created: its instance group {groupName} already exists.");
        }

        await ManagedGroup.Create(GroupSpec(spec.Name, mi, spec.Tags, InstanceTypeSelection.Matching(mi.InstanceRequirements, _rt.Catalog)[0].Name, []));
        await ManagedGroup.AttachCapacityProvider(spec.Name, managedDraining: true);
        await GrainFactory.GetGrain<IAccountGrain>(GrainKeys.Account).Add(ResourceKind.ManagedInstancesGroup, groupName);
        S.Exists = true;
        S.Status = "ACTIVE";
        S.Spec = spec with
        {
            AutoScalingGroup = groupName,
            ManagedScaling = ManagedScalingSpec.Default, // B-PQ-1: tasks wait in PROVISIONING for the manager
            ManagedTerminationProtection = false,
            ManagedDraining = true,
        };
        S.AsgArn = null;
        S.Cluster = null;
        S.ManagedLowSince = ImmutableDictionary<string, DateTimeOffset>.Empty;
        S.ManagedDecisions = [];
        await _store.WriteStateAsync();
        return Info();
    }

    public async Task<CapacityProviderInfo> UpdateManagedInstances(ManagedInstancesSpec managedInstances)
    {
        EnsureExists();
        if (!IsManaged)
        {
            throw ErrorCodes.Invalid("The managedInstancesProvider configuration can only be updated for a capacity provider of type MANAGED_INSTANCES.");
        }

        var updated = managedInstances with { Cluster = Managed.Cluster };
        ValidateManaged(updated);
        S.Spec = Spec with { ManagedInstances = updated };
        if (await ManagedGroup.Describe() is { } group)
        {
            // Later launches use the new configuration; running instances keep theirs (as EC2 launch templates do).
            await ManagedGroup.Update(new AsgUpdate(null, null, null, null, null, Spec: GroupSpec(Name, updated, Spec.Tags, group.Spec.InstanceTypes[0], [])
                with { MinSize = group.Spec.MinSize, MaxSize = group.Spec.MaxSize, DesiredCapacity = group.DesiredCapacity }));
        }

        await _store.WriteStateAsync();
        if (S.Cluster is { } cluster)
        {
            await GrainFactory.GetGrain<IClusterGrain>(cluster).UpdateProvider(Info().ToClusterProvider());
        }

        return Info();
    }

    /// <summary>
    /// B-MI-1: deleting a Managed Instances provider terminates its instances; refused (as AWS refuses an associated
    /// provider) while tasks still run on them or wait for them.
    /// </summary>
    private async Task<CapacityProviderInfo> DeleteManaged()
    {
        if (S.Cluster is { } cluster)
        {
            var snapshot = await GrainFactory.GetGrain<IClusterGrain>(cluster).GetProviderSnapshot(Name);
            if (snapshot.Instances.Any(i => i.NonDaemonTasks > 0) || snapshot.Queued.Any(q => q.Count > 0))
            {
                throw new EcsException(ErrorCodes.ResourceInUse, $"The specified capacity provider is in use by cluster {cluster}. Stop its tasks (or move its services to another capacity provider) before deleting it.");
            }
        }

        var info = Info() with { Status = "INACTIVE" };
        if (await ManagedGroup.Describe() is not null)
        {
            await ManagedGroup.AttachCapacityProvider(null, false);
            await ManagedGroup.Delete(force: true);
        }

        await GrainFactory.GetGrain<IAccountGrain>(GrainKeys.Account).Remove(ResourceKind.ManagedInstancesGroup, GrainKeys.ManagedInstancesGroup(Name));
        S.Exists = false;
        S.Status = "INACTIVE";
        await _store.WriteStateAsync();
        await SyncReminder();
        return info;
    }

    /// <summary>One evaluation of the manager (B-MI-2..4): launch for pending tasks, then consolidate.</summary>
    private async Task EvaluateManaged()
    {
        if (S.Cluster is not { } clusterName)
        {
            return;
        }

        var now = _rt.Clock.Now;
        var cluster = GrainFactory.GetGrain<IClusterGrain>(clusterName);
        var snapshot = await cluster.GetProviderSnapshot(Name);
        var group = await ManagedGroup.Describe();
        if (group is null || !snapshot.Associated)
        {
            return;
        }

        S.ManagedEvaluations++;
        S.ManagedEvaluatedAt = now;
        var registered = snapshot.Instances.ToDictionary(i => i.Ec2InstanceId, StringComparer.Ordinal);
        var launching = group.Instances
            .Where(i => i.State is LifecycleState.Pending or LifecycleState.InService && !registered.ContainsKey(i.InstanceId))
            .Select(i => i.InstanceType)
            .ToList();
        var pending = snapshot.Queued.Select(q => new PendingTasks(q.Needs, q.DistinctInstance, q.Count)).ToList();
        var allowed = InstanceTypeSelection.Matching(Managed.InstanceRequirements, _rt.Catalog);
        var zones = Managed.Zones.IsDefaultOrEmpty ? _rt.Options.AvailabilityZones.Count : Managed.Zones.Length;
        var onItsWay = snapshot.Instances.Where(i => i.AcceptsPlacements).Select(i => i.Remaining)
            .Concat(launching.Select(_rt.Catalog.Registered)).ToList();
        var plan = Provisioning.Plan(pending, onItsWay, allowed, _rt.Catalog, zones, Managed.IsSpot);

        var desired = group.DesiredCapacity;
        foreach (var launch in plan.Launches)
        {
            // The group launches the chosen type (Spot: then the alternatives, when its pool is exhausted) in its
            // most balanced zone (B-ASG-2), so the new instances spread over the zones.
            var max = Math.Max(group.Spec.MaxSize, desired + launch.Count);
            await ManagedGroup.Update(new AsgUpdate(0, max, null, null, null,
                Spec: GroupSpec(Name, Managed, Spec.Tags, launch.InstanceType, launch.SpotAlternatives) with { MaxSize = max }));
            desired += launch.Count;
            await ManagedGroup.SetDesiredCapacity(desired, null);
            S.ManagedLaunched += launch.Count;
            Decide(cluster, launch.Reason, now, ("instanceType", launch.InstanceType), ("count", launch.Count.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }

        var liveInGroup = group.Instances.Where(i => i.State == LifecycleState.InService).Select(i => i.InstanceId).ToHashSet(StringComparer.Ordinal);
        var managed = snapshot.Instances
            .Where(i => liveInGroup.Contains(i.Ec2InstanceId))
            .Select(i => new ManagedInstance(i.Ec2InstanceId, i.InstanceType, i.AcceptsPlacements, i.Status == ContainerInstanceStatus.DRAINING,
                i.IsSpot, i.Registered, i.Used, i.NonDaemonTasks, i.TaskGroups.Where(g => g.Key.StartsWith("service:", StringComparison.Ordinal)).Sum(g => g.Value)))
            .ToList();
        var settings = new ConsolidationSettings(Consolidation.ScaleInAfter(Managed.ScaleInAfter, _rt.Options.Timings.ManagedInstancesScaleInAfter),
            _rt.Options.Timings.ManagedInstancesUnderutilized);
        var consolidation = Consolidation.Evaluate(managed, S.ManagedLowSince, pending.Sum(p => p.Count), launching.Count + plan.Instances, settings, now);
        S.ManagedLowSince = consolidation.LowSince;
        foreach (var t in consolidation.Terminations)
        {
            try
            {
                // B-CAS-8's managed draining (the group's lifecycle hook): service tasks are replaced before it terminates.
                await ManagedGroup.TerminateInstance(t.InstanceId, decrementDesired: true);
            }
            catch (EcsException)
            {
                continue; // already terminating
            }

            S.ManagedTerminated++;
            Decide(cluster, t.Reason, now, ("instanceId", t.InstanceId), ("idle", t.Idle ? "true" : "false"));
        }

        var after = await ManagedGroup.Describe() ?? group;
        _managedView = (managed.Count, launching.Count + plan.Instances, after.AccruedCost);
        _rt.Metrics.RecordCost("CapacityProviderName", Name, clusterName, after.AccruedCost);
        PublishManagedMetrics(clusterName, now, managed.Count, launching.Count + plan.Instances, pending.Sum(p => p.Count));
        await _store.WriteStateAsync();
    }

    /// <summary>Records a decision (newest first) and sends it to the cluster's event log (B-EV-2) with its reason.</summary>
    private void Decide(IClusterGrain cluster, string reason, DateTimeOffset now, params (string Key, string Value)[] detail)
    {
        S.ManagedDecisions = S.ManagedDecisions.Insert(0, $"{now:yyyy-MM-ddTHH:mm:ssZ} {reason}");
        if (S.ManagedDecisions.Count > DecisionsKept)
        {
            S.ManagedDecisions = S.ManagedDecisions.RemoveRange(DecisionsKept, S.ManagedDecisions.Count - DecisionsKept);
        }

        LogManagedDecision(Name, reason);
        var details = ImmutableDictionary<string, string>.Empty.Add("capacityProvider", Name).Add("reason", reason);
        foreach (var (key, value) in detail)
        {
            details = details.SetItem(key, value);
        }

        cluster.AppendEvents([new EmulatorEvent(0, RandomIds.Uuid(_random), EventTypes.ManagedInstancesDecision, EventTypes.SourceEmulator, now,
            [Arns.CapacityProvider(_rt.Region, _rt.Account, Name)], details, null, null)]).Ignore();
    }

    /// <summary>CloudWatch metrics per provider (B-IT-5 cost comes from its group): instances, launching instances, pending tasks.</summary>
    private void PublishManagedMetrics(string clusterName, DateTimeOffset at, int instances, int launching, int pending) =>
        GrainFactory.GetGrain<IMetricStoreGrain>(MetricNamespaces.ManagedScaling).Put([
            MetricNamespaces.Datum("ManagedInstancesCount", at, instances, "Count", ("ClusterName", clusterName), ("CapacityProviderName", Name)),
            MetricNamespaces.Datum("ManagedInstancesLaunching", at, launching, "Count", ("ClusterName", clusterName), ("CapacityProviderName", Name)),
            MetricNamespaces.Datum("ManagedInstancesPendingTasks", at, pending, "Count", ("ClusterName", clusterName), ("CapacityProviderName", Name))]).Ignore();

    /// <summary>B-MI-1's checks the model makes (requirements no type satisfies, scaleInAfter's range): InvalidParameterException, nothing created.</summary>
    private void ValidateManaged(ManagedInstancesSpec mi)
    {
        if ((InstanceTypeSelection.Validate(mi.InstanceRequirements, _rt.Catalog) ?? Consolidation.ValidateScaleInAfter(mi.ScaleInAfter)) is { } error)
        {
            throw ErrorCodes.Invalid(error);
        }

        if (InstanceTypeSelection.Matching(mi.InstanceRequirements, _rt.Catalog).IsEmpty)
        {
            throw ErrorCodes.Invalid("No instance types match the capacity provider's instance requirements.");
        }
    }

    /// <summary>
    /// The provider's instance group: launches <paramref name="instanceType"/> (a Spot provider: Spot only, the lowest
    /// priced pool among the type and its <paramref name="alternatives"/>), Spot draining on (B-MI-4), tagged as managed.
    /// </summary>
    private AsgSpec GroupSpec(string provider, ManagedInstancesSpec mi, ImmutableDictionary<string, string> providerTags, string instanceType, ImmutableArray<string> alternatives)
    {
        var tags = ImmutableDictionary<string, string>.Empty
            .Add(ManagedInstancesTags.Managed, "true")
            .Add(ManagedInstancesTags.CapacityProvider, provider)
            .Add(ManagedInstancesTags.Cluster, mi.Cluster ?? "");
        if (mi.PropagateTags == "CAPACITY_PROVIDER")
        {
            tags = (providerTags ?? ImmutableDictionary<string, string>.Empty).SetItems(tags);
        }

        return new AsgSpec(GrainKeys.ManagedInstancesGroup(provider), 0, 10_000, 0, mi.Zones.IsDefaultOrEmpty ? [.. _rt.Options.AvailabilityZones] : mi.Zones,
            [instanceType, .. alternatives.IsDefault ? [] : alternatives],
            mi.IsSpot ? new MixedInstancesSpec(0, 0, InstancesDistribution.LowestPrice) : null,
            mi.Cluster ?? "", SpotDraining: true, NewInstancesProtectedFromScaleIn: false, CapacityRebalance: false, "$Default", tags, null, null);
    }

    private CapacityProviderInfo ManagedInfo() => new(
        Name, Arns.CapacityProvider(_rt.Region, _rt.Account, Name), S.Status, ProviderType.ManagedInstances, Spec, S.Cluster, null, null,
        new ManagedInstancesStatus(_managedView.Instances, _managedView.Launching, _managedView.Cost, [.. S.ManagedDecisions], S.ManagedEvaluations, S.ManagedEvaluatedAt, S.ManagedLaunched, S.ManagedTerminated),
        [.. InstanceTypeSelection.Matching(Managed.InstanceRequirements, _rt.Catalog).Select(_rt.Catalog.Registered)]);

    [Microsoft.Extensions.Logging.LoggerMessage(Level = Microsoft.Extensions.Logging.LogLevel.Information, Message = "Managed Instances {Provider}: {Reason}")]
    private partial void LogManagedDecision(string provider, string reason);
}
