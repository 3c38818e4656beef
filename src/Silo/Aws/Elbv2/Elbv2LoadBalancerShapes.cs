using System.Globalization;
using System.Xml.Linq;
using Emulator.Contracts;
using static Emulator.Silo.Aws.QueryXml;

namespace Emulator.Silo.Aws.Elbv2;

/// <summary>ELB v2 XML shapes of load balancers, listeners, rules and actions (member names of the 2015-12-01 service model).</summary>
public static class Elbv2LoadBalancerShapes
{
    public static XElement LoadBalancer(LoadBalancerInfo lb) =>
        E("member",
            V("LoadBalancerArn", lb.Arn),
            V("DNSName", lb.DnsName),
            V("CanonicalHostedZoneId", lb.CanonicalHostedZoneId),
            V("CreatedTime", lb.CreatedAt),
            V("LoadBalancerName", lb.Spec.Name),
            V("Scheme", lb.Spec.Scheme),
            V("VpcId", lb.Spec.VpcId),
            E("State", V("Code", lb.State)),
            V("Type", lb.Spec.Type),
            Members("AvailabilityZones", lb.Spec.Subnets.Select(s => E("member", V("ZoneName", s.AvailabilityZone), V("SubnetId", s.SubnetId), E("LoadBalancerAddresses")))),
            MemberStrings("SecurityGroups", lb.Spec.SecurityGroups),
            V("IpAddressType", lb.Spec.IpAddressType));

    public static XElement Listener(ListenerRecord l, string loadBalancerArn) =>
        E("member",
            V("ListenerArn", l.Arn),
            V("LoadBalancerArn", loadBalancerArn),
            V("Port", l.Port),
            V("Protocol", l.Protocol),
            l.CertificateArns.IsDefaultOrEmpty ? null : Members("Certificates", l.CertificateArns.Select(c => E("member", V("CertificateArn", c)))),
            V("SslPolicy", l.SslPolicy),
            Actions("DefaultActions", l.DefaultActions));

    public static XElement Rule(ListenerRuleRecord r) =>
        E("member",
            V("RuleArn", r.Arn),
            V("Priority", r.Priority is { } p ? p.ToString(CultureInfo.InvariantCulture) : "default"),
            Members("Conditions", r.Conditions.Select(Condition)),
            Actions("Actions", r.Actions),
            V("IsDefault", r.IsDefault));

    public static XElement Actions(string name, IEnumerable<ListenerAction> actions) => Members(name, actions.Select(Action));

    public static XElement Attributes(IEnumerable<KeyValuePair<string, string>> attributes) =>
        Members("Attributes", attributes.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => E("member", V("Key", a.Key), V("Value", a.Value))));

    private static XElement Action(ListenerAction a) =>
        E("member",
            V("Type", a.Type),
            V("TargetGroupArn", a.Forward is { TargetGroups: [var only] } ? only.TargetGroupArn : null),
            V("Order", a.Order),
            a.Redirect is { } r
                ? E("RedirectConfig", V("Protocol", r.Protocol), V("Port", r.Port), V("Host", r.Host), V("Path", r.Path), V("Query", r.Query), V("StatusCode", r.StatusCode))
                : null,
            a.FixedResponse is { } f ? E("FixedResponseConfig", V("MessageBody", f.MessageBody), V("StatusCode", f.StatusCode), V("ContentType", f.ContentType)) : null,
            a.Forward is { } fw
                ? E("ForwardConfig",
                    Members("TargetGroups", fw.TargetGroups.Select(g => E("member", V("TargetGroupArn", g.TargetGroupArn), V("Weight", g.Weight)))),
                    E("TargetGroupStickinessConfig", V("Enabled", fw.StickinessEnabled), V("DurationSeconds", fw.StickinessDurationSeconds)))
                : null);

    private static XElement Condition(RuleCondition c)
    {
        var values = c.Values.IsDefault ? [] : c.Values;
        return E("member",
            V("Field", c.Field),
            c.Field is "host-header" or "path-pattern" ? MemberStrings("Values", values) : null,
            c.Field switch
            {
                "host-header" => E("HostHeaderConfig", MemberStrings("Values", values)),
                "path-pattern" => E("PathPatternConfig", MemberStrings("Values", values)),
                "http-header" => E("HttpHeaderConfig", V("HttpHeaderName", c.HttpHeaderName), MemberStrings("Values", values)),
                "http-request-method" => E("HttpRequestMethodConfig", MemberStrings("Values", values)),
                "source-ip" => E("SourceIpConfig", MemberStrings("Values", values)),
                _ => E("QueryStringConfig", Members("Values", (c.QueryStrings.IsDefault ? [] : c.QueryStrings).Select(q => E("member", V("Key", q.Key), V("Value", q.Value))))),
            });
    }
}
