using Emulator.Silo.Hosting;
using Orleans.Configuration;

namespace Emulator.Tests.Hosting;

/// <summary>The durable mode's failure-detection profiles and overrides (how fast a killed silo is declared dead).</summary>
public sealed class FailureDetectionOptionsTests
{
    [Fact]
    public void Fast_profile_is_the_default_and_probes_faster_than_Orleans()
    {
        var fast = Applied(new FailureDetectionOptions());
        var orleans = Applied(new FailureDetectionOptions { Profile = FailureDetectionOptions.OrleansDefaults });
        var defaults = new ClusterMembershipOptions();

        Assert.Equal(TimeSpan.FromSeconds(1), fast.ProbeTimeout);
        Assert.Equal(2, fast.NumMissedProbesLimit);
        Assert.Equal(TimeSpan.FromSeconds(2), fast.TableRefreshTimeout);
        Assert.True(fast.ProbeTimeout * fast.NumMissedProbesLimit < defaults.ProbeTimeout * defaults.NumMissedProbesLimit);

        // "orleans" leaves Orleans' own values alone.
        Assert.Equal(defaults.ProbeTimeout, orleans.ProbeTimeout);
        Assert.Equal(defaults.NumMissedProbesLimit, orleans.NumMissedProbesLimit);
        Assert.Equal(defaults.TableRefreshTimeout, orleans.TableRefreshTimeout);
        Assert.Empty(new FailureDetectionOptions().Validate());
    }

    [Fact]
    public void Single_values_override_the_profile()
    {
        var o = Applied(new FailureDetectionOptions
        {
            Profile = "ORLEANS",
            ProbeTimeout = TimeSpan.FromSeconds(3),
            NumMissedProbesLimit = 4,
            NumVotesForDeathDeclaration = 1,
            DeathVoteExpirationTimeout = TimeSpan.FromSeconds(30),
        });
        Assert.Equal(TimeSpan.FromSeconds(3), o.ProbeTimeout);
        Assert.Equal(4, o.NumMissedProbesLimit);
        Assert.Equal(1, o.NumVotesForDeathDeclaration);
        Assert.Equal(TimeSpan.FromSeconds(30), o.DeathVoteExpirationTimeout);
        Assert.Equal(new ClusterMembershipOptions().TableRefreshTimeout, o.TableRefreshTimeout);
    }

    [Theory]
    [InlineData("slow", null, null, null, "--failure-detection slow: unknown profile")]
    [InlineData("fast", "00:00:00", null, null, "Silo:FailureDetection:ProbeTimeout must be positive")]
    [InlineData("fast", null, 0, null, "Silo:FailureDetection:NumMissedProbesLimit must be at least 1")]
    [InlineData("fast", null, null, 5, "NumVotesForDeathDeclaration must not exceed NumProbedSilos")]
    public void Bad_settings_are_named(string profile, string? probe, int? missed, int? votes, string expected)
    {
        var options = new FailureDetectionOptions
        {
            Profile = profile,
            ProbeTimeout = probe is null ? null : TimeSpan.Parse(probe, System.Globalization.CultureInfo.InvariantCulture),
            NumMissedProbesLimit = missed,
            NumVotesForDeathDeclaration = votes,
        };
        Assert.Contains(options.Validate(), e => e.Contains(expected, StringComparison.Ordinal));
    }

    private static ClusterMembershipOptions Applied(FailureDetectionOptions options)
    {
        var o = new ClusterMembershipOptions();
        options.ApplyTo(o);
        return o;
    }
}
