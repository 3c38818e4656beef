using Emulator.Model.AutoScaling;

namespace Emulator.Tests.Model.AutoScaling;

/// <summary>B-AS-4: at, rate and 6-field cron schedules, time zones and the Start/End window.</summary>
public sealed class SchedulesTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 5, 10, 30, 0, TimeSpan.Zero); // a Monday

    private static DateTimeOffset? Next(string expression, DateTimeOffset after, string? tz = null) =>
        Schedule.Parse(expression, tz).NextAfter(after, T0);

    [Fact]
    public void B_AS_4_at_runs_once_at_its_time_in_its_time_zone()
    {
        Assert.Equal(new DateTimeOffset(2026, 1, 5, 12, 0, 0, TimeSpan.Zero), Next("at(2026-01-05T12:00:00)", T0));
        Assert.Null(Next("at(2026-01-05T12:00:00)", T0.AddHours(2)));
        // 12:00 in New York (EST, UTC-5) is 17:00 UTC.
        Assert.Equal(new DateTimeOffset(2026, 1, 5, 17, 0, 0, TimeSpan.Zero), Next("at(2026-01-05T12:00:00)", T0, "America/New_York"));
    }

    [Fact]
    public void B_AS_4_rate_runs_every_interval_from_its_anchor()
    {
        Assert.Equal(T0.AddMinutes(5), Next("rate(5 minutes)", T0));
        Assert.Equal(T0.AddMinutes(10), Next("rate(5 minutes)", T0.AddMinutes(5)));
        Assert.Equal(T0.AddHours(1), Next("rate(1 hour)", T0.AddMinutes(1)));
        Assert.Equal(T0.AddDays(2), Next("rate(2 days)", T0));
    }

    [Theory]
    [InlineData("cron(0 12 * * ? *)", "2026-01-05T12:00:00Z")] // every day at noon
    [InlineData("cron(15 10 ? * MON-FRI *)", "2026-01-06T10:15:00Z")] // weekdays 10:15: today's has passed
    [InlineData("cron(0/15 * * * ? *)", "2026-01-05T10:45:00Z")]
    [InlineData("cron(0 8 1 * ? *)", "2026-02-01T08:00:00Z")] // first of the month
    [InlineData("cron(0 8 L * ? *)", "2026-01-31T08:00:00Z")] // last day of the month
    [InlineData("cron(0 9 ? * 6L *)", "2026-01-30T09:00:00Z")] // last Friday
    [InlineData("cron(0 9 ? * 2#1 *)", "2026-02-02T09:00:00Z")] // first Monday (Jan 5's 09:00 has passed)
    [InlineData("cron(0 0 1 JAN ? 2027)", "2027-01-01T00:00:00Z")]
    public void B_AS_4_cron_fields(string expression, string expected) =>
        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), Next(expression, T0));

    [Fact]
    public void B_AS_4_cron_in_a_time_zone_follows_daylight_saving()
    {
        // 09:00 in Europe/Berlin: 08:00 UTC in winter, 07:00 UTC in summer.
        Assert.Equal(new DateTimeOffset(2026, 1, 6, 8, 0, 0, TimeSpan.Zero), Next("cron(0 9 * * ? *)", T0, "Europe/Berlin"));
        Assert.Equal(new DateTimeOffset(2026, 7, 1, 7, 0, 0, TimeSpan.Zero), Next("cron(0 9 * * ? *)", new DateTimeOffset(2026, 6, 30, 12, 0, 0, TimeSpan.Zero), "Europe/Berlin"));
    }

    [Theory]
    [InlineData("cron(0 12 * * *)")] // 5 fields
    [InlineData("cron(0 12 * * MON *)")] // neither day field is ?
    [InlineData("cron(61 12 * * ? *)")]
    [InlineData("cron(0 12 ? * FOO *)")]
    [InlineData("cron(0 12 15W * ? *)")]
    [InlineData("rate(0 minutes)")]
    [InlineData("rate(5 weeks)")]
    [InlineData("at(2026-13-01T00:00:00)")]
    [InlineData("every 5 minutes")]
    public void B_AS_4_malformed_schedules_are_rejected(string expression) =>
        Assert.Throws<ScheduleException>(() => Schedule.Parse(expression, null));

    [Fact]
    public void B_AS_4_unknown_time_zone_is_rejected() =>
        Assert.Throws<ScheduleException>(() => Schedule.Parse("cron(0 12 * * ? *)", "Mars/Olympus_Mons"));

    [Fact]
    public void B_AS_4_start_and_end_time_bound_the_runs()
    {
        var daily = Schedule.Parse("cron(0 12 * * ? *)", null);
        Assert.Equal(new DateTimeOffset(2026, 1, 8, 12, 0, 0, TimeSpan.Zero),
            ScheduledRuns.Next(daily, T0, T0, new DateTimeOffset(2026, 1, 8, 0, 0, 0, TimeSpan.Zero), null));
        Assert.Null(ScheduledRuns.Next(daily, T0, T0, null, new DateTimeOffset(2026, 1, 5, 11, 0, 0, TimeSpan.Zero)));
    }
}
