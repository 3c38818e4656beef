using System.Globalization;
using Orleans.Configuration;

namespace Emulator.Silo.Hosting;

/// <summary>
/// How fast the durable mode's cluster declares a killed silo dead (Orleans' membership probes,
/// <see cref="ClusterMembershipOptions"/>). Until then calls to the dead silo's grains fail and nothing it hosted runs
/// again, so detection dominates recovery: at the default time scale (60x) every wall second of detection is an emulated
/// minute, one CAS metric period (B-T-2).
/// <para>
/// Profiles: <c>fast</c> (the durable mode's default: probes every second, suspicion after 2 missed probes, a table refresh
/// every 2 s) suits silos on one machine or a LAN; <c>orleans</c> keeps Orleans' own defaults (5 s probes, 3 missed,
/// 60 s table refresh), for silos on busy or distant machines where a fast profile could declare a slow but healthy silo
/// dead (which then stops itself). Any single value can be overridden: <c>--Silo:FailureDetection:ProbeTimeout=00:00:02</c>.
/// </para>
/// </summary>
public sealed class FailureDetectionOptions
{
    public const string Fast = "fast";
    public const string OrleansDefaults = "orleans";

    /// <summary><c>fast</c> (default) or <c>orleans</c>.</summary>
    public string Profile { get; set; } = Fast;

    /// <summary>Initial timeout (and period) of a liveness probe; Orleans adapts it between half and four times this.</summary>
    public TimeSpan? ProbeTimeout { get; set; }

    /// <summary>Missed probes after which a silo suspects (votes against) the probed one.</summary>
    public int? NumMissedProbesLimit { get; set; }

    /// <summary>Votes needed to declare a silo dead (Orleans caps it by the number of active silos).</summary>
    public int? NumVotesForDeathDeclaration { get; set; }

    /// <summary>How many silos each silo probes.</summary>
    public int? NumProbedSilos { get; set; }

    /// <summary>Period of reading the membership table (how soon a silo learns of a death another silo declared).</summary>
    public TimeSpan? TableRefreshTimeout { get; set; }

    /// <summary>Period of this silo's heartbeat in the membership table.</summary>
    public TimeSpan? IAmAliveTablePublishTimeout { get; set; }

    /// <summary>How long a death vote counts.</summary>
    public TimeSpan? DeathVoteExpirationTimeout { get; set; }

    /// <summary>Problems with the settings, each naming the option (empty when valid).</summary>
    public IEnumerable<string> Validate()
    {
        if (!string.Equals(Profile, Fast, StringComparison.OrdinalIgnoreCase) && !string.Equals(Profile, OrleansDefaults, StringComparison.OrdinalIgnoreCase))
        {
            yield return $"--failure-detection {Profile}: unknown profile; use '{Fast}' (default) or '{OrleansDefaults}' (Orleans' own defaults).";
        }

        foreach (var (name, value) in new[]
                 {
                     (nameof(ProbeTimeout), ProbeTimeout), (nameof(TableRefreshTimeout), TableRefreshTimeout),
                     (nameof(IAmAliveTablePublishTimeout), IAmAliveTablePublishTimeout), (nameof(DeathVoteExpirationTimeout), DeathVoteExpirationTimeout),
                 })
        {
            if (value is { } v && v <= TimeSpan.Zero)
            {
                yield return $"Silo:FailureDetection:{name} must be positive (got {v.ToString("c", CultureInfo.InvariantCulture)}).";
            }
        }

        foreach (var (name, value) in new[]
                 {
                     (nameof(NumMissedProbesLimit), NumMissedProbesLimit), (nameof(NumVotesForDeathDeclaration), NumVotesForDeathDeclaration),
                     (nameof(NumProbedSilos), NumProbedSilos),
                 })
        {
            if (value is < 1)
            {
                yield return $"Silo:FailureDetection:{name} must be at least 1 (got {value}).";
            }
        }

        if ((NumVotesForDeathDeclaration ?? 2) > (NumProbedSilos ?? 3))
        {
            yield return "Silo:FailureDetection:NumVotesForDeathDeclaration must not exceed NumProbedSilos (a silo could never be declared dead).";
        }
    }

    /// <summary>The profile's values, then the single overrides, onto Orleans' options.</summary>
    public void ApplyTo(ClusterMembershipOptions o)
    {
        if (string.Equals(Profile, Fast, StringComparison.OrdinalIgnoreCase))
        {
            // Measured with 3 silo processes on one 2-core machine (SiloLossTests): a killed silo is declared dead
            // ~1-2 s after the kill, against ~10-20 s with Orleans' defaults (figures in the test's output).
            o.ProbeTimeout = TimeSpan.FromSeconds(1);
            o.NumMissedProbesLimit = 2;
            o.TableRefreshTimeout = TimeSpan.FromSeconds(2);
            o.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(10);
        }

        if (ProbeTimeout is { } probe)
        {
            o.ProbeTimeout = probe;
        }

        o.NumMissedProbesLimit = NumMissedProbesLimit ?? o.NumMissedProbesLimit;
        o.NumVotesForDeathDeclaration = NumVotesForDeathDeclaration ?? o.NumVotesForDeathDeclaration;
        o.NumProbedSilos = NumProbedSilos ?? o.NumProbedSilos;
        o.TableRefreshTimeout = TableRefreshTimeout ?? o.TableRefreshTimeout;
        o.IAmAliveTablePublishTimeout = IAmAliveTablePublishTimeout ?? o.IAmAliveTablePublishTimeout;
        o.DeathVoteExpirationTimeout = DeathVoteExpirationTimeout ?? o.DeathVoteExpirationTimeout;
    }

    /// <summary>One line for the start-up banner and logs.</summary>
    public string Describe()
    {
        var o = new ClusterMembershipOptions();
        ApplyTo(o);
        return string.Create(CultureInfo.InvariantCulture,
            $"{Profile}: probe {o.ProbeTimeout.TotalSeconds:0.###} s x {o.NumMissedProbesLimit} missed, {o.NumVotesForDeathDeclaration} votes, table refresh {o.TableRefreshTimeout.TotalSeconds:0.###} s");
    }
}
