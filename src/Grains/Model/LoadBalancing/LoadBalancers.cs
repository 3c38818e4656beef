using System.Collections.Immutable;
using System.Globalization;

namespace Emulator.Model.LoadBalancing;

/// <summary>
/// Application Load Balancer facts that are neither routing nor validation (B-ELB-1): the DNS name, the hosted zone,
/// the provisioning state, attributes with AWS's defaults, and the metric period grid the per-load-balancer metrics use.
/// </summary>
public static class LoadBalancers
{
    /// <summary>
    /// Model choice: the DNS name is AWS's shape with the <c>localhost</c> domain instead of <c>amazonaws.com</c>
    /// (<c>NAME-DIGITS.REGION.elb.localhost</c>, <c>internal-</c> first for internal ones): every name under
    /// <c>.localhost</c> is loopback (RFC 6761; curl resolves it without asking DNS), so a user can curl the DNS name with
    /// the listener's data-plane port, <c>http://DNSNAME:PORT/</c>, without editing /etc/hosts.
    /// </summary>
    public static string DnsName(string name, string scheme, string region, long digits) =>
        string.Create(CultureInfo.InvariantCulture, $"{(scheme == "internal" ? "internal-" : "")}{name}-{digits}.{region}.elb.localhost");

    /// <summary>The Route 53 hosted zone of Application Load Balancers in the region (AWS's published ids; a stable one elsewhere).</summary>
    public static string CanonicalHostedZoneId(string region) => region switch
    {
        "us-east-1" => "Z35SXDOTRQ7X7K",
        "us-east-2" => "Z3AADJGX6KTTL2",
        "us-west-1" => "Z368ELLRRE2KJ0",
        "us-west-2" => "Z1H1FL5HABSF5",
        "eu-west-1" => "Z32O12XQLNTSW2",
        "eu-central-1" => "Z215JYRZR1TBD5",
        "ap-northeast-1" => "Z14GRHDCWA56QT",
        "ap-northeast-2" => "ZWKZPGTI48KDX",
        _ => "Z" + ((uint)region.Aggregate(17, (h, c) => unchecked(h * 31 + c))).ToString("X", CultureInfo.InvariantCulture).PadLeft(12, '0'),
    };

    /// <summary>B-ELB-1: <c>provisioning</c> until <paramref name="activeAt"/>, then <c>active</c>; requests reach a load balancer only when active.</summary>
    public static string State(DateTimeOffset activeAt, DateTimeOffset now) => now < activeAt ? "provisioning" : "active";

    /// <summary>The start of the metric period holding <paramref name="t"/>, on the grid from the Unix epoch (CloudWatch's periods).</summary>
    public static DateTimeOffset PeriodStart(DateTimeOffset t, TimeSpan period) =>
        DateTimeOffset.UnixEpoch + TimeSpan.FromTicks((t - DateTimeOffset.UnixEpoch).Ticks / period.Ticks * period.Ticks);

    /// <summary>DescribeLoadBalancerAttributes of a new Application Load Balancer.</summary>
    public static ImmutableDictionary<string, string> DefaultAttributes { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["access_logs.s3.enabled"] = "false",
        ["access_logs.s3.bucket"] = "",
        ["access_logs.s3.prefix"] = "",
        ["deletion_protection.enabled"] = "false",
        ["idle_timeout.timeout_seconds"] = "60",
        ["client_keep_alive.seconds"] = "3600",
        ["routing.http.desync_mitigation_mode"] = "defensive",
        ["routing.http.drop_invalid_header_fields.enabled"] = "false",
        ["routing.http.preserve_host_header.enabled"] = "false",
        ["routing.http.x_amzn_tls_version_and_cipher_suite.enabled"] = "false",
        ["routing.http.xff_client_port.enabled"] = "false",
        ["routing.http.xff_header_processing.mode"] = "append",
        ["routing.http2.enabled"] = "true",
        ["waf.fail_open.enabled"] = "false",
        ["load_balancing.cross_zone.enabled"] = "true",
        ["connection_logs.s3.enabled"] = "false",
        ["connection_logs.s3.bucket"] = "",
        ["connection_logs.s3.prefix"] = "",
    }.ToImmutableDictionary(StringComparer.Ordinal);

    /// <summary>
    /// DescribeListenerAttributes of a new Application Load Balancer listener (2024): the HTTP response header settings,
    /// with the Server header on and no header values set; HTTPS listeners add the mutual TLS header names.
    /// </summary>
    public static ImmutableDictionary<string, string> DefaultListenerAttributes(string protocol)
    {
        var b = ImmutableDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        b["routing.http.response.server.enabled"] = "true";
        foreach (var header in ListenerResponseHeaders)
        {
            b[$"routing.http.response.{header}.header_value"] = "";
        }

        if (protocol == "HTTPS")
        {
            foreach (var header in ListenerMtlsHeaders)
            {
                b[$"routing.http.request.{header}.header_name"] = "";
            }
        }

        return b.ToImmutable();
    }

    private static readonly string[] ListenerResponseHeaders =
    [
        "strict_transport_security", "access_control_allow_origin", "access_control_allow_methods", "access_control_allow_headers",
        "access_control_allow_credentials", "access_control_expose_headers", "access_control_max_age", "content_security_policy",
        "x_content_type_options", "x_frame_options",
    ];

    private static readonly string[] ListenerMtlsHeaders =
    [
        "x_amzn_mtls_clientcert_serial_number", "x_amzn_mtls_clientcert_issuer", "x_amzn_mtls_clientcert_subject",
        "x_amzn_mtls_clientcert_validity", "x_amzn_mtls_clientcert_leaf", "x_amzn_mtls_clientcert", "x_amzn_tls_version", "x_amzn_tls_cipher_suite",
    ];

    /// <summary>ModifyListenerAttributes: the attributes after the change, or the first unknown key / invalid value (ValidationError).</summary>
    public static (ImmutableDictionary<string, string> Attributes, ElbError? Error) ModifyListenerAttributes(ImmutableDictionary<string, string> current,
        ImmutableDictionary<string, string> changes)
    {
        foreach (var (key, value) in changes)
        {
            if (!current.ContainsKey(key))
            {
                return (current, new ElbError(ElbErrorCodes.Validation, $"Listener attribute key '{key}' is not recognized"));
            }

            if (key.EndsWith(".enabled", StringComparison.Ordinal) && value is not ("true" or "false"))
            {
                return (current, new ElbError(ElbErrorCodes.Validation, $"Listener attribute value '{value}' is not valid for '{key}'"));
            }

            if (key == "routing.http.response.x_frame_options.header_value" && value is not ("" or "DENY" or "SAMEORIGIN") && !value.StartsWith("ALLOW-FROM ", StringComparison.Ordinal))
            {
                return (current, new ElbError(ElbErrorCodes.Validation, $"Listener attribute value '{value}' is not valid for '{key}'"));
            }
        }

        return (current.SetItems(changes), null);
    }

    /// <summary>ModifyLoadBalancerAttributes: the attributes after the change, or the first invalid key or value (InvalidConfigurationRequest / ValidationError).</summary>
    public static (ImmutableDictionary<string, string> Attributes, ElbError? Error) ModifyAttributes(ImmutableDictionary<string, string> current, ImmutableDictionary<string, string> changes)
    {
        foreach (var (key, value) in changes)
        {
            if (!DefaultAttributes.ContainsKey(key))
            {
                return (current, new ElbError(ElbErrorCodes.Validation, $"Load balancer attribute key '{key}' is not recognized"));
            }

            var bad = key switch
            {
                _ when key.EndsWith(".enabled", StringComparison.Ordinal) => value is not ("true" or "false"),
                "idle_timeout.timeout_seconds" => !int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var s) || s is < 1 or > 4000,
                "client_keep_alive.seconds" => !int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var k) || k is < 60 or > 604_800,
                "routing.http.desync_mitigation_mode" => value is not ("monitor" or "defensive" or "strictest"),
                "routing.http.xff_header_processing.mode" => value is not ("append" or "preserve" or "remove"),
                _ => false,
            };
            if (bad)
            {
                return (current, new ElbError(ElbErrorCodes.InvalidConfigurationRequest, $"Load balancer attribute value '{value}' is not valid for '{key}'"));
            }
        }

        if (changes.GetValueOrDefault("access_logs.s3.enabled", current["access_logs.s3.enabled"]) == "true"
            && changes.GetValueOrDefault("access_logs.s3.bucket", current["access_logs.s3.bucket"]).Length == 0)
        {
            return (current, new ElbError(ElbErrorCodes.InvalidConfigurationRequest, "The value of 'access_logs.s3.bucket' cannot be empty when access logs are enabled"));
        }

        return (current.SetItems(changes), null);
    }
}
