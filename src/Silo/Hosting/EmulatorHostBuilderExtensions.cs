using Emulator.Model;
using Emulator.Runtime;
using Emulator.Silo.DataPlane;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace Emulator.Silo.Hosting;

/// <summary>Program.cs stays short: the command line, Orleans, OpenTelemetry and the HTTP endpoint are wired here.</summary>
public static class EmulatorHostBuilderExtensions
{
    public static readonly Dictionary<string, string> SwitchMappings = new(StringComparer.Ordinal)
    {
        ["--time-scale"] = "Emulator:TimeScale",
        ["--seed"] = "Emulator:Seed",
        ["--port"] = "Silo:Port",
        ["--bind"] = "Silo:Bind",
        ["--silo-port"] = "Silo:SiloPort",
        ["--gateway-port"] = "Silo:GatewayPort",
        ["--metrics-export-seconds"] = "Silo:MetricsExportSeconds",
        ["--redis"] = "Silo:Redis",
        ["--cluster-id"] = "Silo:ClusterId",
        ["--advertise"] = "Silo:AdvertisedAddress",
        ["--primary"] = "Silo:Primary",
        ["--clock-start"] = "Emulator:WallStart",
        ["--failure-detection"] = "Silo:FailureDetection:Profile",
        ["--lb-ports"] = "Emulator:LoadBalancing:DataPlanePorts",
    };

    public static (EmulatorOptions Emulator, SiloHostOptions Host) BindOptions(this WebApplicationBuilder builder)
    {
        var emulator = new EmulatorOptions();
        builder.Configuration.GetSection(EmulatorOptions.SectionName).Bind(emulator);
        var host = new SiloHostOptions();
        builder.Configuration.GetSection(SiloHostOptions.SectionName).Bind(host);
        var errors = emulator.Validate().ToList();
        errors.AddRange(EmbeddedGuard.Check(host));
        errors.AddRange(host.FailureDetection.Validate());

        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(Environment.NewLine, errors));
        }

        return (emulator, host);
    }

    public static WebApplicationBuilder AddEmulatorSilo(this WebApplicationBuilder builder, EmulatorOptions emulator, SiloHostOptions host)
    {
        builder.WebHost.UseUrls($"http://{host.Bind}:{host.Port}");
        StackExchange.Redis.IConnectionMultiplexer? redis = null;
        if (host.Durable)
        {
            redis = DurableMode.Connect(host.Redis!);
            DurableMode.AgreeOnClock(redis, host.ClusterId, emulator, TimeProvider.System);
            builder.Services.AddSingleton(redis);
        }

        builder.UseOrleans(silo =>
        {
            if (redis is null)
            {
                silo.UseLocalhostClustering(host.SiloPort, host.GatewayPort);
                silo.AddEmulator(emulator);
            }
            else
            {
                silo.AddEmulatorRuntimeOnly(emulator);
                silo.UseDurableMode(host, redis);
            }
        });
        // Issue 17: every listener's data plane on its loopback port.
        builder.Services.AddSingleton(new DataPlaneBinding(host.Bind));
        builder.Services.AddSingleton(sp => new DataPlaneRouter(sp.GetRequiredService<IGrainFactory>(), sp.GetRequiredService<Emulator.Model.Time.IEmulatedClock>(),
            emulator, TimeProvider.System));
        builder.Services.AddHostedService<DataPlaneHost>();
        if (host.MetricsExportSeconds > 0)
        {
            builder.Services.AddOpenTelemetry()
                .ConfigureResource(r => r.AddService("ecs-emulator"))
                .WithMetrics(m => m
                    .AddMeter(EmulatorMetrics.MeterName, "Microsoft.Orleans")
                    .AddConsoleExporter((_, reader) => reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = host.MetricsExportSeconds * 1000));
        }

        return builder;
    }
}
