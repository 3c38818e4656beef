using System.Net;
using System.Net.Sockets;
using Emulator.Model;
using Emulator.Silo.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Emulator.Benchmarks;

/// <summary>One in-process silo with the emulator wired in, the way any host adds it (<c>AddEmulator</c>).</summary>
public static class BenchmarkHost
{
    private static volatile bool _stopping;

    public static EmulatorOptions EmulatorOptionsFor(BenchmarkOptions o) => new()
    {
        TimeScale = o.TimeScale,
        ServiceLaunchesPerMinute = o.LaunchesPerMinute,
        Seed = 1,
        Epoch = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero),
    };

    public static IHost Build(EmulatorOptions emulator, CallProfile? profile)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);

        // Logs go to stderr: stdout carries the table and ends with the JSON line.
        builder.Logging.AddConsole(c => c.LogToStandardErrorThreshold = LogLevel.Trace);

        // Stopping a silo whose emulator timers still run makes them call deactivated grains: expected, not news.
        builder.Logging.AddFilter((_, level) => level >= LogLevel.Warning && !_stopping);

        // Start-up notes that are expected here (workstation GC, the emulator's 1 ms reminder floor).
        builder.Logging.AddFilter("Orleans.Runtime.Silo", LogLevel.Error);
        builder.Logging.AddFilter("Orleans.Hosting.ReminderOptionsValidator", LogLevel.Error);
        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(FreePort(), FreePort()).AddEmulator(emulator);
            if (profile is not null)
            {
                silo.AddIncomingGrainCallFilter(profile.Invoke);
            }
        });
        return builder.Build();
    }

    public static async Task Stop(IHost host)
    {
        _stopping = true;
        await host.StopAsync();
    }

    /// <summary>Ports the OS says are free, so the benchmark can run next to a silo or a test run.</summary>
    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
