namespace Emulator.Silo.Hosting;

/// <summary>Where the silo listens. The HTTP endpoint stays on loopback unless told otherwise.</summary>
public sealed class SiloHostOptions
{
    public const string SectionName = "Silo";

    /// <summary>HTTP port of the AWS-compatible endpoint (default 4577, away from LocalStack's 4566).</summary>
    public int Port { get; set; } = 4577;

    public string Bind { get; set; } = "127.0.0.1";

    public int SiloPort { get; set; } = 11111;

    public int GatewayPort { get; set; } = 30000;

    /// <summary>Wall seconds between console metric exports (OpenTelemetry console exporter); 0 turns it off.</summary>
    public int MetricsExportSeconds { get; set; } = 60;

    /// <summary>
    /// Redis (host:port or a StackExchange.Redis configuration string): the durable multi-silo mode. Membership, grain
    /// state, reminders and the emulated clock's start live there. Null = the embedded single-silo default.
    /// </summary>
    public string? Redis { get; set; }

    /// <summary>Orleans cluster id (and service id) shared by the silos of one emulator; namespaces the Redis keys.</summary>
    public string ClusterId { get; set; } = "ecs-emulator";

    /// <summary>The address other silos and clients reach this silo on (durable mode); default 127.0.0.1.</summary>
    public string AdvertisedAddress { get; set; } = "127.0.0.1";

    /// <summary>
    /// "Join the silo at host:port". The embedded default cannot form a multi-silo cluster safely, so it refuses this
    /// (see <see cref="EmbeddedGuard"/>); with <see cref="Redis"/> silos find each other without it.
    /// </summary>
    public string? Primary { get; set; }

    /// <summary>Durable mode: how fast a killed silo is declared dead (see <see cref="FailureDetectionOptions"/>).</summary>
    public FailureDetectionOptions FailureDetection { get; set; } = new();

    public bool Durable => !string.IsNullOrWhiteSpace(Redis);
}
