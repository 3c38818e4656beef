using System.Collections.Immutable;
using Emulator.Contracts;
using Emulator.Model.LoadBalancing;

namespace Emulator.Tests.Model.LoadBalancing;

/// <summary>B-LB-3, B-LB-4: requests as flows, the split over healthy targets and the accounting of failures.</summary>
public sealed class TrafficModelTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly HealthCheckSettings Workshop = TargetHealthModelTests.Workshop;

    private static DateTimeOffset At(double seconds) => T0 + TimeSpan.FromSeconds(seconds);

    private static TrafficProfile Constant(double rps, double durationSeconds = 0.2) =>
        new([new TrafficStep(TimeSpan.Zero, rps)], TimeSpan.FromSeconds(durationSeconds), 100);

    private static TrafficIncrement Run(IEnumerable<TargetFacts> targets, TrafficProfile profile, double from, double to, double step = 0)
    {
        var list = targets.ToList();
        if (step <= 0)
        {
            return TrafficModel.Accumulate(TargetHealthModel.Timeline("s", "tg", list, Workshop, At(from), At(to)), profile, T0);
        }

        TrafficIncrement total = default;
        for (var a = from; a < to; a += step)
        {
            var b = Math.Min(to, a + step);
            total += TrafficModel.Accumulate(TargetHealthModel.Timeline("s", "tg", list, Workshop, At(a), At(b)), profile, T0);
        }

        return total;
    }

    [Fact]
    public void B_LB_3_requests_equal_rate_times_time_with_healthy_targets_and_nothing_fails()
    {
        var inc = Run(TargetHealthModelTests.Healthy(4), Constant(100), 0, 60);
        Assert.Equal(6000, inc.Requests, 6);
        Assert.Equal(0, inc.Failed503);
        Assert.Equal(0, inc.Failed502);
    }

    [Fact]
    public void B_LB_3_no_healthy_target_means_503_for_every_request()
    {
        // Registered at 0, healthy at 60: the first minute has no healthy target.
        var inc = Run([new TargetFacts("a", T0, null, null)], Constant(10), 0, 90);
        Assert.Equal(900, inc.Requests, 6);
        Assert.Equal(600, inc.Failed503, 6);
        Assert.Equal(0, inc.Failed502);
    }

    [Fact]
    public void B_LB_2_deregistration_loses_nothing_while_other_targets_are_healthy()
    {
        var targets = TargetHealthModelTests.Healthy(3).Add(new TargetFacts("x", T0 - TimeSpan.FromHours(1), At(10), null));
        var inc = Run(targets, Constant(100), 0, 200);
        Assert.Equal(20000, inc.Requests, 6);
        Assert.Equal(0, inc.Failed503 + inc.Failed502);
    }

    [Fact]
    public void B_LB_3_a_target_dying_loses_its_in_flight_requests_and_its_share_until_unhealthy()
    {
        // 4 healthy targets at 100 req/s (25 each), requests take 0.2 s. One dies at 100 s (registered long ago, so its
        // checks run at whole multiples of 30 s since registration: 3600 s before T0 -> checks at 120 and 150 fail).
        var dying = new TargetFacts("d", T0 - TimeSpan.FromHours(1), null, At(100));
        var targets = TargetHealthModelTests.Healthy(3).Add(dying);
        var inc = Run(targets, Constant(100), 0, 300);
        var inFlight = 25 * 0.2;
        var routedToDead = 25.0 * (150 - 100);
        Assert.Equal(30000, inc.Requests, 6);
        Assert.Equal(inFlight + routedToDead, inc.Failed502, 6);
        Assert.Equal(0, inc.Failed503);
    }

    [Fact]
    public void B_LB_3_a_draining_target_dying_after_its_requests_finished_loses_nothing()
    {
        var drainingThenDead = new TargetFacts("d", T0 - TimeSpan.FromHours(1), At(10), At(50));
        var inc = Run(TargetHealthModelTests.Healthy(2).Add(drainingThenDead), Constant(100), 0, 100);
        Assert.Equal(0, inc.Failed502 + inc.Failed503);
    }

    [Fact]
    public void B_LB_3_totals_do_not_depend_on_the_tick()
    {
        var targets = new[]
        {
            new TargetFacts("a", T0, null, null),
            new TargetFacts("b", At(17), At(200), null),
            new TargetFacts("c", At(5), null, At(130)),
            new TargetFacts("d", At(33), null, null),
        };
        var profile = new TrafficProfile([new TrafficStep(TimeSpan.Zero, 50), new TrafficStep(TimeSpan.FromSeconds(95), 200)], TimeSpan.FromSeconds(0.5), 100);
        var once = Run(targets, profile, 0, 400);
        foreach (var step in new[] { 1.0, 7.3, 60 })
        {
            var ticked = Run(targets, profile, 0, 400, step);
            Assert.Equal(once.Requests, ticked.Requests, 6);
            Assert.Equal(once.Failed503, ticked.Failed503, 6);
            Assert.Equal(once.Failed502, ticked.Failed502, 6);
        }

        Assert.Equal((50 * 95) + (200 * 305), once.Requests, 6);
    }

    [Theory]
    [InlineData(0, 50)]
    [InlineData(9.99, 50)]
    [InlineData(10, 0)]
    [InlineData(70, 200)]
    public void B_LB_3_step_profile_rate(double seconds, double expected)
    {
        var p = new TrafficProfile([new TrafficStep(TimeSpan.Zero, 50), new TrafficStep(TimeSpan.FromSeconds(10), 0), new TrafficStep(TimeSpan.FromSeconds(60), 200)],
            TimeSpan.FromSeconds(0.2), 100);
        Assert.Equal(expected, TrafficModel.RateAt(p, T0, At(seconds)));
    }

    [Theory]
    [InlineData(400, 4, 100, 100)]
    [InlineData(200, 4, 100, 50)]
    [InlineData(1000, 4, 100, 100)]
    [InlineData(100, 0, 100, 0)]
    public void B_LB_4_cpu_is_load_over_healthy_tasks_against_capacity(double rps, int healthy, double capacity, double expected) =>
        Assert.Equal(expected, TrafficModel.CpuUtilization(rps, healthy, capacity), 6);

    [Fact]
    public void B_LB_3_invalid_profiles_are_rejected()
    {
        Assert.NotEmpty(TrafficModel.Validate(new TrafficProfile([], TimeSpan.FromSeconds(1), 100)));
        Assert.NotEmpty(TrafficModel.Validate(new TrafficProfile([new TrafficStep(TimeSpan.Zero, -1)], TimeSpan.FromSeconds(1), 100)));
        Assert.NotEmpty(TrafficModel.Validate(new TrafficProfile([new TrafficStep(TimeSpan.Zero, 1)], TimeSpan.Zero, 100)));
        Assert.NotEmpty(TrafficModel.Validate(new TrafficProfile([new TrafficStep(TimeSpan.Zero, 1)], TimeSpan.FromSeconds(1), 0)));
        Assert.Empty(TrafficModel.Validate(TrafficProfile.Constant(1000)));
    }

    [Fact]
    public void B_LB_3_ten_thousand_targets_one_tick_is_one_pass_and_a_small_timeline()
    {
        // 10,000 healthy targets, 1,000 req/s, 100 of them die in the tick: the timeline stays small (changes are
        // summed per instant), and the totals are exact. (Speed is measured by the benchmark program, not asserted.)
        var targets = TargetHealthModelTests.Healthy(10_000)
            .Select((t, i) => i < 100 ? t with { DiedAt = At(3) } : t)
            .ToImmutableArray();
        var tl = TargetHealthModel.Timeline("s", "tg", targets, Workshop, At(0), At(5));
        Assert.Single(tl.Changes);
        Assert.Equal(100, tl.Deaths.Length);
        var inc = TrafficModel.Accumulate(tl, TrafficProfile.Constant(1000), T0);
        Assert.Equal(5000, inc.Requests, 6);
        Assert.Equal((100 * 1000.0 / 10_000 * 0.2) + (2 * 1000.0 * 100 / 10_000), inc.Failed502, 6);
    }

    // ------------------------------------------------------------------ B-DP-8: error rate and CPU per request

    [Fact]
    public void B_DP_8_error_rate_answers_that_share_of_a_tasks_requests_5xx()
    {
        // 4 healthy targets at 100 req/s, all with errorRate 0.5 (one revision): half of 6,000 requests are target 5xx.
        var targets = TargetHealthModelTests.Healthy(4).Select(t => t with { ErrorRate = 0.5 });
        var inc = Run(targets, Constant(100), 0, 60);
        Assert.Equal(6000, inc.Requests, 6);
        Assert.Equal(3000, inc.Failed5xx, 6);
        Assert.Equal(0, inc.Failed503 + inc.Failed502);
        Assert.Equal(0, inc.CpuExtra, 6);
    }

    [Fact]
    public void B_DP_8_mixed_old_and_new_revision_targets_err_only_on_the_new_ones()
    {
        // 3 old targets (no fault) and 1 new one (errorRate 0.4) share 100 req/s: the new one gets 25 req/s and fails 40 %.
        var targets = TargetHealthModelTests.Healthy(3).Add(new TargetFacts("new", T0 - TimeSpan.FromHours(1), null, null, ErrorRate: 0.4));
        var inc = Run(targets, Constant(100), 0, 100, step: 7);
        Assert.Equal(10000, inc.Requests, 6);
        Assert.Equal(25 * 100 * 0.4, inc.Failed5xx, 6);

        // A new target registered at 10 s is healthy (routable) at 70 s (2 x 30 s): from then on it gets a fifth.
        var registering = TargetHealthModelTests.Healthy(4).Add(new TargetFacts("new2", At(10), null, null, ErrorRate: 1));
        var tl = TargetHealthModel.Timeline("s", "tg", registering, Workshop, At(0), At(100));
        var cls = Assert.Single(tl.FaultClasses);
        Assert.Equal((1.0, 1.0, 0), (cls.ErrorRate, cls.CpuPerRequest, cls.LiveAtFrom));
        Assert.Equal(new TargetChange(At(70), 1, 0), Assert.Single(cls.Changes));
        var inc2 = TrafficModel.Accumulate(tl, Constant(100), T0);
        Assert.Equal(20 * 30, inc2.Failed5xx, 6);
    }

    [Fact]
    public void B_DP_8_a_chaos_error_rate_ends_at_its_until_and_the_settled_targets_agree()
    {
        var targets = TargetHealthModelTests.Healthy(2).Select(t => t with { ErrorRate = 0.5, LoadFaultUntil = At(30) }).ToList();
        var inc = Run(targets, Constant(100), 0, 60, step: 5);
        Assert.Equal(100 * 30 * 0.5, inc.Failed5xx, 6);

        // Once quiet (after the fault ended) the settled timeline carries no class; before, the pass carries it.
        var settled = TargetHealthModel.Settle(targets, Workshop);
        Assert.Equal(At(30), settled.QuietFrom);
        Assert.True(settled.FaultClasses.IsEmpty);
        var forever = TargetHealthModelTests.Healthy(2).Select(t => t with { ErrorRate = 0.5 }).ToList();
        var quiet = TargetHealthModel.Settle(forever, Workshop);
        var fromSettled = TrafficModel.Accumulate(quiet.Timeline("s", "tg", At(0), At(60)), Constant(100), T0);
        var fromPass = TrafficModel.Accumulate(TargetHealthModel.Timeline("s", "tg", forever, Workshop, At(0), At(60)), Constant(100), T0);
        Assert.Equal(fromPass, fromSettled);
        Assert.Equal(3000, fromSettled.Failed5xx, 6);
    }

    [Fact]
    public void B_DP_8_cpu_per_request_raises_cpu_and_lowers_what_a_task_serves()
    {
        // Capacity 100 req/s per task. 4 tasks at 200 req/s (50 each) with factor 3: each works as if at 150 req/s, so it
        // serves 33.3 of its 50 and sheds the rest as 5xx; CPU counts the served ones 3 times.
        var targets = TargetHealthModelTests.Healthy(4).Select(t => t with { CpuPerRequest = 3 });
        var inc = Run(targets, Constant(200), 0, 10);
        var served = 4 * (100.0 / 3) * 10;
        Assert.Equal(2000 - served, inc.Failed5xx, 6);
        Assert.Equal(served * 2, inc.CpuExtra, 6);
        Assert.Equal(100, TrafficModel.CpuUtilization((inc.Requests + inc.CpuExtra) / 10, 4, 100), 6);

        // Factor 1.5 under capacity: nothing fails, CPU goes from 50 % to 75 %.
        var light = Run(TargetHealthModelTests.Healthy(4).Select(t => t with { CpuPerRequest = 1.5 }), Constant(200), 0, 10);
        Assert.Equal(0, light.Failed5xx, 6);
        Assert.Equal(75, TrafficModel.CpuUtilization((light.Requests + light.CpuExtra) / 10, 4, 100), 6);
        Assert.Equal(50, TrafficModel.CpuUtilization(light.Requests / 10, 4, 100), 6);
    }

    [Fact]
    public void B_DP_8_serve_faulty_arithmetic_for_plain_and_faulty_targets_side_by_side()
    {
        // 2 plain + 1 (e 0.5, f 2) + 1 (e 0, f 4), 60 requests each over a slice where a plain task serves 100.
        TargetFaultClass[] classes = [new(0.5, 2, 1, []), new(0, 4, 1, [])];
        var (failed, cpu) = TrafficModel.ServeFaulty(classes, [1, 1], live: 4, perTarget: 60, capacity: 100);
        // class 1: serves 50 (100 / 2), sheds 10, errs 25 -> 35 failed, CPU extra 50; class 2: serves 25, sheds 35, CPU extra 75.
        Assert.Equal(35 + 35, failed, 9);
        Assert.Equal(50 + 75, cpu, 9);

        // The live CPU factor: (2 x 1 + 2 + 4) / 4 = 2.
        var tl = new TrafficTimeline("s", "tg", T0, At(1), 4, 0, [], [], 4, 0, 0, 0, [.. classes]);
        Assert.Equal(2, TrafficModel.CpuFactorAtTo(tl), 9);
        Assert.Equal(1, TrafficModel.CpuFactorAtTo(tl with { FaultClasses = default }), 9);
    }
}
