using System.Globalization;
using System.Xml.Linq;
using Emulator.Contracts;
using static Emulator.Silo.Aws.QueryXml;

namespace Emulator.Silo.Aws.Elbv2;

/// <summary>ELB v2 XML shapes, member names as in the 2015-12-01 service model.</summary>
public static class Elbv2Shapes
{
    public static XElement TargetGroup(TargetGroupInfo info)
    {
        var s = info.Spec;
        return E("member",
            V("TargetGroupArn", info.Arn),
            V("TargetGroupName", s.Name),
            V("Protocol", s.Protocol),
            V("Port", s.Port),
            V("VpcId", s.VpcId),
            V("HealthCheckProtocol", s.HealthCheckProtocol),
            V("HealthCheckPort", "traffic-port"),
            V("HealthCheckEnabled", true),
            V("HealthCheckIntervalSeconds", s.HealthCheckIntervalSeconds),
            V("HealthCheckTimeoutSeconds", s.HealthCheckTimeoutSeconds),
            V("HealthyThresholdCount", s.HealthyThresholdCount),
            V("UnhealthyThresholdCount", s.UnhealthyThresholdCount),
            V("HealthCheckPath", s.HealthCheckPath),
            E("Matcher", V("HttpCode", s.Matcher)),
            MemberStrings("LoadBalancerArns", info.LoadBalancerArns.IsDefault ? [] : info.LoadBalancerArns),
            V("TargetType", s.TargetType),
            V("ProtocolVersion", s.Protocol is "HTTP" or "HTTPS" ? "HTTP1" : null),
            V("IpAddressType", "ipv4"));
    }

    public static XElement Attributes(TargetGroupSpec spec) =>
        Members("Attributes", [
            Attribute("deregistration_delay.timeout_seconds", spec.DeregistrationDelaySeconds.ToString(CultureInfo.InvariantCulture)),
            Attribute("stickiness.enabled", "false"),
            Attribute("stickiness.type", "lb_cookie"),
            Attribute("load_balancing.algorithm.type", "round_robin"),
            Attribute("slow_start.duration_seconds", "0"),
        ]);

    /// <summary>
    /// A target's id: the EC2 instance for target type <c>instance</c>, otherwise the task's private IP. IPs are not
    /// modelled: a stable 10.x.y.z address is derived from the task id.
    /// </summary>
    public static string TargetId(TargetGroupSpec spec, TargetHealthInfo t) =>
        spec.TargetType == "instance" && t.Ec2InstanceId is { } ec2 ? ec2 : Ip(t.TaskId);

    /// <summary>
    /// The target's port: a static host port, or for target type <c>instance</c> with a dynamic host port (hostPort 0,
    /// not modelled by placement) a stable port of the ephemeral range 32768-60999 derived from the task id; for
    /// <c>ip</c> targets the group's port.
    /// </summary>
    public static int TargetPort(TargetGroupSpec spec, TargetHealthInfo t) => spec.TargetType switch
    {
        "instance" when t.HostPort is { } port => port,
        "instance" => 32768 + (int)(uint.TryParse(t.TaskId.AsSpan(0, Math.Min(8, t.TaskId.Length)), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var h)
            ? h % 28232 : 0),
        _ => spec.Port,
    };

    public static XElement Health(TargetGroupSpec spec, TargetHealthInfo t) =>
        E("member",
            E("Target", V("Id", TargetId(spec, t)), V("Port", TargetPort(spec, t)), V("AvailabilityZone", t.AvailabilityZone)),
            V("HealthCheckPort", TargetPort(spec, t).ToString(CultureInfo.InvariantCulture)),
            E("TargetHealth", V("State", t.State.ToString()), V("Reason", t.Reason), V("Description", Description(t.Reason))));

    public static XElement NotRegistered(string id, int? port) =>
        E("member",
            E("Target", V("Id", id), V("Port", port)),
            E("TargetHealth", V("State", "unused"), V("Reason", "Target.NotRegistered"), V("Description", "Target is not registered to the target group")));

    private static XElement Attribute(string key, string value) => E("member", V("Key", key), V("Value", value));

    private static string? Description(string? reason) => reason switch
    {
        "Elb.RegistrationInProgress" => "Target registration is in progress",
        "Target.FailedHealthChecks" => "Health checks failed",
        "Target.DeregistrationInProgress" => "Target deregistration is in progress",
        _ => null,
    };

    private static string Ip(string taskId)
    {
        var h = taskId.Length >= 6 ? taskId : taskId.PadRight(6, '0');
        int B(int i) => int.TryParse(h.AsSpan(i, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var b) ? b : 0;
        return $"10.{B(0) % 256}.{B(2)}.{Math.Max(1, B(4))}";
    }
}
