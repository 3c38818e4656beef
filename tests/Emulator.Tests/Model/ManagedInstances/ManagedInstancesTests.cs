using System.Collections.Immutable;
using Emulator.Contracts;
using Emulator.Model.Catalog;
using Emulator.Model.ManagedInstances;

namespace Emulator.Tests.Model.ManagedInstances;

/// <summary>
/// ECS Managed Instances (B-MI-1..4): type selection from instanceRequirements, how many instances of which type for
/// the pending tasks, zone spread, consolidation and Spot hand-back. The catalog is the built-in one (B-IT-1).
/// </summary>
public sealed class ManagedInstancesTests
{
    private static readonly InstanceCatalog Catalog = InstanceCatalog.Default;
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    private static InstanceRequirementsSpec Req(double vcpuMin = 1, double? vcpuMax = null, double memMin = 1024, double? memMax = null,
        string[]? allowed = null, string[]? excluded = null, string[]? manufacturers = null, string? burstable = null, string[]? generations = null,
        NumberRange? gpus = null) =>
        new(new NumberRange(vcpuMin, vcpuMax), new NumberRange(memMin, memMax), null, [.. manufacturers ?? []], [.. allowed ?? []], [.. excluded ?? []],
            [.. generations ?? []], burstable, null, gpus, null, null);

    private static TaskRequirements Needs(int cpu, int memory, int gpu = 0) => new(cpu, memory, [], gpu, NetworkMode.bridge);

    private static string[] Names(ImmutableArray<InstanceTypeInfo> types) => [.. types.Select(t => t.Name)];

    [Fact]
    public void B_MI_2_type_traits_come_from_the_type_name()
    {
        Assert.Equal(new InstanceTypeTraits("amd", false, true, false), InstanceTypeSelection.Traits("m5a.large"));
        Assert.Equal(new InstanceTypeTraits("amd", false, true, false), InstanceTypeSelection.Traits("m5ad.large"));
        Assert.Equal(new InstanceTypeTraits("intel", true, true, false), InstanceTypeSelection.Traits("t3.small"));
        Assert.Equal(new InstanceTypeTraits("intel", true, false, false), InstanceTypeSelection.Traits("t2.large"));
        Assert.Equal(new InstanceTypeTraits("intel", false, false, false), InstanceTypeSelection.Traits("m4.large"));
        Assert.Equal(new InstanceTypeTraits("intel", false, true, false), InstanceTypeSelection.Traits("g4dn.xlarge"));
    }

    [Fact]
    public void B_MI_2_defaults_exclude_burstable_types_and_order_cheapest_first()
    {
        var types = Names(InstanceTypeSelection.Matching(Req(), Catalog));
        Assert.DoesNotContain(types, t => t.StartsWith('t'));
        Assert.Equal("c5.large", types[0]); // 0.085 USD/h
        Assert.Equal("m5a.large", types[1]); // 0.086
        Assert.Contains("g4dn.xlarge", types);
    }

    [Theory]
    [InlineData(4.0, null, 0.0, null, "c5.xlarge,m5.xlarge,g4dn.xlarge")]
    [InlineData(2.0, 2.0, 16384.0, null, "r5.large")]
    [InlineData(1.0, null, 8192.0, 8192.0, "m5a.large,m5.large,m4.large,m5ad.large,m5d.large,m5n.large,m5dn.large,c5.xlarge")]
    public void B_MI_2_vcpu_and_memory_ranges_filter_the_catalog(double vcpuMin, double? vcpuMax, double memMin, double? memMax, string expected)
    {
        var types = Names(InstanceTypeSelection.Matching(Req(vcpuMin, vcpuMax, memMin, memMax), Catalog));
        Assert.Equal(expected.Split(','), types);
    }

    [Fact]
    public void B_MI_2_allowed_excluded_manufacturer_generation_and_burstable_filters()
    {
        Assert.Equal(["m5.large", "m5.xlarge"], Names(InstanceTypeSelection.Matching(Req(allowed: ["m5.*"]), Catalog)));
        Assert.Equal(["t3.small", "t3.medium", "t3.large"], Names(InstanceTypeSelection.Matching(Req(allowed: ["t3.*"]), Catalog)));
        Assert.DoesNotContain("c5.large", Names(InstanceTypeSelection.Matching(Req(excluded: ["c5*"]), Catalog)));
        Assert.Equal(["m5a.large", "m5ad.large"], Names(InstanceTypeSelection.Matching(Req(manufacturers: ["amd"]), Catalog)));
        Assert.Equal(["m4.large", "m3.large"], Names(InstanceTypeSelection.Matching(Req(generations: ["previous"]), Catalog)));
        Assert.Equal(["t3.small", "t3.medium", "t3.large", "t2.large"], Names(InstanceTypeSelection.Matching(Req(burstable: "required"), Catalog)));
        Assert.Equal(["g4dn.xlarge"], Names(InstanceTypeSelection.Matching(Req(gpus: new NumberRange(1, null)), Catalog)));
    }

    [Fact]
    public void B_MI_1_impossible_or_contradictory_requirements_are_refused()
    {
        Assert.Contains("No instance types match", InstanceTypeSelection.Validate(Req(vcpuMin: 64), Catalog));
        Assert.Contains("min (8) must be less than or equal to max (4)", InstanceTypeSelection.Validate(Req(vcpuMin: 8, vcpuMax: 4), Catalog));
        Assert.Contains("not both", InstanceTypeSelection.Validate(Req(allowed: ["m5.large"], excluded: ["c5.large"]), Catalog));
        Assert.Contains("burstablePerformance", InstanceTypeSelection.Validate(Req(burstable: "sometimes"), Catalog));
        Assert.Null(InstanceTypeSelection.Validate(Req(), Catalog));
        Assert.Null(InstanceTypeSelection.Validate(null, Catalog));
    }

    [Fact]
    public void B_MI_3_scale_in_after_range_and_meaning()
    {
        Assert.Null(Consolidation.ValidateScaleInAfter(null));
        Assert.Null(Consolidation.ValidateScaleInAfter(-1));
        Assert.Null(Consolidation.ValidateScaleInAfter(3600));
        Assert.Contains("-1 or 0 to 3600", Consolidation.ValidateScaleInAfter(3601));
        Assert.Contains("-1 or 0 to 3600", Consolidation.ValidateScaleInAfter(-2));
        Assert.Equal(TimeSpan.FromSeconds(300), Consolidation.ScaleInAfter(null, TimeSpan.FromSeconds(300)));
        Assert.Null(Consolidation.ScaleInAfter(-1, TimeSpan.FromSeconds(300)));
        Assert.Equal(TimeSpan.Zero, Consolidation.ScaleInAfter(0, TimeSpan.FromSeconds(300)));
    }

    [Fact]
    public void B_MI_2_three_pending_tasks_spread_over_three_instances_of_the_cheapest_fitting_type()
    {
        var allowed = InstanceTypeSelection.Matching(Req(), Catalog);
        var plan = Provisioning.Plan([new PendingTasks(Needs(1024, 2048), false, 3)], [], allowed, Catalog, zones: 3, spot: false);
        var launch = Assert.Single(plan.Launches);
        Assert.Equal("c5.large", launch.InstanceType);
        Assert.Equal(3, launch.Count);
        Assert.Equal(3, launch.Tasks);
        Assert.StartsWith("launched 3 x c5.large: 3 pending tasks need 3 vCPU / 6 GiB; cheapest type matching requirements", launch.Reason);
        Assert.Contains("spread over 3 zones", launch.Reason);
    }

    [Fact]
    public void B_MI_2_one_zone_packs_the_tasks_on_the_cheapest_type_per_task()
    {
        // One group of 3 x (1 vCPU / 2 GiB): m5a.large holds 2 (0.043 USD per task), cheaper than c5.xlarge's 3
        // (0.0567); the third goes to the cheapest type that holds it alone (c5.large).
        var allowed = InstanceTypeSelection.Matching(Req(), Catalog);
        var plan = Provisioning.Plan([new PendingTasks(Needs(1024, 2048), false, 3)], [], allowed, Catalog, zones: 1, spot: false);
        Assert.Equal(2, plan.Instances);
        Assert.Equal(2, plan.Launches.Single(l => l.InstanceType == "m5a.large").Tasks);
        Assert.Equal(1, plan.Launches.Single(l => l.InstanceType == "c5.large").Tasks);
        Assert.DoesNotContain("spread", plan.Launches[0].Reason);
    }

    [Fact]
    public void B_MI_2_forty_workshop_tasks_over_three_zones()
    {
        // 256 CPU / 512 MiB: m5a.large holds 8 (CPU-bound), c5.large 7 (memory-bound): m5a.large is cheapest per task.
        var allowed = InstanceTypeSelection.Matching(Req(), Catalog);
        var plan = Provisioning.Plan([new PendingTasks(Needs(256, 512), false, 40)], [], allowed, Catalog, zones: 3, spot: false);
        Assert.Equal(40, plan.Launches.Sum(l => l.Tasks));
        Assert.Equal(6, plan.Instances); // 14 / 13 / 13 per zone: 2 instances each (zone spread wins over packing into 5)
        // Per zone: an m5a.large for 8 (0.01075 USD per task), then a c5.large for the 5 or 6 left (cheaper per task than a second m5a.large).
        Assert.Equal(3, plan.Launches.Single(l => l.InstanceType == "m5a.large").Count);
        Assert.Equal(3, plan.Launches.Single(l => l.InstanceType == "c5.large").Count);
    }

    [Fact]
    public void B_MI_2_free_capacity_and_instances_already_launching_take_the_pending_tasks_first()
    {
        var allowed = InstanceTypeSelection.Matching(Req(), Catalog);
        var plan = Provisioning.Plan([new PendingTasks(Needs(256, 512), false, 10)], [Catalog.Registered("m5a.large")], allowed, Catalog, zones: 3, spot: false);
        Assert.Equal(8, plan.CoveredByLaunching);
        Assert.Equal(2, plan.Launches.Sum(l => l.Tasks));
        Assert.Equal(2, plan.Instances); // the 2 left spread over 2 zones
        Assert.Empty(Provisioning.Plan([new PendingTasks(Needs(256, 512), false, 8)], [new ResourceSet(1024, 2048, 0, 2), new ResourceSet(1024, 4096, 0, 2)], allowed, Catalog, 3, false).Launches);
    }

    [Fact]
    public void B_MI_2_a_task_that_fits_no_allowed_type_launches_nothing_and_says_why()
    {
        var allowed = InstanceTypeSelection.Matching(Req(allowed: ["c5.large"]), Catalog);
        var plan = Provisioning.Plan([new PendingTasks(Needs(4096, 1024), false, 2)], [], allowed, Catalog, zones: 3, spot: false);
        Assert.Empty(plan.Launches);
        Assert.Equal(2, plan.Unfittable);

        var shapes = allowed.Select(Catalog.Registered).ToImmutableArray();
        var unfit = InstanceTypeSelection.Unfittable(Needs(4096, 1024), shapes, "mi");
        Assert.NotNull(unfit);
        Assert.Equal("RESOURCE:CPU", unfit.Value.Reason);
        Assert.Contains("needs 4096 CPU units / 1024 MiB; the largest allowed type registers 2048 CPU units / 3993 MiB", unfit.Value.Detail);
        Assert.Equal("RESOURCE:MEMORY", InstanceTypeSelection.Unfittable(Needs(1024, 8192), shapes, "mi")!.Value.Reason);
        Assert.Null(InstanceTypeSelection.Unfittable(Needs(1024, 2048), shapes, "mi"));
    }

    [Fact]
    public void B_MI_4_spot_launches_list_the_other_fitting_types_as_fallbacks()
    {
        var allowed = InstanceTypeSelection.Matching(Req(), Catalog);
        var launch = Assert.Single(Provisioning.Plan([new PendingTasks(Needs(1024, 2048), false, 1)], [], allowed, Catalog, 3, spot: true).Launches);
        Assert.Equal("c5.large", launch.InstanceType);
        Assert.Equal("m5a.large", launch.SpotAlternatives[0]); // the next cheapest that holds the same task
        Assert.DoesNotContain("c5.large", launch.SpotAlternatives);
        Assert.Empty(Assert.Single(Provisioning.Plan([new PendingTasks(Needs(1024, 2048), false, 1)], [], allowed, Catalog, 3, spot: false).Launches).SpotAlternatives);
    }

    private static ManagedInstance Instance(string id, int tasks, int cpuEach = 256, int memEach = 512, string type = "m5a.large", bool spot = false, bool draining = false,
        int? serviceTasks = null)
    {
        var reg = Catalog.Registered(type);
        return new ManagedInstance(id, type, !draining, draining, spot, reg, new ResourceSet(cpuEach * tasks, memEach * tasks, 0, 0), tasks, serviceTasks ?? tasks);
    }

    private static readonly ConsolidationSettings FiveMinutes = new(TimeSpan.FromMinutes(5));

    [Fact]
    public void B_MI_3_an_idle_instance_terminates_after_scale_in_after()
    {
        var first = Consolidation.Evaluate([Instance("i-idle", 0), Instance("i-busy", 8)], ImmutableDictionary<string, DateTimeOffset>.Empty, 0, 0, FiveMinutes, Now);
        Assert.Empty(first.Terminations);
        Assert.Equal(Now, first.LowSince["i-idle"]);
        Assert.False(first.LowSince.ContainsKey("i-busy"));

        var early = Consolidation.Evaluate([Instance("i-idle", 0), Instance("i-busy", 8)], first.LowSince, 0, 0, FiveMinutes, Now.AddMinutes(4));
        Assert.Empty(early.Terminations);

        var due = Consolidation.Evaluate([Instance("i-idle", 0), Instance("i-busy", 8)], first.LowSince, 0, 0, FiveMinutes, Now.AddMinutes(5));
        var t = Assert.Single(due.Terminations);
        Assert.Equal("i-idle", t.InstanceId);
        Assert.True(t.Idle);
        Assert.Contains("terminating idle i-idle (m5a.large): no tasks for 300 s", t.Reason);
    }

    [Fact]
    public void B_MI_3_nothing_is_consolidated_while_tasks_wait_or_instances_launch_or_when_turned_off()
    {
        var since = ImmutableDictionary<string, DateTimeOffset>.Empty.Add("i-idle", Now.AddHours(-1));
        Assert.Empty(Consolidation.Evaluate([Instance("i-idle", 0)], since, pendingTasks: 1, launching: 0, FiveMinutes, Now).Terminations);
        Assert.Empty(Consolidation.Evaluate([Instance("i-idle", 0)], since, pendingTasks: 0, launching: 1, FiveMinutes, Now).Terminations);
        Assert.Empty(Consolidation.Evaluate([Instance("i-idle", 0)], since, 0, 0, new ConsolidationSettings(null), Now).Terminations);
        Assert.Single(Consolidation.Evaluate([Instance("i-idle", 0)], since, 0, 0, FiveMinutes, Now).Terminations);
    }

    [Fact]
    public void B_MI_3_an_underutilized_instance_drains_only_when_its_tasks_fit_elsewhere()
    {
        var since = ImmutableDictionary<string, DateTimeOffset>.Empty.Add("i-low", Now.AddMinutes(-10)).Add("i-half", Now.AddMinutes(-10));

        // i-low runs 2 of 8; i-half runs 3 of 8 (both under 50 %): i-low drains onto i-half, which is then kept.
        var fits = Consolidation.Evaluate([Instance("i-low", 2), Instance("i-half", 3)], since, 0, 0, FiveMinutes, Now);
        var t = Assert.Single(fits.Terminations);
        Assert.Equal("i-low", t.InstanceId);
        Assert.False(t.Idle);
        Assert.Contains("draining underutilized i-low (m5a.large): 25 % reserved", t.Reason);
        Assert.Contains("its 2 tasks fit on 1 other instance", t.Reason);

        // The only other instance is full: the underutilized one stays.
        var full = Consolidation.Evaluate([Instance("i-low", 2), Instance("i-full", 8)], since, 0, 0, FiveMinutes, Now);
        Assert.Empty(full.Terminations);

        // Standalone (RunTask) tasks are not moved by draining: an instance running one is not drained (it may take others' tasks).
        var standalone = Consolidation.Evaluate([Instance("i-low", 2, serviceTasks: 1), Instance("i-half", 3)], since, 0, 0, FiveMinutes, Now);
        Assert.Equal(["i-half"], standalone.Terminations.Select(x => x.InstanceId).ToArray());

        // Not underutilized for scaleInAfter yet.
        var recent = ImmutableDictionary<string, DateTimeOffset>.Empty.Add("i-low", Now.AddMinutes(-1));
        Assert.Empty(Consolidation.Evaluate([Instance("i-low", 2), Instance("i-half", 3)], recent, 0, 0, FiveMinutes, Now).Terminations);
    }

    [Fact]
    public void B_MI_3_a_busy_instance_is_not_low_and_loses_its_mark()
    {
        var since = ImmutableDictionary<string, DateTimeOffset>.Empty.Add("i-1", Now.AddMinutes(-10));
        var d = Consolidation.Evaluate([Instance("i-1", 6)], since, 0, 0, FiveMinutes, Now);
        Assert.Empty(d.LowSince);
        Assert.Empty(d.Terminations);
    }

    [Fact]
    public void B_MI_4_a_spot_instance_draining_after_its_warning_is_handed_back()
    {
        var d = Consolidation.Evaluate([Instance("i-spot", 4, spot: true, draining: true), Instance("i-od", 2)],
            ImmutableDictionary<string, DateTimeOffset>.Empty, pendingTasks: 4, launching: 1, FiveMinutes, Now);
        var t = Assert.Single(d.Terminations);
        Assert.Equal("i-spot", t.InstanceId);
        Assert.Contains("Spot interruption warning for i-spot", t.Reason);
        Assert.Contains("launching replacement capacity for its 4 tasks", t.Reason);

        // An On-Demand instance a user drains is not taken out by the manager.
        Assert.Empty(Consolidation.Evaluate([Instance("i-od", 2, draining: true)], ImmutableDictionary<string, DateTimeOffset>.Empty, 0, 0, FiveMinutes, Now).Terminations);
    }
}
