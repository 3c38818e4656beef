using System.Collections.Immutable;
using Emulator.Model.Lifecycle;
using Emulator.Model.Scaling;

namespace Emulator.Grains;

/// <summary>
/// Spot interruptions (B-SP-1..3, B-SP-5), capacity rebalancing (B-ASG-5) and lost instances (terminate-instances,
/// AZ outage): the sequence is <see cref="SpotInterruptions"/>'; this part schedules it, applies its due stages and
/// feeds the pools' interruption rates.
/// </summary>
public sealed partial class AutoScalingGroupGrain
{
    private SpotGroupView SpotView => new(S.Instances, S.Interruptions, S.Desired, Spec.CapacityRebalance, Spec.SpotDraining);

    public async Task<ImmutableArray<string>> InterruptSpot(ImmutableArray<string> instanceIds, TimeSpan notice, bool rebalanceRecommendation, TimeSpan? rebalanceLead)
    {
        EnsureExists();
        var now = Now;
        var accepted = ImmutableArray.CreateBuilder<string>();
        foreach (var id in instanceIds.Distinct(StringComparer.Ordinal))
        {
            if (SpotInterruptions.CanInterrupt(S.Instances.GetValueOrDefault(id), S.Interruptions))
            {
                S.Interruptions[id] = SpotInterruptions.Schedule(id, now, notice, rebalanceRecommendation, rebalanceLead);
                accepted.Add(id);
            }
        }

        if (accepted.Count > 0)
        {
            await ProcessInterruptions(now); // the stages due now (warning, DRAINING) happen before the call returns
            await _store.WriteStateAsync();
        }

        return accepted.ToImmutable();
    }

    public async Task<ImmutableArray<string>> TerminateNow(ImmutableArray<string> instanceIds)
    {
        EnsureExists();
        var done = ImmutableArray.CreateBuilder<string>();
        foreach (var id in instanceIds.Distinct(StringComparer.Ordinal))
        {
            if (S.Instances.TryGetValue(id, out var i) && InstanceLifecycle.IsPresent(i))
            {
                var now = Now;
                await Terminate(i, ScalingActivities.CauseHealthCheckTerminated(now), now);
                done.Add(id);
            }
        }

        if (done.Count > 0)
        {
            await _store.WriteStateAsync();
            Publish();
        }

        return done.ToImmutable();
    }

    public async Task<ImmutableArray<string>> LoseZone(string availabilityZone)
    {
        EnsureExists();
        var lost = await TerminateNow(InstanceGroup.InZone(S.Instances.Values, availabilityZone));
        await ReachDesiredCapacity(Now); // B-ASG-2: replacements go to the zones that are left
        await _store.WriteStateAsync();
        return lost;
    }

    /// <summary>
    /// B-SP-1..3, B-ASG-5: the due stages of every interruption in progress (<see cref="SpotInterruptions.Advance"/>),
    /// in instance id order; an earlier one's steps may end a later one (its instance is gone).
    /// </summary>
    private async Task<bool> ProcessInterruptions(DateTimeOffset now)
    {
        var changed = false;
        foreach (var id in S.Interruptions.Keys.Order(StringComparer.Ordinal).ToList())
        {
            if (!S.Interruptions.TryGetValue(id, out var plan))
            {
                continue;
            }

            var advance = SpotInterruptions.Advance(plan, SpotView, now);
            if (advance.Plan is { } next)
            {
                S.Interruptions[id] = next;
            }
            else
            {
                S.Interruptions.Remove(id);
            }

            await Apply(advance.Steps, now);
            changed |= advance.Plan != plan || !advance.Steps.IsEmpty;
        }

        return changed;
    }

    /// <summary>
    /// B-SP-5: every <see cref="Model.EmulatorTimings.SpotInterruptionRateStep"/>, the pools' interruption rates (per
    /// instance-hour, default 0) may interrupt InService Spot instances; the seeded stream decides which
    /// (<see cref="SpotInterruptions.RateHits"/>), and they get the default notice.
    /// </summary>
    private async Task<bool> ApplyInterruptionRates(DateTimeOffset now)
    {
        var (due, window) = SpotInterruptions.RateWindow(S.RateAppliedUntil, now, _rt.Options.Timings.SpotInterruptionRateStep);
        if (!due)
        {
            return false;
        }

        S.RateAppliedUntil = now;
        var spot = SpotInterruptions.RateCandidates(S.Instances.Values, S.Interruptions);
        if (spot.IsEmpty || window <= TimeSpan.Zero)
        {
            return false;
        }

        var conditions = await Market.GetLaunchConditions(Name, spot.Select(i => i.InstanceType).Distinct().ToImmutableArray(),
            spot.Select(i => i.AvailabilityZone).Distinct().ToImmutableArray());
        var hit = SpotInterruptions.RateHits(spot, conditions.Pools, window, _random);
        if (hit.IsEmpty)
        {
            return false;
        }

        await InterruptSpot(hit, _rt.Options.Timings.SpotNotice, false, null);
        return true;
    }
}
