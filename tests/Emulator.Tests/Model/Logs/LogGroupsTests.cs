using System.Collections.Immutable;
using Emulator.Contracts;
using Emulator.Model.Logs;

namespace Emulator.Tests.Model.Logs;

/// <summary>CloudWatch Logs log groups (issue 14): names, retention values, conflicts, ARNs.</summary>
public sealed class LogGroupsTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, 123, TimeSpan.Zero);

    private static LogsState Create(string name) =>
        LogGroups.Apply(LogsState.Empty, new LogsCreateGroup(name, null, null, ImmutableDictionary<string, string>.Empty), Now);

    private static string Code(Action a) => Assert.Throws<EcsException>(a).Code;

    [Fact]
    public void A_group_is_standard_without_retention_until_one_is_put()
    {
        var s = Create("/ecs/app");
        var g = LogGroups.Group(s, "/ecs/app");
        Assert.Equal(("STANDARD", (int?)null, Now), (g.LogGroupClass, g.RetentionInDays, g.CreatedAt));
        s = LogGroups.Apply(s, new LogsSetRetention("/ecs/app", 7), Now);
        Assert.Equal(7, LogGroups.Group(s, "/ecs/app").RetentionInDays);
        s = LogGroups.Apply(s, new LogsSetRetention("/ecs/app", null), Now);
        Assert.Null(LogGroups.Group(s, "/ecs/app").RetentionInDays);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(0)]
    [InlineData(4000)]
    public void Only_cloudwatch_logs_retention_values_are_accepted(int days) =>
        Assert.Equal(LogsErrors.InvalidParameter, Code(() => LogGroups.Apply(Create("g"), new LogsSetRetention("g", days), Now)));

    [Fact]
    public void Names_are_unique_and_missing_groups_are_not_found()
    {
        Assert.Equal(LogsErrors.ResourceAlreadyExists, Code(() => LogGroups.Apply(Create("g"), new LogsCreateGroup("g", null, null, ImmutableDictionary<string, string>.Empty), Now)));
        Assert.Equal(LogsErrors.ResourceNotFound, Code(() => LogGroups.Apply(LogsState.Empty, new LogsDeleteGroup("g"), Now)));
        Assert.Equal(LogsErrors.InvalidParameter, Code(() => Create("bad name!")));
    }

    [Theory]
    [InlineData("arn:aws:logs:us-east-1:000000000000:log-group:/ecs/app:*", "/ecs/app")]
    [InlineData("arn:aws:logs:us-east-1:000000000000:log-group:/ecs/app", "/ecs/app")]
    [InlineData("arn:aws:ecs:us-east-1:000000000000:cluster/c", null)]
    public void Log_group_arns_name_their_group(string arn, string? name) => Assert.Equal(name, LogGroups.NameOfArn(arn));
}
