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
}
