using Emulator.Contracts;

namespace Emulator.Client.Chaos;

/// <summary>
/// An experiment's request figures since its window started, per service and target group (B-LB-3, B-DP-6). The traffic
/// grain lists one entry per service, plus during a blue/green, linear or canary deployment one for the service's
/// second target group; the service's own entry counts on across the swap (its target group changes, its totals go on)
/// and the second group's entry is dropped once no deployment uses it. So the ledger accumulates what each entry gained
/// between reads and books it to the target group the entry had then: a group's figures survive its entry, and the
/// swap does not move blue's history to green. Reads are at most one sampling period apart, so a gain spanning the swap
/// is booked to one group at most that long.
/// </summary>
internal sealed class TrafficLedger
{
    private readonly Dictionary<(string Cluster, string Service, string Slot), ServiceTrafficFigures> _last = [];
    private readonly Dictionary<(string Cluster, string Service, string TargetGroup), Counts> _booked = [];
    private readonly Dictionary<(string Cluster, string Service, string TargetGroup), int> _healthy = [];
    private readonly List<(string Cluster, string Service, string TargetGroup)> _order = [];
    private readonly HashSet<string> _started = new(StringComparer.Ordinal);

    /// <summary>Starts the window of one cluster: its current figures are the baseline, nothing booked.</summary>
    public void Baseline(string cluster, IReadOnlyList<ServiceTrafficFigures> figures)
    {
        foreach (var key in _booked.Keys.Where(k => k.Cluster == cluster).ToList())
        {
            _booked.Remove(key);
            _healthy.Remove(key);
            _order.Remove(key);
        }

        foreach (var key in _last.Keys.Where(k => k.Cluster == cluster).ToList())
        {
            _last.Remove(key);
        }

        foreach (var (slot, f) in Slots(figures))
        {
            _last[(cluster, f.Service, slot)] = f;
        }

        _started.Add(cluster);
    }

    /// <summary>Whether the cluster's window started (<see cref="Baseline"/>).</summary>
    public bool Started(string cluster) => _started.Contains(cluster);

    /// <summary>Books what every entry gained since the last read to the target group it has now.</summary>
    public void Read(string cluster, IReadOnlyList<ServiceTrafficFigures> figures)
    {
        var present = new HashSet<(string, string, string)>();
        foreach (var (slot, f) in Slots(figures))
        {
            var gained = Counts.Of(f);
            if (_last.TryGetValue((cluster, f.Service, slot), out var before))
            {
                var delta = gained.Minus(Counts.Of(before));

                // An entry dropped and started again (a later deployment's second group) counts from zero.
                gained = delta.AnyNegative ? gained : delta;
            }

            _last[(cluster, f.Service, slot)] = f;
            var key = (cluster, f.Service, f.TargetGroup is { } tg ? TargetGroupArns.Name(tg) : "");
            if (!_booked.ContainsKey(key))
            {
                _order.Add(key);
            }

            _booked[key] = _booked.GetValueOrDefault(key, Counts.Zero).Plus(gained);
            _healthy[key] = f.HealthyHosts;
            present.Add(key);
        }

        foreach (var key in _healthy.Keys.Where(k => k.Cluster == cluster && !present.Contains(k)).ToList())
        {
            _healthy[key] = 0;
        }
    }

    /// <summary>The booked figures of one cluster, per service and target group, in the order they first appeared.</summary>
    public IEnumerable<(string Service, string? TargetGroup, Counts Counts, int Healthy)> Entries(string cluster) =>
        _order.Where(k => k.Cluster == cluster).Select(k => (k.Service, k.TargetGroup.Length == 0 ? null : k.TargetGroup, _booked[k], _healthy.GetValueOrDefault(k)));

    /// <summary>
    /// The entries with their slot: the service's own entry is slot "", the second group's entry (the traffic grain marks
    /// it <see cref="ServiceTrafficFigures.Alternate"/>) its group's name.
    /// </summary>
    private static IEnumerable<(string Slot, ServiceTrafficFigures Figures)> Slots(IReadOnlyList<ServiceTrafficFigures> figures) =>
        figures.Select(f => (f.Alternate ? TargetGroupArns.Name(f.TargetGroup ?? "") : "", f));

    internal readonly record struct Counts(double Requests, double Failed503, double Failed502, double Failed5xx)
    {
        public static Counts Zero => default;

        public bool AnyNegative => Requests < 0 || Failed503 < 0 || Failed502 < 0 || Failed5xx < 0;

        public static Counts Of(ServiceTrafficFigures f) => new(f.Requests, f.Failed503NoHealthyTarget, f.Failed502TargetDied, f.Failed5xxOverloaded);

        public Counts Plus(Counts o) => new(Requests + o.Requests, Failed503 + o.Failed503, Failed502 + o.Failed502, Failed5xx + o.Failed5xx);

        public Counts Minus(Counts o) => new(Requests - o.Requests, Failed503 - o.Failed503, Failed502 - o.Failed502, Failed5xx - o.Failed5xx);
    }
}
