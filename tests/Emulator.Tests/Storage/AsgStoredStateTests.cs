using System.Collections.Immutable;
using Emulator.Contracts;
using Emulator.Grains;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;

namespace Emulator.Tests.Storage;

/// <summary>
/// The Auto Scaling group's stored state keeps its serialization ids: bytes written by an earlier build (the
/// durable mode's Redis grain storage uses the Orleans serializer) still load into today's <see cref="AsgState"/>.
/// </summary>
public sealed class AsgStoredStateTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    internal static AsgState Sample()
    {
        var s = new AsgState
        {
            Exists = true,
            Spec = new AsgSpec("web", 0, 10, 3, ["us-east-1a", "us-east-1b"], ["m5.large", "c5.large"],
                new MixedInstancesSpec(1, 50, "capacity-optimized"), "prod", true, true, true, "7",
                ImmutableDictionary<string, string>.Empty.Add("team", "a"), "lt-web", null),
            Uuid = "0a1b2c3d-0000-4000-8000-000000000001",
            Desired = 3,
            CapacityProvider = "cp-web",
            ManagedDraining = true,
            CreatedAt = T0,
            LastDesiredCause = "At 2026-01-01T00:00:00Z a user request explicitly set group desired capacity changing the desired capacity from 2 to 3.",
            ExhaustedPools = ["m5.large/us-east-1a"],
            DroppedInstancesCost = 1.25m,
            RateAppliedUntil = T0.AddSeconds(30),
            Incarnation = 2,
        };
        s.Instances["i-00000000000000001"] = new AsgInstance("i-00000000000000001", "m5.large", "us-east-1a", false, LifecycleState.InService,
            true, T0, T0.AddSeconds(40), true, "7", null, 0.096m, null);
        s.Instances["i-00000000000000002"] = new AsgInstance("i-00000000000000002", "c5.large", "us-east-1b", true, LifecycleState.TerminatingWait,
            false, T0.AddSeconds(5), T0.AddSeconds(45), true, "6", T0.AddSeconds(100), 0.0255m, null);
        s.Instances["i-00000000000000003"] = new AsgInstance("i-00000000000000003", "m5.large", "us-east-1b", true, LifecycleState.Terminated,
            false, T0.AddSeconds(6), T0.AddSeconds(46), false, "7", T0.AddSeconds(200), 0.0288m, T0.AddSeconds(200));
        s.Activities = [new ScalingActivity("act-1", "web", "Launching a new EC2 instance: i-00000000000000001", "cause", T0, T0.AddSeconds(40), "Successful", null, 100)];
        s.Interruptions["i-00000000000000002"] = new SpotInterruptionPlan("i-00000000000000002", T0.AddSeconds(90), T0.AddSeconds(100), T0.AddSeconds(220),
            true, true, true, "i-00000000000000004");
        return s;
    }

    internal static Serializer NewSerializer() =>
        new ServiceCollection()
            .AddSerializer(b => b.AddAssembly(typeof(AsgState).Assembly).AddAssembly(typeof(AsgInstance).Assembly))
            .BuildServiceProvider()
            .GetRequiredService<Serializer>();

    /// <summary>
    /// <see cref="Sample"/> as the build before issue 10 wrote it (<see cref="SpotInterruptionPlan"/> still declared in
    /// the grain's file); regenerate only by adding a new constant, never by replacing this one.
    /// </summary>
    private const string WrittenBeforeIssue10 =
        "IAADIehAB3dlYgEBASkBDSEgAAVBFXVzLWVhc3QtMWFAFXVzLWVhc3QtMWLg4CEgAAVBEW01LmxhcmdlQBFjNS5sYXJnZeDgIegA"
        + "BQHJQSVjYXBhY2l0eS1vcHRpbWl6ZWTgQQlwcm9kAQMBAwEDQQM3ISABA0EJdGVhbUADYeDBAeBBDWx0LXdlYsEB4EFJMGExYjJj"
        + "M2QtMDAwMC00MDAwLTgwMDAtMDAwMDAwMDAwMDAxAQ0hMAExLNQuHVN0cmluZ0NvbXBhcmVyAAMBAeABB0EnaS0wMDAwMDAwMDAw"
        + "MDAwMDAwMSDowFXBIcEXAQEJAwUBAyGAAAD4tMhI3giBAAAAAAAAAADgIYAAhM/MyEjeCIEAAAAAAAAAAOABA8E1wQFBIQAAAwAA"
        + "AAAAYAAAAAAAAADBAeBAJ2ktMDAwMDAwMDAwMDAwMDAwMDIg6MB7wSPBGQEDCQMJAQEhgIDw8rfISN4IgQAAAAAAAAAA4CGAgHTK"
        + "z8hI3giBAAAAAAAAAADgAQNBAzYhgADKkvDISN4IgQAAAAAAAAAA4EEhAAAEAAAAAAD/AAAAAAAAAMEB4EAnaS0wMDAwMDAwMDAw"
        + "MDAwMDAwMyDowKXBIcEZAQMJAxEBASGAAIeLuMhI3giBAAAAAAAAAADgIYAAC2PQyEjeCIEAAAAAAAAAAOABAcE1IYAAlC0syUje"
        + "CIEAAAAAAAAAAOBBIQAABAAAAAAAIAEAAAAAAAAhgACULSzJSN4IgQAAAAAAAAAA4ODgISAAAyHoQAthY3QtMcEJQWNMYXVuY2hp"
        + "bmcgYSBuZXcgRUMyIGluc3RhbmNlOiBpLTAwMDAwMDAwMDAwMDAwMDAxQQtjYXVzZSGAAAD4tMhI3giBAAAAAAAAAADgIYAAhM/M"
        + "yEjeCIEAAAAAAAAAAOBBFVN1Y2Nlc3NmdWzBAQEiA+Dg4EENY3Atd2ViAQMhgAAA+LTISN4IgQAAAAAAAAAA4EHvQXQgMjAyNi0w"
        + "MS0wMVQwMDowMDowMFogYSB1c2VyIHJlcXVlc3QgZXhwbGljaXRseSBzZXQgZ3JvdXAgZGVzaXJlZCBjYXBhY2l0eSBjaGFuZ2lu"
        + "ZyB0aGUgZGVzaXJlZCBjYXBhY2l0eSBmcm9tIDIgdG8gMy4hIAADQSdtNS5sYXJnZS91cy1lYXN0LTFh4MEB4EEhAAACAAAAAAB9"
        + "AAAAAAAAACE4AwADAQHgAQPBeyDowHshgADpnOrISN4IgQAAAAAAAAAA4CGAAMqS8MhI3giBAAAAAAAAAADgIYAAVhk4yUjeCIEA"
        + "AAAAAAAAAOABAwEDAQNBJ2ktMDAwMDAwMDAwMDAwMDAwMDTg4CGAAKPZxshI3giBAAAAAAAAAADgB0sJ4A==";

    /// <summary>
    /// <see cref="Sample"/> as the build of issue 14 writes it (<see cref="AsgSpec.Settings"/>, id 15, added at the end
    /// of the spec); regenerate only by adding a new constant, never by replacing this one.
    /// </summary>
    private const string WrittenAfterIssue14 =
        "IAADIehAB3dlYgEBASkBDSEgAAVBFXVzLWVhc3QtMWFAFXVzLWVhc3QtMWLg4CEgAAVBEW01LmxhcmdlQBFjNS5sYXJnZeDgIegA"
        + "BQHJQSVjYXBhY2l0eS1vcHRpbWl6ZWTgQQlwcm9kAQMBAwEDQQM3ISABA0EJdGVhbUADYeDBAeBBDWx0LXdlYsEBwQHgQUkwYTFi"
        + "MmMzZC0wMDAwLTQwMDAtODAwMC0wMDAwMDAwMDAwMDEBDSEwATEs1C4dU3RyaW5nQ29tcGFyZXIAAwEB4AEHQSdpLTAwMDAwMDAw"
        + "MDAwMDAwMDAxIOjAV8EhwRcBAQkDBQEDIYAAAPi0yEjeCIEAAAAAAAAAAOAhgACEz8zISN4IgQAAAAAAAAAA4AEDwTXBAUEhAAAD"
        + "AAAAAABgAAAAAAAAAMEB4EAnaS0wMDAwMDAwMDAwMDAwMDAwMiDowH3BI8EZAQMJAwkBASGAgPDyt8hI3giBAAAAAAAAAADgIYCA"
        + "dMrPyEjeCIEAAAAAAAAAAOABA0EDNiGAAMqS8MhI3giBAAAAAAAAAADgQSEAAAQAAAAAAP8AAAAAAAAAwQHgQCdpLTAwMDAwMDAw"
        + "MDAwMDAwMDAzIOjAp8EhwRkBAwkDEQEBIYAAh4u4yEjeCIEAAAAAAAAAAOAhgAALY9DISN4IgQAAAAAAAAAA4AEBwTUhgACULSzJ"
        + "SN4IgQAAAAAAAAAA4EEhAAAEAAAAAAAgAQAAAAAAACGAAJQtLMlI3giBAAAAAAAAAADg4OAhIAADIehAC2FjdC0xwQlBY0xhdW5j"
        + "aGluZyBhIG5ldyBFQzIgaW5zdGFuY2U6IGktMDAwMDAwMDAwMDAwMDAwMDFBC2NhdXNlIYAAAPi0yEjeCIEAAAAAAAAAAOAhgACE"
        + "z8zISN4IgQAAAAAAAAAA4EEVU3VjY2Vzc2Z1bMEBASID4ODgQQ1jcC13ZWIBAyGAAAD4tMhI3giBAAAAAAAAAADgQe9BdCAyMDI2"
        + "LTAxLTAxVDAwOjAwOjAwWiBhIHVzZXIgcmVxdWVzdCBleHBsaWNpdGx5IHNldCBncm91cCBkZXNpcmVkIGNhcGFjaXR5IGNoYW5n"
        + "aW5nIHRoZSBkZXNpcmVkIGNhcGFjaXR5IGZyb20gMiB0byAzLiEgAANBJ201LmxhcmdlL3VzLWVhc3QtMWHgwQHgQSEAAAIAAAAA"
        + "AH0AAAAAAAAAITgDAAMBAeABA8F9IOjAfSGAAOmc6shI3giBAAAAAAAAAADgIYAAypLwyEjeCIEAAAAAAAAAAOAhgABWGTjJSN4I"
        + "gQAAAAAAAAAA4AEDAQMBA0EnaS0wMDAwMDAwMDAwMDAwMDAwNODgIYAAo9nGyEjeCIEAAAAAAAAAAOAHSwng";

    [Fact]
    public void B_ASG_1_a_group_stored_by_an_earlier_build_loads_with_every_member()
    {
        var loaded = NewSerializer().Deserialize<AsgState>(Convert.FromBase64String(WrittenBeforeIssue10));
        Assert.NotNull(loaded);
        var expected = Sample();
        Assert.True(loaded.Exists);
        Assert.Equal(expected.Spec!.Name, loaded.Spec!.Name);
        Assert.Equal(expected.Spec.InstanceTypes.ToArray(), loaded.Spec.InstanceTypes.ToArray());
        Assert.Equal(expected.Spec.InstancesDistribution, loaded.Spec.InstancesDistribution);
        Assert.Equal(expected.Spec.Tags, loaded.Spec.Tags);
        Assert.Equal((expected.Uuid, expected.Desired, expected.CapacityProvider, expected.ManagedDraining, expected.CreatedAt, expected.LastDesiredCause),
            (loaded.Uuid, loaded.Desired, loaded.CapacityProvider, loaded.ManagedDraining, loaded.CreatedAt, loaded.LastDesiredCause));
        Assert.Equal(expected.ExhaustedPools, loaded.ExhaustedPools);
        Assert.Equal((expected.DroppedInstancesCost, expected.RateAppliedUntil, expected.Incarnation), (loaded.DroppedInstancesCost, loaded.RateAppliedUntil, loaded.Incarnation));
        Assert.Equal(expected.Instances.OrderBy(i => i.Key), loaded.Instances.OrderBy(i => i.Key));
        Assert.Equal(expected.Activities, loaded.Activities);
        Assert.Equal(expected.Interruptions.OrderBy(i => i.Key), loaded.Interruptions.OrderBy(i => i.Key));
    }

    [Fact]
    public void Todays_build_writes_the_same_bytes()
    {
        // Same ids, same types, nothing reordered: today's bytes are the newest build's (a new member at the end
        // changes this: add a constant, and the earlier builds' bytes must still load, as above).
        Assert.Equal(WrittenAfterIssue14, Convert.ToBase64String(NewSerializer().SerializeToArray(Sample())));
    }
}
