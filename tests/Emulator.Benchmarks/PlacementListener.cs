using System.Diagnostics;
using System.Diagnostics.Metrics;
using Emulator.Runtime;

namespace Emulator.Benchmarks;

/// <summary>
/// Listens to the emulator's own meter: the wall time the cluster grain spends inside each LaunchTasks placement
/// (<c>emulator.placement.latency</c>) and the tasks it placed (<c>emulator.tasks.placed</c>), and the moment the
/// cluster grain recorded the last of <c>target</c> tasks as placed. No grain code changes.
/// </summary>
public sealed class PlacementListener : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly Stopwatch _clock;
    private readonly long _target;
    private TimeSpan? _allPlacedAt;
    private readonly Lock _gate = new();
    private double _totalMs;
    private double _maxMs;
    private int _batches;
    private long _tasks;

    public PlacementListener(Stopwatch clock, long target)
    {
        _clock = clock;
        _target = target;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == EmulatorMetrics.MeterName
                && instrument.Name is "emulator.placement.latency" or "emulator.tasks.placed")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<double>((instrument, value, _, _) =>
        {
            lock (_gate)
            {
                _totalMs += value;
                _maxMs = Math.Max(_maxMs, value);
                _batches++;
            }
        });
        _listener.SetMeasurementEventCallback<long>((_, value, _, _) =>
        {
            lock (_gate)
            {
                _tasks += value;
                if (_allPlacedAt is null && _tasks >= _target)
                {
                    _allPlacedAt = _clock.Elapsed;
                }
            }
        });
        _listener.Start();
    }

    public (int Batches, long Tasks, double TotalMs, double MaxMs, TimeSpan? AllPlacedAt) Read()
    {
        lock (_gate)
        {
            return (_batches, _tasks, _totalMs, _maxMs, _allPlacedAt);
        }
    }

    public void Dispose() => _listener.Dispose();
}
