using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Emulator.Tests.Client;

namespace Emulator.Tests.Wire.MultiSilo;

/// <summary>
/// A redis-server in a temp directory on a free port, and real silo processes (the built Emulator.Silo.dll) started
/// against it. Every process it starts is killed (by its own id) at the end.
/// </summary>
public sealed class SiloProcesses(string? clusterId = null) : IAsyncDisposable
{
    private readonly List<Process> _processes = [];
    private readonly string _dir = Directory.CreateTempSubdirectory("emulator-multisilo-").FullName;
    private Process? _redis;

    public string Redis { get; private set; } = "";

    public string ClusterId { get; } = clusterId ?? "ms-" + Guid.NewGuid().ToString("N")[..8];

    public Dictionary<int, StringBuilder> Logs { get; } = [];

    /// <summary>The HTTP endpoint (AWS API, /emulator/*) of each silo started here, by process id.</summary>
    public Dictionary<int, string> Endpoints { get; } = [];

    public static string SiloDll()
    {
#if DEBUG
        const string configuration = "Debug";
#else
        const string configuration = "Release";
#endif
        var dll = Path.Combine(ScenarioParserTests.RepoRoot(), "src", "Silo", "bin", configuration, "net10.0", "Emulator.Silo.dll");
        Assert.True(File.Exists(dll), $"build the silo first: {dll} is missing");
        return dll;
    }

    /// <summary>Starts redis-server; with <paramref name="rdb"/>, on a copy of that dump (never written back: no saving).</summary>
    public async Task StartRedisAsync(string? rdb = null)
    {
        if (rdb is not null)
        {
            File.Copy(rdb, Path.Combine(_dir, "dump.rdb"));
        }

        var port = FreePort();
        var info = new ProcessStartInfo("redis-server")
        {
            ArgumentList = { "--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", _dir, "--dbfilename", "dump.rdb", "--save", "", "--appendonly", "no" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        try
        {
            _redis = Process.Start(info)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            Assert.Fail("redis-server is needed for the multi-silo test (apt-get install redis-server): " + e.Message);
        }

        var log = new StringBuilder();
        _redis.OutputDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        _redis.ErrorDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        _redis.BeginOutputReadLine();
        _redis.BeginErrorReadLine();
        Redis = "127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture);
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < TimeSpan.FromSeconds(20))
        {
            try
            {
                // Redis listens before it has loaded its dump: ready is when PING answers PONG (not -LOADING).
                using var tcp = new TcpClient();
                await tcp.ConnectAsync(IPAddress.Loopback, port);
                var stream = tcp.GetStream();
                await stream.WriteAsync("PING\r\n"u8.ToArray());
                var reply = new byte[64];
                var n = await stream.ReadAsync(reply);
                if (Encoding.ASCII.GetString(reply, 0, n).StartsWith("+PONG", StringComparison.Ordinal))
                {
                    return;
                }

                Assert.False(_redis.HasExited, "redis-server exited: " + log);
                await Task.Delay(100);
            }
            catch (Exception e) when (e is SocketException or IOException)
            {
                // e.g. a dump.rdb of a newer Redis: redis-server says so and exits
                Assert.False(_redis.HasExited, "redis-server exited: " + log);
                await Task.Delay(100);
            }
        }

        Assert.Fail("redis-server did not listen within 20 s: " + log);
    }

    /// <summary>Starts a silo process; returns it once its HTTP endpoint answers.</summary>
    public async Task<Process> StartSiloAsync(double timeScale, params string[] extra)
    {
        var port = FreePort();
        var info = new ProcessStartInfo("dotnet")
        {
            ArgumentList =
            {
                SiloDll(), "--redis", Redis, "--cluster-id", ClusterId, "--port", port.ToString(CultureInfo.InvariantCulture),
                "--silo-port", FreePort().ToString(CultureInfo.InvariantCulture), "--gateway-port", FreePort().ToString(CultureInfo.InvariantCulture),
                "--time-scale", timeScale.ToString(CultureInfo.InvariantCulture), "--metrics-export-seconds", "0",
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var e in extra)
        {
            info.ArgumentList.Add(e);
        }

        var process = Process.Start(info)!;
        _processes.Add(process);
        Endpoints[process.Id] = $"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}";
        var log = new StringBuilder();
        Logs[process.Id] = log;
        process.OutputDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var http = new HttpClient();
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < TimeSpan.FromSeconds(90))
        {
            try
            {
                if ((await http.GetAsync($"http://127.0.0.1:{port}/emulator/health")).IsSuccessStatusCode)
                {
                    return process;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }

            Assert.False(process.HasExited, "a silo process exited during start-up: " + log);
            await Task.Delay(200);
        }

        Assert.Fail("a silo did not answer /emulator/health within 90 s: " + log);
        return process;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var p in _processes.Append(_redis).OfType<Process>())
        {
            try
            {
                if (!p.HasExited)
                {
                    p.Kill(entireProcessTree: true);
                    await p.WaitForExitAsync(new CancellationTokenSource(10_000).Token);
                }
            }
            catch (Exception e) when (e is InvalidOperationException or OperationCanceledException)
            {
                // already gone
            }

            p.Dispose();
        }

        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
            // a file still held: left in the temp directory
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
