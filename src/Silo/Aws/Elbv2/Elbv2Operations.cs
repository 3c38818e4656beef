using System.Globalization;
using System.Xml.Linq;
using Emulator.Contracts;
using Emulator.Grains;
using Emulator.Model.LoadBalancing;
using static Emulator.Silo.Aws.QueryXml;

namespace Emulator.Silo.Aws.Elbv2;

/// <summary>
/// Elastic Load Balancing v2 target groups over the query protocol (Version 2015-12-01; B-LB-1, B-LB-2): create,
/// describe, modify, attributes (deregistration_delay.timeout_seconds), target health, delete. Targets are the tasks
/// of the ECS services naming the group; RegisterTargets is ECS's job, as on AWS for services.
/// A target group needs no load balancer here (a service may name one without); one attribute is modelled.
/// </summary>
public static class Elbv2Operations
{
    public const string DeregistrationDelayKey = "deregistration_delay.timeout_seconds";

    [AwsOperation(AwsServices.Elbv2, "CreateTargetGroup")]
    public static async Task<XElement> CreateTargetGroup(QueryInput input, AwsContext context)
    {
        var name = input.RequiredString("Name");
        var targetType = input.String("TargetType") ?? "instance";
        var protocol = input.String("Protocol");
        var port = input.Int("Port");
        if (targetType != "lambda")
        {
            if (protocol is null)
            {
                throw QueryInput.Validation("A protocol must be specified");
            }

            if (port is null)
            {
                throw QueryInput.Validation("A port must be specified");
            }

            if (input.String("VpcId") is null)
            {
                throw QueryInput.Validation("A VPC ID must be specified");
            }
        }

        var spec = WithHealthCheck(TargetGroupSpec.Default(name) with
        {
            Port = port ?? 1,
            Protocol = protocol ?? "HTTP",
            TargetType = targetType,
            VpcId = input.String("VpcId"),
            HealthCheckProtocol = protocol ?? "HTTP",
        }, input);
        var tags = Elbv2TagOperations.Tags(input);
        var info = await Group(context, name).Create(spec);
        await Elbv2TagOperations.Created(context, info.Arn, tags);
        return E("CreateTargetGroupResult", Members("TargetGroups", [Elbv2Shapes.TargetGroup(info)]));
    }

    [AwsOperation(AwsServices.Elbv2, "DescribeTargetGroups")]
    public static async Task<XElement> DescribeTargetGroups(QueryInput input, AwsContext context)
    {
        var arns = input.Strings("TargetGroupArns");
        var names = input.Strings("Names");
        var requested = arns.Select(TargetGroupArns.Name).Concat(names).ToList();
        var groups = new List<TargetGroupInfo>();
        if (input.String("LoadBalancerArn") is { } lbArn)
        {
            // B-ELB-1: the groups the load balancer's listeners and rules forward to.
            var lb = await Elbv2LoadBalancerOperations.Existing(context, lbArn);
            var forwarded = LoadBalancerValidation.ForwardedTargetGroups(lb.Listeners.SelectMany(l => l.DefaultActions).Concat(lb.Rules.SelectMany(r => r.Actions)));
            foreach (var arn in forwarded.Where(a => arns.IsEmpty || arns.Contains(a)))
            {
                if (await Group(context, TargetGroupArns.Name(arn)).Describe() is { } info && info.Arn == arn)
                {
                    groups.Add(info);
                }
            }
        }
        else if (requested.Count > 0)
        {
            foreach (var (n, i) in requested.Select((n, i) => (n, i)))
            {
                var info = await Group(context, n).Describe();
                if (info is null || (i < arns.Length && info.Arn != arns[i]))
                {
                    throw new EcsException(TargetGroupGrain.NotFoundCode, TargetGroupGrain.NotFoundMessage);
                }

                groups.Add(info);
            }
        }
        else
        {
            foreach (var n in await context.Grains.GetGrain<IAccountGrain>(GrainKeys.Account).List(ResourceKind.TargetGroup))
            {
                if (await Group(context, n).Describe() is { } info)
                {
                    groups.Add(info);
                }
            }
        }

        var (page, next) = Page(groups, input, PageSizes.Elbv2DescribeTargetGroups, g => g.Spec.Name);
        return E("DescribeTargetGroupsResult", Members("TargetGroups", page.Select(Elbv2Shapes.TargetGroup)), V("NextMarker", next));
    }

    /// <summary>The health check members CreateTargetGroup and ModifyTargetGroup share; omitted ones keep <paramref name="s"/>'s values.</summary>
    private static TargetGroupSpec WithHealthCheck(TargetGroupSpec s, QueryInput input) => s with
    {
        HealthCheckProtocol = input.String("HealthCheckProtocol") ?? s.HealthCheckProtocol,
        HealthCheckPath = input.String("HealthCheckPath") ?? s.HealthCheckPath,
        HealthCheckIntervalSeconds = input.Int("HealthCheckIntervalSeconds") ?? s.HealthCheckIntervalSeconds,
        HealthCheckTimeoutSeconds = input.Int("HealthCheckTimeoutSeconds") ?? s.HealthCheckTimeoutSeconds,
        HealthyThresholdCount = input.Int("HealthyThresholdCount") ?? s.HealthyThresholdCount,
        UnhealthyThresholdCount = input.Int("UnhealthyThresholdCount") ?? s.UnhealthyThresholdCount,
        Matcher = input.String("Matcher.HttpCode") ?? s.Matcher,
    };

    [AwsOperation(AwsServices.Elbv2, "ModifyTargetGroup")]
    public static async Task<XElement> ModifyTargetGroup(QueryInput input, AwsContext context)
    {
        var (grain, info) = await Existing(context, input.RequiredString("TargetGroupArn"));
        var updated = await grain.Modify(WithHealthCheck(info.Spec, input));
        return E("ModifyTargetGroupResult", Members("TargetGroups", [Elbv2Shapes.TargetGroup(updated)]));
    }

    [AwsOperation(AwsServices.Elbv2, "DescribeTargetGroupAttributes")]
    public static async Task<XElement> DescribeTargetGroupAttributes(QueryInput input, AwsContext context)
    {
        var (_, info) = await Existing(context, input.RequiredString("TargetGroupArn"));
        return E("DescribeTargetGroupAttributesResult", Elbv2Shapes.Attributes(info.Spec));
    }

    [AwsOperation(AwsServices.Elbv2, "ModifyTargetGroupAttributes")]
    public static async Task<XElement> ModifyTargetGroupAttributes(QueryInput input, AwsContext context)
    {
        var (grain, info) = await Existing(context, input.RequiredString("TargetGroupArn"));
        var attributes = input.Members("Attributes");
        if (attributes.Count == 0)
        {
            throw QueryInput.Validation("1 validation error detected: Value null at 'attributes' failed to satisfy constraint: Member must not be null");
        }

        var spec = info.Spec;
        foreach (var a in attributes)
        {
            var key = a.RequiredString("Key");
            var value = a.String("Value") ?? "";
            if (key != DeregistrationDelayKey)
            {
                throw new EcsException("InvalidConfigurationRequest",
                    $"The emulator models only the target group attribute '{DeregistrationDelayKey}'; '{key}' is not supported");
            }

            if (!int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds))
            {
                throw new EcsException("InvalidConfigurationRequest", $"'{DeregistrationDelayKey}' must be a number between 0 and 3600");
            }

            spec = spec with { DeregistrationDelaySeconds = seconds };
        }

        var updated = await grain.Modify(spec);
        return E("ModifyTargetGroupAttributesResult", Elbv2Shapes.Attributes(updated.Spec));
    }

    [AwsOperation(AwsServices.Elbv2, "DescribeTargetHealth")]
    public static async Task<XElement> DescribeTargetHealth(QueryInput input, AwsContext context)
    {
        var (_, info) = await Existing(context, input.RequiredString("TargetGroupArn"));
        var all = info.Targets.Select(t => (Target: t, Id: Elbv2Shapes.TargetId(info.Spec, t))).ToList();
        var wanted = input.Members("Targets").Select(t => (Id: t.RequiredString("Id"), Port: t.Int("Port"))).ToList();
        var rows = new List<XElement>();
        if (wanted.Count == 0)
        {
            rows.AddRange(all.OrderBy(t => t.Target.RegisteredAt).ThenBy(t => t.Id, StringComparer.Ordinal).Select(t => Elbv2Shapes.Health(info.Spec, t.Target)));
        }
        else
        {
            foreach (var w in wanted)
            {
                var matches = all.Where(t => t.Id == w.Id && (w.Port is null || Elbv2Shapes.TargetPort(info.Spec, t.Target) == w.Port)).ToList();
                rows.AddRange(matches.Count > 0
                    ? matches.Select(m => Elbv2Shapes.Health(info.Spec, m.Target))
                    : [Elbv2Shapes.NotRegistered(w.Id, w.Port)]);
            }
        }

        return E("DescribeTargetHealthResult", Members("TargetHealthDescriptions", rows));
    }

    [AwsOperation(AwsServices.Elbv2, "DeleteTargetGroup")]
    public static async Task<XElement> DeleteTargetGroup(QueryInput input, AwsContext context)
    {
        var arn = input.RequiredString("TargetGroupArn");
        var grain = Group(context, TargetGroupArns.Name(arn));
        if (await grain.Describe() is { } info && info.Arn == arn)
        {
            await grain.Delete();
            await Elbv2TagOperations.Deleted(context, arn);
        }

        return E("DeleteTargetGroupResult");
    }

    private static ITargetGroupGrain Group(AwsContext context, string name) => context.Grains.GetGrain<ITargetGroupGrain>(name);

    private static async Task<(ITargetGroupGrain Grain, TargetGroupInfo Info)> Existing(AwsContext context, string arn)
    {
        var grain = Group(context, TargetGroupArns.Name(arn));
        var info = await grain.Describe();
        return info is not null && info.Arn == arn
            ? (grain, info)
            : throw new EcsException(TargetGroupGrain.NotFoundCode, TargetGroupGrain.NotFoundMessage);
    }
}
