using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Emulator.Client;

/// <summary>The silo of <c>--fresh-silo</c> could not be found or did not start.</summary>
public sealed class FreshSiloException(string message) : Exception(message);

/// <summary>What <c>load-test --fresh-silo</c> starts for each run: the built silo, embedded mode, on this gateway port.</summary>
public sealed record FreshSiloOptions(int GatewayPort, double TimeScale, int LaunchesPerMinute, string? SiloDll, string LogDirectory);

/// <summary>
/// One embedded silo process started for one load-test run and killed after it (<c>load-test --fresh-silo</c>): each
/// of repeated runs then measures a cold process with nothing left from the run before, as a user starting the silo
/// and running the load test once would.
/// </summary>
public sealed class FreshSilo : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;

    private FreshSilo(Process process, StreamWriter log, string logPath)
    {
        _process = process;
        _log = log;
        LogPath = logPath;
    }

    public int Pid => _process.Id;

    public string LogPath { get; }

    /// <summary>The silo built next to this client (same configuration), found from the repository layout.</summary>
    public static string FindSiloDll()
    {
#if DEBUG
        const string configuration = "Debug";
#else
        const string configuration = "Release";
#endif
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Emulator.sln")))
        {
            root = root.Parent;
        }

        if (root is null)
        {
            throw new FreshSiloException($"no Emulator.sln above {AppContext.BaseDirectory}: give the silo with --silo-dll PATH");
        }

        var dll = Path.Combine(root.FullName, "src", "Silo", "bin", configuration, "net10.0", "Emulator.Silo.dll");
        return File.Exists(dll) ? dll : throw new FreshSiloException($"build the silo first (dotnet build -c {configuration} Emulator.sln): {dll} is missing");
    }

    public static async Task<FreshSilo> StartAsync(FreshSiloOptions o, int run, CancellationToken ct)
    {
        var dll = o.SiloDll ?? FindSiloDll();
        if (!File.Exists(dll))
        {
            throw new FreshSiloException($"--silo-dll {dll} does not exist");
        }

        Directory.CreateDirectory(o.LogDirectory);
        var logPath = Path.Combine(o.LogDirectory, $"silo-run{run}.log");
        var log = new StreamWriter(logPath) { AutoFlush = true };
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[]
                 {
                     dll, "--port", FreePort().ToString(CultureInfo.InvariantCulture), "--silo-port", FreePort().ToString(CultureInfo.InvariantCulture),
                     "--gateway-port", o.GatewayPort.ToString(CultureInfo.InvariantCulture), "--metrics-export-seconds", "0",
                     "--time-scale", o.TimeScale.ToString(CultureInfo.InvariantCulture),
                     $"--Emulator:ServiceLaunchesPerMinute={o.LaunchesPerMinute.ToString(CultureInfo.InvariantCulture)}",
                 })
        {
            info.ArgumentList.Add(a);
        }

        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = Process.Start(info) ?? throw new FreshSiloException("dotnet did not start");
        var silo = new FreshSilo(process, log, logPath);
        void Line(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (log)
            {
                log.WriteLine(line);
            }

            if (line.Contains("silo ready", StringComparison.Ordinal))
            {
                ready.TrySetResult();
            }
        }

        process.OutputDataReceived += (_, e) => Line(e.Data);
        process.ErrorDataReceived += (_, e) => Line(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(120));
        try
        {
            await Task.WhenAny(ready.Task, process.WaitForExitAsync(timeout.Token));
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            // timed out: reported below
        }

        if (!ready.Task.IsCompleted)
        {
            var exited = process.HasExited ? $"exited with code {process.ExitCode}" : "did not say 'silo ready' within 120 s";
            await silo.DisposeAsync();
            throw new FreshSiloException($"the fresh silo ({dll}) {exited}; see {logPath}");
        }

        return silo;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync(); // also drains the redirected output, so no line arrives after the log is closed

        _process.Dispose();
        lock (_log)
        {
            _log.Dispose();
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
