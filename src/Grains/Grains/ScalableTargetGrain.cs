using System.Collections.Immutable;
using System.Globalization;
using Emulator.Contracts;
using Emulator.Model.AutoScaling;
using Emulator.Model.Time;
using Emulator.Runtime;
using Microsoft.Extensions.Logging;

namespace Emulator.Grains;

/// <summary>A scaling policy as the target stores it: its description and the id its alarms' names carry.</summary>
[GenerateSerializer, Immutable, Alias("StoredScalingPolicy")]
public sealed record StoredScalingPolicy(
    [property: Id(0)] ScalingPolicyInfo Info,
    [property: Id(1)] string AlarmId);

[GenerateSerializer, Alias("ScalableTargetState")]
public sealed class ScalableTargetState
{
    [Id(0)] public ScalableTargetInfo? Target { get; set; }

    [Id(1)] public Dictionary<string, StoredScalingPolicy> Policies { get; set; } = new(StringComparer.Ordinal);

    [Id(2)] public Dictionary<string, ScheduledActionInfo> Scheduled { get; set; } = new(StringComparer.Ordinal);

    [Id(3)] public ImmutableList<ScalingActivityRecord> Activities { get; set; } = [];

    [Id(4)] public DateTimeOffset? ScaleOutUntil { get; set; }

    [Id(5)] public int ScaleOutBase { get; set; }

    [Id(6)] public DateTimeOffset? ScaleInUntil { get; set; }

    [Id(7)] public int Incarnation { get; set; }

    [Id(8)] public string? LastNotScaled { get; set; }
}

/// <summary>
/// One scalable target of Application Auto Scaling (B-AS-1..6): see <see cref="IScalableTargetGrain"/>. A method reads
/// like its paragraph: validate, decide with the pure model (<see cref="ServiceScaling"/>, <see cref="StepScaling"/>,
/// <see cref="TargetTracking"/>, <see cref="Schedule"/>), apply to the service, record the activity, persist.
/// Calls go out to the service and to the alarms (awaited); nothing calls back into it except one-way alarm actions.
/// </summary>
public sealed partial class ScalableTargetGrain(
    [PersistentState("scalableTarget", "emulator")] IPersistentState<ScalableTargetState> store, EmulatorRuntime runtime, ILogger<ScalableTargetGrain> log)
    : Grain, IScalableTargetGrain, IRemindable
{
    /// <summary>Activities kept per target (Model choice; AWS keeps six weeks).</summary>
    private const int ActivityLimit = 500;

    private const int PolicyLimit = 50;
    private const int ScheduledLimit = 200;

    private Random _random = new(0);
    private DueTimer? _timer;

    private ScalableTargetState S => store.State;

    private (string Namespace, string ResourceId, string Dimension) Key => GrainKeys.ParseScalableTarget(this.GetPrimaryKeyString());

    private DateTimeOffset Now => runtime.Clock.Now;

    private ICloudWatchAlarmsGrain Alarms => GrainFactory.GetGrain<ICloudWatchAlarmsGrain>(0);

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (S.Target is not null)
        {
            S.Incarnation++;
            await store.WriteStateAsync(cancellationToken);
        }

        _random = runtime.Random.For(Durability.Scope("scalable-target/" + this.GetPrimaryKeyString(), S.Incarnation));
        _timer = DueTimer.Register(this, Tick, runtime.Clock);
        ArmScheduled();
    }

    public Task ReceiveReminder(string reminderName, TickStatus status) => Task.CompletedTask;

    public async Task<ScalableTargetInfo> Register(ScalableTargetSpec spec)
    {
        var (cluster, service) = AppAutoScaling.ParseResourceId(spec.ResourceId) ?? throw Validation($"Unsupported resource ID {spec.ResourceId}: an ECS service is service/CLUSTER/SERVICE.");
        var described = await Service(cluster, service).Describe();
        if (described is null || described.Status != ServiceStatus.ACTIVE)
        {
            throw Validation($"ECS service doesn't exist: {spec.ResourceId}");
        }

        var now = Now;
        var current = S.Target;
        if (current is null && (spec.MinCapacity is null || spec.MaxCapacity is null))
        {
            throw Validation("MinCapacity and MaxCapacity are required when a scalable target is registered for the first time.");
        }

        var min = spec.MinCapacity ?? current!.MinCapacity;
        var max = spec.MaxCapacity ?? current!.MaxCapacity;
        if (min < 0 || max < 0)
        {
            throw Validation(string.Create(CultureInfo.InvariantCulture, $"1 validation error detected: Value '{Math.Min(min, max)}' at '{(min < 0 ? "minCapacity" : "maxCapacity")}' failed to satisfy constraint: Member must have value greater than or equal to 0"));
        }

        if (min > max)
        {
            throw Validation(string.Create(CultureInfo.InvariantCulture, $"Minimum capacity {min} cannot be greater than maximum capacity {max}."));
        }

        var tags = spec.Tags ?? current?.Tags ?? ImmutableDictionary<string, string>.Empty;
        S.Target = current is null
            ? new ScalableTargetInfo(Key.Namespace, Key.ResourceId, Key.Dimension, min, max,
                spec.RoleArn ?? $"arn:aws:iam::{runtime.Account}:role/aws-service-role/ecs.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_ECSService",
                spec.SuspendedState ?? SuspendedStateSpec.None, now, AppAutoScaling.ScalableTargetArn(runtime.Region, runtime.Account, RandomIds.HexString(_random, 36)), tags)
            : current with
            {
                MinCapacity = min,
                MaxCapacity = max,
                RoleArn = spec.RoleArn ?? current.RoleArn,
                SuspendedState = spec.SuspendedState ?? current.SuspendedState,
                Tags = tags,
            };
        await store.WriteStateAsync();
        await GrainFactory.GetGrain<IAccountGrain>(GrainKeys.Account).Add(ResourceKind.ScalableTarget, this.GetPrimaryKeyString());

        // Bounds changed: the current capacity moves inside them at once (B-AS-4).
        if (ServiceScaling.Clamp(described.Spec.DesiredCount, min, max) is { } clamped)
        {
            await SetDesired(cluster, service, clamped, described.Spec.DesiredCount,
                clamped > described.Spec.DesiredCount
                    ? string.Create(CultureInfo.InvariantCulture, $"minimum capacity was set to {min}")
                    : string.Create(CultureInfo.InvariantCulture, $"maximum capacity was set to {max}"), now);
        }

        return S.Target;
    }

    public async Task Deregister()
    {
        var target = EnsureTarget();
        await Alarms.DeleteIfExists([.. S.Policies.Values.SelectMany(p => p.Info.Alarms.Select(a => a.AlarmName))]);
        S.Target = null;
        S.Policies.Clear();
        S.Scheduled.Clear();
        S.ScaleOutUntil = S.ScaleInUntil = null;
        await store.WriteStateAsync();
        await GrainFactory.GetGrain<IAccountGrain>(GrainKeys.Account).Remove(ResourceKind.ScalableTarget, this.GetPrimaryKeyString());
        _ = target;
        ArmScheduled();
    }

    public Task<ScalableTargetInfo?> Describe() => Task.FromResult(S.Target);

    public async Task<ScalingPolicyInfo> PutPolicy(ScalingPolicySpec spec)
    {
        EnsureTarget();
        if (spec.PolicyType is not ("TargetTrackingScaling" or "StepScaling"))
        {
            throw Validation($"Unsupported policy type {spec.PolicyType} for the scalable dimension {Key.Dimension}: use TargetTrackingScaling or StepScaling.");
        }

        var error = spec.PolicyType == "TargetTrackingScaling"
            ? spec.TargetTracking is null ? "TargetTrackingScalingPolicyConfiguration is required for a TargetTrackingScaling policy." : spec.StepScaling is not null ? "StepScalingPolicyConfiguration is not allowed for a TargetTrackingScaling policy." : TargetTracking.Validate(spec.TargetTracking)
            : spec.StepScaling is null ? "StepScalingPolicyConfiguration is required for a StepScaling policy." : spec.TargetTracking is not null ? "TargetTrackingScalingPolicyConfiguration is not allowed for a StepScaling policy." : StepScaling.Validate(spec.StepScaling);
        if (error is not null)
        {
            throw Validation(error);
        }

        var existing = S.Policies.GetValueOrDefault(spec.PolicyName);
        if (existing is not null && existing.Info.Spec.PolicyType != spec.PolicyType)
        {
            throw Validation($"The policy {spec.PolicyName} is a {existing.Info.Spec.PolicyType} policy: its type cannot be changed.");
        }

        if (existing is null && S.Policies.Count >= PolicyLimit)
        {
            throw new EcsException("LimitExceededException", $"A scalable target can have at most {PolicyLimit} scaling policies.");
        }

        var now = Now;
        var alarmId = existing?.AlarmId ?? RandomIds.Uuid(_random);
        var arn = existing?.Info.Arn ?? AppAutoScaling.PolicyArn(runtime.Region, runtime.Account, RandomIds.Uuid(_random), Key.Namespace, Key.ResourceId, spec.PolicyName);
        ImmutableArray<PolicyAlarm> alarms = [];
        if (spec.TargetTracking is { } tt)
        {
            var (cluster, service) = AppAutoScaling.ParseResourceId(Key.ResourceId)!.Value;
            var high = TargetTracking.Alarm(tt, TargetTracking.HighAlarmName(Key.ResourceId, alarmId), arn, cluster, service, high: true, spec.PolicyName);
            var created = ImmutableArray.CreateBuilder<PolicyAlarm>();
            created.Add(new PolicyAlarm(high.Name, (await Alarms.Put(high)).Arn));
            var lowName = TargetTracking.LowAlarmName(Key.ResourceId, alarmId);
            if (tt.DisableScaleIn == true)
            {
                await Alarms.DeleteIfExists([lowName]); // no scale-in: no low alarm
            }
            else
            {
                var low = TargetTracking.Alarm(tt, lowName, arn, cluster, service, high: false, spec.PolicyName);
                created.Add(new PolicyAlarm(low.Name, (await Alarms.Put(low)).Arn));
            }

            alarms = created.ToImmutable();
        }
        else if (existing is not null)
        {
            alarms = existing.Info.Alarms; // step scaling: the user's alarms that name it (filled at Describe)
        }

        var info = new ScalingPolicyInfo(spec, arn, Key.Namespace, Key.ResourceId, Key.Dimension, alarms, existing?.Info.CreationTime ?? now);
        S.Policies[spec.PolicyName] = new StoredScalingPolicy(info, alarmId);
        await store.WriteStateAsync();
        return info;
    }

    public async Task DeletePolicy(string policyName)
    {
        EnsureTarget();
        if (!S.Policies.Remove(policyName, out var policy))
        {
            throw new EcsException("ObjectNotFoundException",
                $"No scaling policy found for service namespace: {Key.Namespace}, resource ID: {Key.ResourceId}, scalable dimension: {Key.Dimension}, policy name: {policyName}");
        }

        if (policy.Info.Spec.PolicyType == "TargetTrackingScaling")
        {
            await Alarms.DeleteIfExists([.. policy.Info.Alarms.Select(a => a.AlarmName)]);
        }

        await store.WriteStateAsync();
    }

    public async Task<ImmutableArray<ScalingPolicyInfo>> Policies()
    {
        if (S.Target is null)
        {
            return [];
        }

        var steps = S.Policies.Values.Where(p => p.Info.Spec.PolicyType == "StepScaling").ToList();
        var byArn = new Dictionary<string, ImmutableArray<PolicyAlarm>>(StringComparer.Ordinal);
        if (steps.Count > 0)
        {
            // Step policies list the user alarms that name them in AlarmActions.
            var prefix = $"arn:aws:autoscaling:{runtime.Region}:{runtime.Account}:scalingPolicy:";
            var alarms = await Alarms.Describe(new AlarmQuery([], null, null, prefix));
            foreach (var p in steps)
            {
                byArn[p.Info.Arn] = [.. alarms.Where(a => a.Spec.AlarmActions.Contains(p.Info.Arn) || a.Spec.OkActions.Contains(p.Info.Arn)).Select(a => new PolicyAlarm(a.Spec.Name, a.Arn))];
            }
        }

        return [.. S.Policies.Values.OrderBy(p => p.Info.Spec.PolicyName, StringComparer.Ordinal)
            .Select(p => byArn.TryGetValue(p.Info.Arn, out var a) ? p.Info with { Alarms = a } : p.Info)];
    }

    public async Task<ScheduledActionInfo> PutScheduledAction(ScheduledActionSpec spec)
    {
        EnsureTarget();
        Schedule schedule;
        try
        {
            schedule = Emulator.Model.AutoScaling.Schedule.Parse(spec.Schedule, spec.Timezone);
        }
        catch (ScheduleException e)
        {
            throw Validation(e.Message);
        }

        if (spec.MinCapacity is < 0 || spec.MaxCapacity is < 0)
        {
            throw Validation("MinCapacity and MaxCapacity of a scheduled action must not be negative.");
        }

        if (spec.MinCapacity is { } min && spec.MaxCapacity is { } max && min > max)
        {
            throw Validation(string.Create(CultureInfo.InvariantCulture, $"Minimum capacity {min} cannot be greater than maximum capacity {max}."));
        }

        if (spec.StartTime is { } st && spec.EndTime is { } et && et <= st)
        {
            throw Validation("EndTime must be after StartTime.");
        }

        var existing = S.Scheduled.GetValueOrDefault(spec.Name);
        if (existing is null && S.Scheduled.Count >= ScheduledLimit)
        {
            throw new EcsException("LimitExceededException", $"A scalable target can have at most {ScheduledLimit} scheduled actions.");
        }

        var now = Now;
        var created = existing?.CreationTime ?? now;
        var info = new ScheduledActionInfo(spec, existing?.Arn ?? AppAutoScaling.ScheduledActionArn(runtime.Region, runtime.Account, RandomIds.Uuid(_random), Key.Namespace, Key.ResourceId, spec.Name),
            Key.Namespace, Key.ResourceId, Key.Dimension, created, ScheduledRuns.Next(schedule, now, now, spec.StartTime, spec.EndTime));
        S.Scheduled[spec.Name] = info;
        await store.WriteStateAsync();
        ArmScheduled();
        return info;
    }

    public async Task DeleteScheduledAction(string name)
    {
        EnsureTarget();
        if (!S.Scheduled.Remove(name))
        {
            throw new EcsException("ObjectNotFoundException",
                $"No scheduled action found for service namespace: {Key.Namespace}, resource ID: {Key.ResourceId}, scalable dimension: {Key.Dimension}, scheduled action name: {name}");
        }

        await store.WriteStateAsync();
        ArmScheduled();
    }

    public Task<ImmutableArray<ScheduledActionInfo>> ScheduledActions() =>
        Task.FromResult(S.Scheduled.Values.OrderBy(a => a.Spec.Name, StringComparer.Ordinal).ToImmutableArray());

    public Task<ImmutableArray<ScalingActivityRecord>> Activities(bool includeNotScaled) =>
        Task.FromResult(S.Activities.Where(a => includeNotScaled || !a.NotScaled).Reverse().ToImmutableArray());

    public async Task Tag(ImmutableDictionary<string, string> tags)
    {
        var target = EnsureTarget();
        S.Target = target with { Tags = target.Tags.SetItems(tags) };
        await store.WriteStateAsync();
    }

    public async Task Untag(ImmutableArray<string> keys)
    {
        var target = EnsureTarget();
        S.Target = target with { Tags = target.Tags.RemoveRange(keys) };
        await store.WriteStateAsync();
    }

    public async Task<ScalableTargetStatus?> Status()
    {
        if (S.Target is not { } target)
        {
            return null;
        }

        var policies = await Policies();
        var names = policies.SelectMany(p => p.Alarms.Select(a => a.AlarmName)).ToImmutableArray();
        var alarms = names.IsEmpty ? [] : await Alarms.Describe(new AlarmQuery(names, null, null, null));
        var (cluster, service) = AppAutoScaling.ParseResourceId(Key.ResourceId)!.Value;
        var current = (await Service(cluster, service).Describe())?.Spec.DesiredCount;
        return new ScalableTargetStatus(target, policies, [.. alarms.Select(a => new PolicyAlarmState(a.Spec.Name, a.State, a.LatestValue))],
            S.Activities.LastOrDefault(), S.Scheduled.Values.Where(a => a.NextRunAt is not null).OrderBy(a => a.NextRunAt).FirstOrDefault(), current);
    }

    /// <summary>B-AS-2, B-AS-3: an alarm naming one of the policies is in ALARM.</summary>
    public async Task OnAlarmAction(AlarmActionInvocation invocation)
    {
        if (S.Target is not { } target || AppAutoScaling.ParsePolicyArn(invocation.PolicyArn) is not { } parsed
            || !S.Policies.TryGetValue(parsed.PolicyName, out var policy) || policy.Info.Arn != invocation.PolicyArn
            || invocation.Datapoints.IsDefaultOrEmpty && invocation.Transition is false)
        {
            return;
        }

        var (cluster, service) = AppAutoScaling.ParseResourceId(Key.ResourceId)!.Value;
        var described = await Service(cluster, service).Describe();
        if (described is null || described.Status != ServiceStatus.ACTIVE)
        {
            return;
        }

        var current = described.Spec.DesiredCount;
        var deploying = described.Deployments.Any(d => d.Status == "PRIMARY" && d.RolloutState == DeploymentRolloutState.IN_PROGRESS);
        var request = await Request(policy, invocation);
        if (request is null)
        {
            return;
        }

        var now = Now;
        var decision = ServiceScaling.Decide(request, current, target.MinCapacity, target.MaxCapacity, target.SuspendedState,
            new CooldownState(S.ScaleOutUntil, S.ScaleOutBase, S.ScaleInUntil), deploying, now);
        var cause = $"monitor alarm {invocation.AlarmName} in state ALARM triggered policy {policy.Info.Spec.PolicyName}";
        if (decision.NewDesired is { } desired)
        {
            (S.ScaleOutUntil, S.ScaleOutBase, S.ScaleInUntil) = (decision.Cooldowns.ScaleOutUntil, decision.Cooldowns.ScaleOutBase, decision.Cooldowns.ScaleInUntil);
            S.LastNotScaled = null;
            await SetDesired(cluster, service, desired, current, cause, now);
        }
        else if (decision.NotScaledCode is { } code)
        {
            var key = $"{code}|{invocation.AlarmName}|{current}";
            if (S.LastNotScaled != key)
            {
                S.LastNotScaled = key;
                Record(new ScalingActivityRecord(RandomIds.Uuid(_random), Key.Namespace, Key.ResourceId, Key.Dimension,
                    string.Create(CultureInfo.InvariantCulture, $"Attempting to set desired count to {Math.Clamp(decision.Proposed, 0, int.MaxValue)}."), cause, now, now, "Failed",
                    string.Create(CultureInfo.InvariantCulture, $"Failed to set desired count to {Math.Clamp(decision.Proposed, 0, int.MaxValue)}. Reason: {NotScaledText(code)}"),
                    [new NotScaledReasonRecord(code, target.MaxCapacity, target.MinCapacity, current)]), cluster, now);
                await store.WriteStateAsync();
            }
        }
        else
        {
            LogNotScaled(Key.ResourceId, policy.Info.Spec.PolicyName, decision.Explanation);
        }
    }

    /// <summary>What a policy asks for when its alarm fires: target tracking (with the scale-in vote of several policies) or step scaling.</summary>
    private async Task<ScalingRequest?> Request(StoredScalingPolicy policy, AlarmActionInvocation invocation)
    {
        var spec = policy.Info.Spec;
        var values = invocation.Datapoints;
        if (spec.TargetTracking is { } tt)
        {
            if (values.IsDefaultOrEmpty)
            {
                return null; // no scaling on INSUFFICIENT_DATA or without a value (B-AS-2)
            }

            var value = values[^1];
            var outCooldown = TimeSpan.FromSeconds(tt.ScaleOutCooldown ?? 300);
            var inCooldown = TimeSpan.FromSeconds(tt.ScaleInCooldown ?? 300);
            var low = invocation.AlarmName == TargetTracking.LowAlarmName(Key.ResourceId, policy.AlarmId);
            if (!low)
            {
                return new ScalingRequest(spec.PolicyName, spec.PolicyType, c => Math.Max(c, ServiceScaling.TargetTrackingDesired(c, value, tt.TargetValue)), outCooldown, inCooldown, tt.DisableScaleIn == true);
            }

            // Scale in only if every target tracking policy that may scale in agrees (its low alarm is in ALARM).
            var voters = S.Policies.Values.Where(p => p.Info.Spec.TargetTracking is { DisableScaleIn: not true } && p.Info.Spec.PolicyName != spec.PolicyName).ToList();
            var others = voters.Count == 0 ? [] : await Alarms.Describe(AlarmQuery.Named([.. voters.Select(p => TargetTracking.LowAlarmName(Key.ResourceId, p.AlarmId))]));
            var votes = voters.Select(p =>
            {
                var alarm = others.FirstOrDefault(a => a.Spec.Name == TargetTracking.LowAlarmName(Key.ResourceId, p.AlarmId));
                return alarm is { State: AlarmStateValue.ALARM, LatestValue: { } v } ? (Target: p.Info.Spec.TargetTracking!.TargetValue, Value: v) : ((double Target, double Value)?)null;
            }).ToList();
            if (votes.Any(v => v is null))
            {
                LogNotScaled(Key.ResourceId, spec.PolicyName, "scale-in needs every target tracking policy to agree; one does not");
                return null;
            }

            return new ScalingRequest(spec.PolicyName, spec.PolicyType,
                c => ServiceScaling.ScaleInVote([ServiceScaling.TargetTrackingDesired(c, value, tt.TargetValue), .. votes.Select(v => (int?)ServiceScaling.TargetTrackingDesired(c, v!.Value.Value, v.Value.Target))]) ?? c,
                outCooldown, inCooldown, false);
        }

        var step = spec.StepScaling!;
        var metric = StepScaling.Aggregate(step.MetricAggregationType, values.IsDefault ? [] : values);
        if (double.IsNaN(metric) || invocation.Threshold is not { } threshold || StepScaling.Select(step.StepAdjustments, metric, threshold) is not { } adjustment)
        {
            LogNotScaled(Key.ResourceId, spec.PolicyName, "no step adjustment matches the breach");
            return null;
        }

        var cooldown = TimeSpan.FromSeconds(step.Cooldown ?? 300);
        return new ScalingRequest(spec.PolicyName, spec.PolicyType,
            c => Math.Max(0, StepScaling.Desired(step.AdjustmentType!, adjustment.ScalingAdjustment, c, step.MinAdjustmentMagnitude)), cooldown, cooldown, false);
    }

    /// <summary>B-AS-4: scheduled actions due now set min/max and move the capacity inside them.</summary>
    private async Task Tick(CancellationToken cancellationToken)
    {
        _timer?.Fired();
        try
        {
            var now = Now;
            foreach (var action in S.Scheduled.Values.Where(a => a.NextRunAt is { } at && at <= now).ToList())
            {
                runtime.Metrics.RecordLag(TimerLag.Of(action.NextRunAt!.Value, now), LagSources.ScheduledAction);
                await RunScheduled(action, now);
            }
        }
        catch (Exception e)
        {
            LogScheduledFailed(Key.ResourceId, e.Message);
        }
        finally
        {
            ArmScheduled();
        }
    }

    private async Task RunScheduled(ScheduledActionInfo action, DateTimeOffset now)
    {
        var schedule = Emulator.Model.AutoScaling.Schedule.Parse(action.Spec.Schedule, action.Spec.Timezone);
        S.Scheduled[action.Spec.Name] = action with { NextRunAt = ScheduledRuns.Next(schedule, now, action.CreationTime, action.Spec.StartTime, action.Spec.EndTime) };
        if (S.Target is not { } target || target.SuspendedState.ScheduledScalingSuspended)
        {
            await store.WriteStateAsync();
            return;
        }

        var min = action.Spec.MinCapacity ?? target.MinCapacity;
        var max = action.Spec.MaxCapacity ?? target.MaxCapacity;
        if (min > max)
        {
            (min, max) = action.Spec.MinCapacity is null ? (max, max) : (min, min);
        }

        S.Target = target with { MinCapacity = min, MaxCapacity = max };
        await store.WriteStateAsync();
        var (cluster, service) = AppAutoScaling.ParseResourceId(Key.ResourceId)!.Value;
        var described = await Service(cluster, service).Describe();
        if (described is { Status: ServiceStatus.ACTIVE } && ServiceScaling.Clamp(described.Spec.DesiredCount, min, max) is { } clamped)
        {
            await SetDesired(cluster, service, clamped, described.Spec.DesiredCount, $"scheduled action name {action.Spec.Name} was triggered", now);
        }
    }

    /// <summary>B-AS-6: the activity, the new desired count to the service, and the events of both.</summary>
    private async Task SetDesired(string cluster, string service, int desired, int from, string cause, DateTimeOffset now)
    {
        var activity = new ScalingActivityRecord(RandomIds.Uuid(_random), Key.Namespace, Key.ResourceId, Key.Dimension,
            string.Create(CultureInfo.InvariantCulture, $"Setting desired count to {desired}."), cause, now, null, "InProgress", null, []);
        try
        {
            await Service(cluster, service).Update(ServiceUpdate.Desired(desired));
            activity = activity with
            {
                EndTime = Now,
                StatusCode = "Successful",
                StatusMessage = string.Create(CultureInfo.InvariantCulture, $"Successfully set desired count to {desired}. Change successfully fulfilled by ecs."),
            };
            ServiceEvent(cluster, service, desired, from, now);
        }
        catch (EcsException e)
        {
            activity = activity with { EndTime = Now, StatusCode = "Failed", StatusMessage = string.Create(CultureInfo.InvariantCulture, $"Failed to set desired count to {desired}. Reason: {e.Message}") };
        }

        Record(activity, cluster, now);
        LogScaled(Key.ResourceId, from, desired, cause);
        await store.WriteStateAsync();
    }

    private void Record(ScalingActivityRecord activity, string cluster, DateTimeOffset now)
    {
        S.Activities = S.Activities.Add(activity);
        if (S.Activities.Count > ActivityLimit)
        {
            S.Activities = S.Activities.RemoveRange(0, S.Activities.Count - ActivityLimit);
        }

        GrainFactory.GetGrain<IClusterGrain>(GrainKeys.Cluster(cluster)).AppendEvents([new EmulatorEvent(0, RandomIds.Uuid(_random), EventTypes.ScalingActivity,
            EventTypes.SourceEmulator, now, [S.Target?.Arn ?? Key.ResourceId],
            ImmutableDictionary<string, string>.Empty
                .Add("resourceId", Key.ResourceId).Add("description", activity.Description).Add("cause", activity.Cause)
                .Add("statusCode", activity.StatusCode).Add("statusMessage", activity.StatusMessage ?? "")
                .Add("notScaledReason", activity.NotScaled ? activity.NotScaledReasons[0].Code : ""),
            null, null)]).Ignore();
    }

    /// <summary>The ECS Service Action event AWS sends when service auto scaling changes the desired count.</summary>
    private void ServiceEvent(string cluster, string service, int desired, int from, DateTimeOffset now) =>
        GrainFactory.GetGrain<IClusterGrain>(GrainKeys.Cluster(cluster)).AppendEvents([new EmulatorEvent(0, RandomIds.Uuid(_random), EventTypes.ServiceAction,
            EventTypes.SourceEcs, now, [Arns.Service(runtime.Region, runtime.Account, cluster, service)],
            ImmutableDictionary<string, string>.Empty.Add("eventType", "INFO").Add("eventName", "SERVICE_DESIRED_COUNT_UPDATED")
                .Add("clusterArn", Arns.Cluster(runtime.Region, runtime.Account, cluster))
                .Add("desiredCount", desired.ToString(CultureInfo.InvariantCulture)).Add("previousDesiredCount", from.ToString(CultureInfo.InvariantCulture)),
            null, null)]).Ignore();

    private void ArmScheduled()
    {
        var next = S.Scheduled.Values.Where(a => a.NextRunAt is not null).Select(a => a.NextRunAt!.Value).DefaultIfEmpty(DateTimeOffset.MaxValue).Min();
        if (_timer is not null && next != DateTimeOffset.MaxValue)
        {
            _timer.Arm(next);
        }

        // Scheduled actions outlive a dead silo through the wake reminder (timers do not).
        var wanted = next != DateTimeOffset.MaxValue;
        if (wanted)
        {
            this.RegisterOrUpdateReminder(Durability.WakeReminder, Durability.WakePeriod(runtime), Durability.WakePeriod(runtime)).Ignore();
        }
    }

    private static string NotScaledText(string code) => code switch
    {
        "AlreadyAtMaxCapacity" => "the scalable target is already at its maximum capacity.",
        "AlreadyAtMinCapacity" => "the scalable target is already at its minimum capacity.",
        _ => "the scalable target is already at the desired capacity.",
    };

    private IServiceGrain Service(string cluster, string service) => GrainFactory.GetGrain<IServiceGrain>(GrainKeys.Service(cluster, service));

    private ScalableTargetInfo EnsureTarget() => S.Target ?? throw new EcsException("ObjectNotFoundException",
        $"No scalable target registered for service namespace: {Key.Namespace}, resource ID: {Key.ResourceId}, scalable dimension: {Key.Dimension}");

    private static EcsException Validation(string message) => new("ValidationException", message);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Resource}: desired count {From} -> {To}: {Cause}")]
    private partial void LogScaled(string resource, int from, int to, string cause);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Resource}: policy {Policy} did not scale: {Why}")]
    private partial void LogNotScaled(string resource, string policy, string why);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Resource}: scheduled action failed: {Why}")]
    private partial void LogScheduledFailed(string resource, string why);
}
