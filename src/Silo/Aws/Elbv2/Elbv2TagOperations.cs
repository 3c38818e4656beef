using System.Collections.Immutable;
using System.Xml.Linq;
using Emulator.Contracts;
using Emulator.Grains;
using static Emulator.Silo.Aws.QueryXml;

namespace Emulator.Silo.Aws.Elbv2;

/// <summary>
/// Elastic Load Balancing v2 tags (AddTags, RemoveTags, DescribeTags) on the resources that exist here, kept by ARN in the
/// tag registry: target groups, load balancers, listeners and rules (created with their Create* tags). At most 50 tags per resource; keys may not
/// start with aws:.
/// </summary>
public static class Elbv2TagOperations
{
    [AwsOperation(AwsServices.Elbv2, "AddTags")]
    public static async Task<XElement> AddTags(QueryInput input, AwsContext context)
    {
        var arns = input.Strings("ResourceArns");
        var tags = Tags(input);
        if (arns.IsEmpty)
        {
            throw Missing("resourceArns");
        }

        if (tags.IsEmpty)
        {
            throw Missing("tags");
        }

        foreach (var arn in arns)
        {
            await Exists(context, arn);
        }

        foreach (var arn in arns)
        {
            var merged = (await Registry(context).Get(arn)).SetItems(tags);
            if (merged.Count > 50)
            {
                throw new EcsException("TooManyTags", $"The quota for the number of tags that can be assigned to a load balancing resource has been reached: {arn}");
            }

            await Registry(context).Replace(arn, merged);
        }

        return E("AddTagsResult");
    }

    [AwsOperation(AwsServices.Elbv2, "RemoveTags")]
    public static async Task<XElement> RemoveTags(QueryInput input, AwsContext context)
    {
        var arns = input.Strings("ResourceArns");
        var keys = input.Strings("TagKeys");
        if (arns.IsEmpty)
        {
            throw Missing("resourceArns");
        }

        if (keys.IsEmpty)
        {
            throw Missing("tagKeys");
        }

        foreach (var arn in arns)
        {
            await Exists(context, arn);
        }

        foreach (var arn in arns)
        {
            await Registry(context).Replace(arn, (await Registry(context).Get(arn)).RemoveRange(keys));
        }

        return E("RemoveTagsResult");
    }

    [AwsOperation(AwsServices.Elbv2, "DescribeTags")]
    public static async Task<XElement> DescribeTags(QueryInput input, AwsContext context)
    {
        var arns = input.Strings("ResourceArns");
        if (arns.IsEmpty)
        {
            throw Missing("resourceArns");
        }

        if (arns.Length > 20)
        {
            throw QueryInput.Validation("1 validation error detected: Value at 'resourceArns' failed to satisfy constraint: Member must have length less than or equal to 20");
        }

        var rows = new List<XElement>();
        foreach (var arn in arns)
        {
            await Exists(context, arn);
            var tags = await Registry(context).Get(arn);
            rows.Add(E("member", V("ResourceArn", arn),
                Members("Tags", tags.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => E("member", V("Key", t.Key), V("Value", t.Value))))));
        }

        return E("DescribeTagsResult", Members("TagDescriptions", rows));
    }

    /// <summary>A CreateX request's Tags.member.N, validated.</summary>
    public static ImmutableDictionary<string, string> Tags(QueryInput input)
    {
        var b = ImmutableDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        foreach (var t in input.Members("Tags"))
        {
            var key = t.RequiredString("Key");
            if (key.StartsWith("aws:", StringComparison.OrdinalIgnoreCase) || key.Length > 128 || (t.String("Value") ?? "").Length > 256)
            {
                throw QueryInput.Validation($"Invalid tag '{key}': keys are 1 to 128 characters not starting with 'aws:', values at most 256.");
            }

            b[key] = t.String("Value") ?? "";
        }

        return b.Count > 50 ? throw new EcsException("TooManyTags", "A load balancing resource can have at most 50 tags.") : b.ToImmutable();
    }

    /// <summary>Records a new resource's tags (they replace what a deleted resource of the same ARN had).</summary>
    public static Task Created(AwsContext context, string arn, ImmutableDictionary<string, string> tags) => Registry(context).Replace(arn, tags);

    public static Task Deleted(AwsContext context, string arn) => Registry(context).Forget(arn);

    private static async Task Exists(AwsContext context, string arn)
    {
        if (arn.Contains(":targetgroup/", StringComparison.Ordinal))
        {
            var info = await context.Grains.GetGrain<ITargetGroupGrain>(TargetGroupArns.Name(arn)).Describe();
            if (info is not null && info.Arn == arn)
            {
                return;
            }

            throw new EcsException(TargetGroupGrain.NotFoundCode, TargetGroupGrain.NotFoundMessage);
        }

        // Load balancers, listeners and rules (B-ELB-1): the load balancer of the ARN, then the listener or rule in it.
        var lb = LoadBalancerArns.Name(arn) is { } name ? await context.Grains.GetGrain<ILoadBalancerGrain>(name).Describe() : null;
        var sameLb = lb is not null && LoadBalancerArns.Id(lb.Arn) == LoadBalancerArns.Id(arn);
        if (arn.Contains(":loadbalancer/", StringComparison.Ordinal))
        {
            if (!sameLb || lb!.Arn != arn)
            {
                throw new EcsException("LoadBalancerNotFound", $"Load balancer '{arn}' not found");
            }
        }
        else if (arn.Contains(":listener-rule/", StringComparison.Ordinal))
        {
            if (!sameLb || !(lb!.Rules.Any(r => r.Arn == arn) || lb.Listeners.Any(l => l.DefaultRuleArn == arn)))
            {
                throw new EcsException("RuleNotFound", "One or more rules not found");
            }
        }
        else if (arn.Contains(":listener/", StringComparison.Ordinal))
        {
            if (!sameLb || !lb!.Listeners.Any(l => l.Arn == arn))
            {
                throw new EcsException("ListenerNotFound", "One or more listeners not found");
            }
        }
        else
        {
            throw QueryInput.Validation($"'{arn}' is not a valid Elastic Load Balancing resource ARN");
        }
    }

    private static ITagRegistryGrain Registry(AwsContext context) => context.Grains.GetGrain<ITagRegistryGrain>("tags");

    private static EcsException Missing(string member) =>
        QueryInput.Validation($"1 validation error detected: Value null at '{member}' failed to satisfy constraint: Member must not be null");
}
