using Emulator.Contracts;
using PlacementStrategy = Emulator.Contracts.PlacementStrategy;
using Emulator.Model.Placement;
using static Emulator.Tests.Model.Placement.TestInstances;

namespace Emulator.Tests.Model.Placement;

/// <summary>B-PL-1, B-PL-2, B-PL-4: what CreateService / RunTask accept as strategies and constraints.</summary>
public sealed class PlacementValidationTests
{
    public static TheoryData<string, PlacementStrategy[], PlacementConstraint[], string?> Cases => new()
    {
        { "nothing", [], [], null },
        { "defaults", [.. PlacementDefaults.ForService], [], null },
        { "binpack cpu", [Binpack("cpu")], [], null },
        { "binpack memory", [Binpack("memory")], [], null },
        { "binpack MEMORY", [Binpack("MEMORY")], [], null },
        { "binpack no field", [Binpack(null!)], [], "binpack" },
        { "binpack gpu", [Binpack("gpu")], [], "must be cpu or memory" },
        { "spread instanceId", [Spread("instanceId")], [], null },
        { "spread host", [Spread("host")], [], null },
        { "spread attribute", [Spread("attribute:ecs.availability-zone")], [], null },
        { "spread custom attribute", [Spread("attribute:stack")], [], null },
        { "spread no field", [Spread(null!)], [], "requires a field" },
        { "spread empty field", [Spread("")], [], "requires a field" },
        { "spread bad field", [Spread("cpu")], [], "must be instanceId, host or attribute:NAME" },
        { "spread attribute without name", [Spread("attribute:")], [], "must be instanceId, host or attribute:NAME" },
        { "random", [RandomStrategy()], [], null },
        { "random with field is ignored", [new PlacementStrategy(PlacementStrategyType.random, "whatever")], [], null },
        { "five strategies", [Spread("instanceId"), Binpack("cpu"), Binpack("memory"), Spread("host"), RandomStrategy()], [], null },
        { "six strategies", [Spread("instanceId"), Binpack("cpu"), Binpack("memory"), Spread("host"), RandomStrategy(), RandomStrategy()], [], "at most 5" },
        { "distinctInstance", [], [DistinctInstance()], null },
        { "distinctInstance with expression", [], [new PlacementConstraint(PlacementConstraintType.distinctInstance, "attribute:a == b")], "cannot have an expression" },
        { "memberOf", [], [MemberOf("attribute:ecs.instance-type =~ t2.*")], null },
        { "memberOf without expression", [], [new PlacementConstraint(PlacementConstraintType.memberOf, null)], "requires an expression" },
        { "memberOf blank expression", [], [MemberOf("  ")], "requires an expression" },
        { "memberOf invalid expression", [], [MemberOf("attribute:a = b")], "Invalid cluster query expression" },
        { "ten constraints", [], [.. Enumerable.Repeat(MemberOf("agentConnected == true"), 10)], null },
        { "eleven constraints", [], [.. Enumerable.Repeat(MemberOf("agentConnected == true"), 11)], "at most 10" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void B_PL_4_validation(string name, PlacementStrategy[] strategies, PlacementConstraint[] constraints, string? fragment)
    {
        var error = PlacementValidation.Validate(strategies, constraints);
        if (fragment is null)
        {
            Assert.True(error is null, $"{name}: {error}");
        }
        else
        {
            Assert.NotNull(error);
            Assert.Contains(fragment, error, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void B_PL_4_invalid_memberOf_reports_the_parser_message()
    {
        var error = PlacementValidation.Validate([], [MemberOf("foo == bar")]);
        Assert.Equal(Assert.Throws<ClusterQueryException>(() => ClusterQuery.Parse("foo == bar")).Message, error);
    }

    [Fact]
    public void B_PL_3_defaults_spread_over_zones_then_instances()
    {
        PlacementStrategy[] expected = [Spread("attribute:ecs.availability-zone"), Spread("instanceId")];
        Assert.Equal(expected, PlacementDefaults.ForService);
        Assert.Equal(expected, PlacementDefaults.ForRunTask);
    }
}
