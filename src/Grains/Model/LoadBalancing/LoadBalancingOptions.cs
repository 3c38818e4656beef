using System.Globalization;

namespace Emulator.Model.LoadBalancing;

/// <summary>
/// Application Load Balancer settings (B-ELB-1, issue 17), under <c>Emulator:LoadBalancing</c>: the loopback ports the
/// listeners' data planes answer on, how long a new load balancer provisions, the per-task capacity of services whose
/// load has no traffic profile of its own, and how fresh the data plane's view of the load balancers and targets is.
/// </summary>
public sealed class LoadBalancingOptions
{
    /// <summary>
    /// Data-plane ports, allocated one per listener in order (<c>--lb-ports</c>): a range <c>18000-18999</c>, a list
    /// <c>30690,30691</c>, or both (<c>30690-30695,30699</c>).
    /// </summary>
    public string DataPlanePorts { get; set; } = "18000-18999";

    /// <summary>Model choice: a new load balancer is <c>provisioning</c> this long (emulated), then <c>active</c>; AWS takes minutes.</summary>
    public TimeSpan Provisioning { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>B-LB-4: requests/s that make one task 100 % CPU when the service's load has no synthetic profile giving its own.</summary>
    public double PerTaskCapacity { get; set; } = 100;

    /// <summary>Wall time the data plane serves from its cached view of a load balancer or a target group before reading it again.</summary>
    public TimeSpan DataPlaneCacheTime { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Wall time between two hand-overs of the data plane's request counts to the traffic and load balancer grains.</summary>
    public TimeSpan DataPlaneFlushInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The data-plane ports in allocation order (duplicates removed), or the problem with <see cref="DataPlanePorts"/>.</summary>
    public (IReadOnlyList<int> Ports, string? Error) ParsePorts()
    {
        var ports = new List<int>();
        foreach (var part in DataPlanePorts.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var dash = part.IndexOf('-', StringComparison.Ordinal);
            if (!int.TryParse(dash < 0 ? part : part[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out var first)
                || !int.TryParse(dash < 0 ? part : part[(dash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var last)
                || first is < 1 or > 65535 || last is < 1 or > 65535 || last < first)
            {
                return ([], $"LoadBalancing.DataPlanePorts: '{part}' is not a port or a range of ports (1-65535, e.g. 18000-18999).");
            }

            for (var p = first; p <= last; p++)
            {
                if (!ports.Contains(p))
                {
                    ports.Add(p);
                }
            }
        }

        return ports.Count == 0 ? ([], "LoadBalancing.DataPlanePorts needs at least one port.") : (ports, null);
    }

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (ParsePorts().Error is { } ports)
        {
            errors.Add(ports);
        }

        if (Provisioning < TimeSpan.Zero)
        {
            errors.Add("LoadBalancing.Provisioning must not be negative.");
        }

        if (!(PerTaskCapacity > 0) || double.IsInfinity(PerTaskCapacity))
        {
            errors.Add("LoadBalancing.PerTaskCapacity must be positive.");
        }

        if (DataPlaneCacheTime < TimeSpan.Zero || DataPlaneFlushInterval <= TimeSpan.Zero)
        {
            errors.Add("LoadBalancing.DataPlaneCacheTime must not be negative and DataPlaneFlushInterval must be positive.");
        }

        return errors;
    }
}
