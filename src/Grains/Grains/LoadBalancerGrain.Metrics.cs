using System.Collections.Immutable;
using Emulator.Contracts;
using Emulator.Model.LoadBalancing;

namespace Emulator.Grains;

/// <summary>
/// The load balancer's CloudWatch figures (B-ELB-1): request counts per flow and target group gathered per metric period,
/// published per load balancer and per load balancer + target group once the period's target-side counts have arrived.
/// </summary>
public sealed partial class LoadBalancerGrain
{
    private void Count(string flow, string targetGroupArn, DateTimeOffset period, RequestCounts counts)
    {
        S.FlowTotals[flow] = S.FlowTotals.GetValueOrDefault(flow, RequestCounts.Zero).Add(counts);
        if (targetGroupArn.Length > 0)
        {
            S.TargetGroupTotals[targetGroupArn] = S.TargetGroupTotals.GetValueOrDefault(targetGroupArn, RequestCounts.Zero).Add(counts);
        }

        if (!S.Pending.TryGetValue(period, out var byGroup))
        {
            S.Pending[period] = byGroup = new Dictionary<string, RequestCounts>(StringComparer.Ordinal);
        }

        byGroup[targetGroupArn] = byGroup.GetValueOrDefault(targetGroupArn, RequestCounts.Zero).Add(counts);
    }

    /// <summary>
    /// Publishes the periods that ended at least <see cref="PublishDelay"/> ago (all of them with <paramref name="includeOpen"/>).
    /// Counts arriving for a period already published are published later as one more datapoint of that period: its Sum stays exact.
    /// </summary>
    private void Publish(bool includeOpen)
    {
        var now = Now;
        var due = S.Pending.Keys.Where(p => includeOpen || p + Period + PublishDelay <= now).ToList();
        if (due.Count == 0 || S.Arn.Length == 0)
        {
            return;
        }

        var lb = ("LoadBalancer", LoadBalancerArns.Dimension(S.Arn));
        var data = ImmutableArray.CreateBuilder<MetricDatum>();
        foreach (var period in due)
        {
            var byGroup = S.Pending[period];
            S.Pending.Remove(period);
            var total = byGroup.Values.Aggregate(RequestCounts.Zero, (a, b) => a.Add(b));
            AddDatums(data, period, total, lb);
            data.Add(MetricNamespaces.Datum("HTTPCode_ELB_5XX_Count", period, total.Failed503 + total.Failed502, "Count", lb));
            data.Add(MetricNamespaces.Datum("HTTPCode_ELB_503_Count", period, total.Failed503, "Count", lb));
            data.Add(MetricNamespaces.Datum("HTTPCode_ELB_502_Count", period, total.Failed502, "Count", lb));
            data.Add(MetricNamespaces.Datum("HTTP_Fixed_Response_Count", period, total.FixedResponses, "Count", lb));
            data.Add(MetricNamespaces.Datum("HTTP_Redirect_Count", period, total.Redirects, "Count", lb));
            foreach (var (group, counts) in byGroup.Where(kv => kv.Key.Length > 0))
            {
                AddDatums(data, period, counts, lb, ("TargetGroup", TargetGroupArns.Dimension(group)));
            }
        }

        GrainFactory.GetGrain<IMetricStoreGrain>(MetricNamespaces.ApplicationElb).Put(data.ToImmutable()).Ignore();
    }

    private static void AddDatums(ImmutableArray<MetricDatum>.Builder data, DateTimeOffset period, RequestCounts c, params (string Name, string Value)[] dims)
    {
        data.Add(MetricNamespaces.Datum("RequestCount", period, c.Requests, "Count", dims));
        data.Add(MetricNamespaces.Datum("HTTPCode_Target_5XX_Count", period, c.Target5xx, "Count", dims));
        data.Add(MetricNamespaces.Datum("HTTPCode_Target_2XX_Count", period, Math.Max(0, c.ReachedTargets - c.Target5xx), "Count", dims));
        if (c.ReachedTargets > 0)
        {
            data.Add(MetricNamespaces.Datum("TargetResponseTime", period, c.ResponseTimeSum / c.ReachedTargets, "Seconds", dims));
        }
    }

    private void ArmTimer()
    {
        var nextPeriod = LoadBalancers.PeriodStart(Now, Period) + Period + PublishDelay;
        if (_timer?.ArmedFor == DateTimeOffset.MinValue)
        {
            // The timer fired and was not armed since (the tick's end, or a load balancer that had gone idle): arm it
            // outright (ArmNoLaterThan leaves a fired timer to its tick).
            _timer.Arm(nextPeriod);
        }
        else
        {
            _timer?.ArmNoLaterThan(nextPeriod);
        }
    }
}
