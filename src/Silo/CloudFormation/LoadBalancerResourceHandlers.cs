using System.Collections.Immutable;
using System.Text.Json.Nodes;
using System.Xml.Linq;
using Emulator.Contracts;
using Emulator.Model.CloudFormation;
using Emulator.Silo.Aws;

namespace Emulator.Silo.CloudFormation;

internal static class Elbv2Calls
{
    public static Task<XElement> Call(HandlerContext c, string operation, Dictionary<string, string> form) => c.Aws.Query(AwsServices.Elbv2, operation, form);

    /// <summary>Properties as ELB v2 query fields (lists as <c>Name.member.N</c>), without the members named in <paramref name="except"/>.</summary>
    public static Dictionary<string, string> Form(JsonObject properties, params string[] except)
    {
        var copy = (JsonObject)properties.DeepClone();
        foreach (var name in except)
        {
            copy.Remove(name);
        }

        var form = new Dictionary<string, string>(StringComparer.Ordinal);
        CfnProperties.Flatten(form, "", copy);
        return form;
    }

    /// <summary>Key/Value attribute lists (LoadBalancerAttributes) set through the Modify...Attributes operation when any differ from ELB's defaults.</summary>
    public static async Task Attributes(HandlerContext c, string operation, string arnField, string arn, JsonNode? attributes, IReadOnlyDictionary<string, string> defaults)
    {
        var list = (attributes as JsonArray ?? []).OfType<JsonObject>()
            .Select(a => (Key: Template.Text(a["Key"]), Value: Template.Text(a["Value"])))
            .Where(a => !(defaults.TryGetValue(a.Key, out var d) && d == a.Value))
            .ToList();
        if (list.Count == 0)
        {
            return;
        }

        var form = new Dictionary<string, string>(StringComparer.Ordinal) { [arnField] = arn };
        for (var i = 0; i < list.Count; i++)
        {
            form[$"Attributes.member.{i + 1}.Key"] = list[i].Key;
            form[$"Attributes.member.{i + 1}.Value"] = list[i].Value;
        }

        await c.Aws.Query(AwsServices.Elbv2, operation, form);
    }
}

/// <summary>
/// AWS::ElasticLoadBalancingV2::LoadBalancer: CreateLoadBalancer (a 32-character name generated when none is given),
/// its attributes, then stabilizing until ELB reports it <c>active</c> (as CloudFormation waits); security groups and
/// attributes in place; DeleteLoadBalancer. Ref is its ARN; DNSName is the emulator's loopback name (the data plane's
/// listener URLs are at <c>GET /emulator/load-balancers</c>).
/// </summary>
internal sealed class LoadBalancerHandler : ResourceHandler
{
    public override IReadOnlyList<string> Types => ["AWS::ElasticLoadBalancingV2::LoadBalancer"];

    /// <summary>How long (emulated) a load balancer may stay provisioning before the create fails.</summary>
    private static readonly TimeSpan ActiveWait = TimeSpan.FromMinutes(15);

    private static readonly ImmutableDictionary<string, string> Defaults = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["deletion_protection.enabled"] = "false",
        ["idle_timeout.timeout_seconds"] = "60",
    }.ToImmutableDictionary(StringComparer.Ordinal);

    public override async Task<ResourceOutcome> Create(HandlerContext c)
    {
        var name = c.NameOr("Name", 32, "-");
        var form = Elbv2Calls.Form(c.Properties, "LoadBalancerAttributes", "Name");
        form["Name"] = name;
        var result = await Elbv2Calls.Call(c, "CreateLoadBalancer", form);
        var arn = QueryResults.Value(result, "LoadBalancerArn") ?? throw new EcsException(ErrorCodes.ServerException, "CreateLoadBalancer returned no ARN");
        await Elbv2Calls.Attributes(c, "ModifyLoadBalancerAttributes", "LoadBalancerArn", arn, c.Properties["LoadBalancerAttributes"], Defaults);
        return await Check(c, arn, c.Handle("provisioning"));
    }

    public override Task<ResourceOutcome> Poll(HandlerContext c) =>
        c.Call.Verb == RunPhase.VerbDelete ? Task.FromResult(ResourceOutcome.Done(c.PhysicalId)) : Check(c, c.PhysicalId, c.Call.Handle ?? c.Handle("provisioning"));

    public override async Task<ResourceOutcome> Update(HandlerContext c)
    {
        var other = c.Changed.Where(p => p is not ("Tags" or "SecurityGroups" or "LoadBalancerAttributes")).ToList();
        if (other.Count > 0)
        {
            return await base.Update(c);
        }

        if (c.Changed.Contains("SecurityGroups"))
        {
            var form = new Dictionary<string, string>(StringComparer.Ordinal) { ["LoadBalancerArn"] = c.PhysicalId };
            var groups = CfnProperties.Strings(c.Properties, "SecurityGroups");
            for (var i = 0; i < groups.Count; i++)
            {
                form[$"SecurityGroups.member.{i + 1}"] = groups[i];
            }

            await Elbv2Calls.Call(c, "SetSecurityGroups", form);
        }

        if (c.Changed.Contains("LoadBalancerAttributes"))
        {
            await Elbv2Calls.Attributes(c, "ModifyLoadBalancerAttributes", "LoadBalancerArn", c.PhysicalId, c.Properties["LoadBalancerAttributes"], ImmutableDictionary<string, string>.Empty);
        }

        return await Check(c, c.PhysicalId, null);
    }

    public override async Task<ResourceOutcome> Delete(HandlerContext c)
    {
        await Elbv2Calls.Call(c, "DeleteLoadBalancer", new Dictionary<string, string>(StringComparer.Ordinal) { ["LoadBalancerArn"] = c.PhysicalId });
        return ResourceOutcome.Done(c.PhysicalId);
    }

    /// <summary>Done with the attributes once active; stabilizing while provisioning (failing after <see cref="ActiveWait"/>).</summary>
    private static async Task<ResourceOutcome> Check(HandlerContext c, string arn, string? handle)
    {
        var described = await Elbv2Calls.Call(c, "DescribeLoadBalancers", new Dictionary<string, string>(StringComparer.Ordinal) { ["LoadBalancerArns.member.1"] = arn });
        var lb = described.Descendants().First(e => e.Name.LocalName == "member" && e.Parent?.Name.LocalName == "LoadBalancers");
        var state = lb.Descendants().FirstOrDefault(e => e.Name.LocalName == "State")?.Elements().FirstOrDefault(e => e.Name.LocalName == "Code")?.Value;
        var name = QueryResults.Value(lb, "LoadBalancerName")!;
        var attributes = Attributes(
            ("DNSName", QueryResults.Value(lb, "DNSName")), ("LoadBalancerArn", arn), ("LoadBalancerName", name),
            ("LoadBalancerFullName", arn[(arn.IndexOf(":loadbalancer/", StringComparison.Ordinal) + ":loadbalancer/".Length)..]),
            ("CanonicalHostedZoneID", QueryResults.Value(lb, "CanonicalHostedZoneId")))
            .Add("SecurityGroups", CfnProperties.Attr(lb.Descendants().Where(e => e.Parent?.Name.LocalName == "SecurityGroups").Select(e => e.Value)));
        if (state == "active" || handle is null)
        {
            return ResourceOutcome.Done(arn, attributes);
        }

        var (_, since) = c.ReadHandleOf(handle);
        return c.Now - since < ActiveWait
            ? ResourceOutcome.Stabilizing(arn, handle, attributes)
            : ResourceOutcome.Failed($"Load balancer {name} did not become active within {ActiveWait.TotalMinutes} minutes (state {state})", arn);
    }
}

/// <summary>AWS::ElasticLoadBalancingV2::Listener: CreateListener with its default actions, ModifyListener in place, DeleteListener. Ref is its ARN.</summary>
internal sealed class ListenerHandler : ResourceHandler
{
    public override IReadOnlyList<string> Types => ["AWS::ElasticLoadBalancingV2::Listener"];

    public override async Task<ResourceOutcome> Create(HandlerContext c)
    {
        var result = await Elbv2Calls.Call(c, "CreateListener", Elbv2Calls.Form(c.Properties));
        var arn = QueryResults.Value(result, "ListenerArn") ?? throw new EcsException(ErrorCodes.ServerException, "CreateListener returned no ARN");
        return ResourceOutcome.Done(arn, Attributes(("ListenerArn", arn)));
    }

    public override async Task<ResourceOutcome> Update(HandlerContext c)
    {
        var form = Elbv2Calls.Form(c.Properties, "LoadBalancerArn");
        form["ListenerArn"] = c.PhysicalId;
        await Elbv2Calls.Call(c, "ModifyListener", form);
        return ResourceOutcome.Done(c.PhysicalId, c.Call.Attributes);
    }

    public override async Task<ResourceOutcome> Delete(HandlerContext c)
    {
        await Elbv2Calls.Call(c, "DeleteListener", new Dictionary<string, string>(StringComparer.Ordinal) { ["ListenerArn"] = c.PhysicalId });
        return ResourceOutcome.Done(c.PhysicalId);
    }
}

/// <summary>AWS::ElasticLoadBalancingV2::ListenerRule: CreateRule, ModifyRule and SetRulePriorities in place, DeleteRule. Ref is its ARN.</summary>
internal sealed class ListenerRuleHandler : ResourceHandler
{
    public override IReadOnlyList<string> Types => ["AWS::ElasticLoadBalancingV2::ListenerRule"];

    public override async Task<ResourceOutcome> Create(HandlerContext c)
    {
        var result = await Elbv2Calls.Call(c, "CreateRule", Elbv2Calls.Form(c.Properties));
        var arn = QueryResults.Value(result, "RuleArn") ?? throw new EcsException(ErrorCodes.ServerException, "CreateRule returned no ARN");
        return ResourceOutcome.Done(arn, Attributes(("RuleArn", arn), ("IsDefault", "false")));
    }

    public override async Task<ResourceOutcome> Update(HandlerContext c)
    {
        if (c.Changed.Contains("Actions") || c.Changed.Contains("Conditions"))
        {
            var form = Elbv2Calls.Form(c.Properties, "ListenerArn", "Priority");
            form["RuleArn"] = c.PhysicalId;
            await Elbv2Calls.Call(c, "ModifyRule", form);
        }

        if (c.Changed.Contains("Priority"))
        {
            await Elbv2Calls.Call(c, "SetRulePriorities", new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["RulePriorities.member.1.RuleArn"] = c.PhysicalId,
                ["RulePriorities.member.1.Priority"] = CfnProperties.Text(c.Properties, "Priority") ?? "",
            });
        }

        return ResourceOutcome.Done(c.PhysicalId, c.Call.Attributes);
    }

    public override async Task<ResourceOutcome> Delete(HandlerContext c)
    {
        await Elbv2Calls.Call(c, "DeleteRule", new Dictionary<string, string>(StringComparer.Ordinal) { ["RuleArn"] = c.PhysicalId });
        return ResourceOutcome.Done(c.PhysicalId);
    }
}
