using Emulator.Model;
using Emulator.Model.Catalog;
using Emulator.Model.Time;
using Emulator.Runtime;
using Orleans.Serialization;
using Orleans.Storage;
using Orleans.Configuration;

namespace Emulator.Silo.Hosting;

/// <summary>Wires the emulator into a silo: runtime services, grain storage, reminders.</summary>
public static class EmulatorSiloExtensions
{
    /// <summary>
    /// The embedded default: memory grain storage and in-memory reminders (single process, nothing external). Also
    /// used by the in-process test cluster and the benchmark.
    /// </summary>
    /// <param name="wall">
    /// The wall clock behind the emulated clock and the grains' timers; null = the machine's (the virtual-time test host
    /// passes a clock it advances by hand).
    /// </param>
    public static ISiloBuilder AddEmulator(this ISiloBuilder silo, EmulatorOptions options, TimeProvider? wall = null)
    {
        silo.AddEmulatorRuntimeOnly(options, wall);
        silo.AddMemoryGrainStorage("emulator");

        // Orleans' binary serializer instead of the JSON default: a 10,000-task cluster state writes in about half the
        // time and a fifth of the memory (measured by tests/Emulator.Benchmarks).
        silo.Services.AddOptions<MemoryGrainStorageOptions>("emulator")
            .Configure<Serializer>((o, serializer) => o.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer));
        silo.UseInMemoryReminderService();
        return silo;
    }

    /// <summary>The emulator's runtime services and reminder settings without storage or reminder table (the durable mode brings its own).</summary>
    public static ISiloBuilder AddEmulatorRuntimeOnly(this ISiloBuilder silo, EmulatorOptions options, TimeProvider? wall = null)
    {
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new InvalidOperationException("Invalid emulator options: " + string.Join(" ", errors));
        }

        silo.Configure<ReminderOptions>(o => o.MinimumReminderPeriod = TimeSpan.FromMilliseconds(1));
        silo.Services.AddEmulatorRuntime(options, wall);

        // B-CFN-10: CloudFormation's resource handlers, over the same operations the AWS endpoint serves.
        silo.Services.AddSingleton<IResourceProvisioner, Emulator.Silo.CloudFormation.CloudFormationProvisioner>();

        // Per-silo load-test figures and baselines: grains placed on the silo their key names.
        silo.AddPlacementDirector<SiloPinnedPlacement, SiloPinnedPlacementDirector>();
        return silo;
    }

    public static IServiceCollection AddEmulatorRuntime(this IServiceCollection services, EmulatorOptions options, TimeProvider? wall = null)
    {
        services.AddSingleton(options);
        services.AddSingleton(TimeProvider.System);

        // Orleans' grain timers read the keyed Grains provider (its own background loops stay on the machine's clock).
        // B-T-3: on the machine's clock they fire when due, not at the next coarse millisecond tick of .NET's timer
        // queue; on a virtual clock they fire when the test advances it.
        services.AddKeyedSingleton<TimeProvider>(TimeProviderNames.Grains, (_, _) => wall ?? new PreciseTimeProvider());
        var emulatorWall = wall ?? TimeProvider.System;
        services.AddSingleton<IEmulatedClock>(_ =>
        {
            var start = options.WallStart ?? emulatorWall.GetUtcNow();
            return new ScaledClock(emulatorWall, options.TimeScale, options.Epoch ?? Rounded(start), start);
        });
        services.AddSingleton<IRandomSource>(new SeededRandomSource(options.Seed));
        services.AddSingleton(InstanceCatalog.Default);
        services.AddSingleton<EmulatorMetrics>();
        services.AddSingleton(sp => new EmulatorRuntime(
            sp.GetRequiredService<IEmulatedClock>(), sp.GetRequiredService<IRandomSource>(), options,
            sp.GetRequiredService<InstanceCatalog>(), sp.GetRequiredService<EmulatorMetrics>(), emulatorWall));
        return services;
    }

    private static DateTimeOffset Rounded(DateTimeOffset t) => new(t.UtcTicks - t.UtcTicks % TimeSpan.TicksPerSecond, TimeSpan.Zero);
}
