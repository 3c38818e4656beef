using System.Collections.Immutable;
using System.Xml.Linq;
using Emulator.Contracts;
using Emulator.Model.LoadBalancing;
using static Emulator.Silo.Aws.QueryXml;

namespace Emulator.Silo.Aws.Elbv2;

/// <summary>
/// Elastic Load Balancing v2 Application Load Balancers over the query protocol (B-ELB-1): create, describe (with
/// paging), delete, attributes and security groups. Each load balancer is an <see cref="ILoadBalancerGrain"/> keyed by
/// name; the ARN's id must match (a load balancer deleted and created again under the same name is another one).
/// Known gaps: Network and Gateway Load Balancers, SetSubnets, SetIpAddressType, listener certificates.
/// </summary>
public static class Elbv2LoadBalancerOperations
{
    [AwsOperation(AwsServices.Elbv2, "CreateLoadBalancer")]
    public static async Task<XElement> CreateLoadBalancer(QueryInput input, AwsContext context)
    {
        var name = input.RequiredString("Name");
        var (vpcId, subnets) = await Elbv2Inputs.Placement(input, context);
        var securityGroups = input.Strings("SecurityGroups");
        var tags = Elbv2Inputs.Tags(input);
        var spec = new LoadBalancerSpec(name, input.String("Type") ?? "application", input.String("Scheme") ?? "internet-facing",
            input.String("IpAddressType") ?? "ipv4", vpcId, subnets, securityGroups.IsEmpty ? [Elbv2Inputs.DefaultSecurityGroup] : securityGroups);
        var info = await Grain(context, name).Create(spec);
        if (!tags.IsEmpty)
        {
            await context.Grains.GetGrain<ITagRegistryGrain>(GrainKeys.Tags).Tag(info.Arn, tags);
        }

        return E("CreateLoadBalancerResult", Members("LoadBalancers", [Elbv2LoadBalancerShapes.LoadBalancer(info)]));
    }

    [AwsOperation(AwsServices.Elbv2, "DescribeLoadBalancers")]
    public static async Task<XElement> DescribeLoadBalancers(QueryInput input, AwsContext context)
    {
        var arns = input.Strings("LoadBalancerArns");
        var names = input.Strings("Names");
        var found = new List<LoadBalancerInfo>();
        if (!arns.IsEmpty || !names.IsEmpty)
        {
            foreach (var arn in arns)
            {
                found.Add(await Existing(context, arn));
            }

            foreach (var name in names)
            {
                found.Add(await Grain(context, name).Describe() ?? throw NotFound());
            }
        }
        else
        {
            foreach (var name in await context.Grains.GetGrain<IAccountGrain>(GrainKeys.Account).List(ResourceKind.LoadBalancer))
            {
                if (await Grain(context, name).Describe() is { } lb)
                {
                    found.Add(lb);
                }
            }
        }

        var (page, next) = Page(found.DistinctBy(l => l.Arn).ToList(), input, PageSizes.Elbv2DescribeLoadBalancers, l => l.Spec.Name);
        return E("DescribeLoadBalancersResult", Members("LoadBalancers", page.Select(Elbv2LoadBalancerShapes.LoadBalancer)), V("NextMarker", next));
    }

    [AwsOperation(AwsServices.Elbv2, "DeleteLoadBalancer")]
    public static async Task<XElement> DeleteLoadBalancer(QueryInput input, AwsContext context)
    {
        var arn = input.RequiredString("LoadBalancerArn");
        if (LoadBalancerArns.Name(arn) is { } name && await Grain(context, name).Describe() is { } lb && lb.Arn == arn)
        {
            await Grain(context, name).Delete();
        }

        return E("DeleteLoadBalancerResult");
    }

    [AwsOperation(AwsServices.Elbv2, "DescribeLoadBalancerAttributes")]
    public static async Task<XElement> DescribeLoadBalancerAttributes(QueryInput input, AwsContext context)
    {
        var lb = await Existing(context, input.RequiredString("LoadBalancerArn"));
        return E("DescribeLoadBalancerAttributesResult", Elbv2LoadBalancerShapes.Attributes(lb.Attributes));
    }

    [AwsOperation(AwsServices.Elbv2, "ModifyLoadBalancerAttributes")]
    public static async Task<XElement> ModifyLoadBalancerAttributes(QueryInput input, AwsContext context)
    {
        var lb = await Existing(context, input.RequiredString("LoadBalancerArn"));
        var changes = input.Members("Attributes").Select(a => (Key: a.RequiredString("Key"), Value: a.String("Value") ?? "")).ToList();
        if (changes.Count == 0)
        {
            throw QueryInput.Validation("1 validation error detected: Value null at 'attributes' failed to satisfy constraint: Member must not be null");
        }

        var attributes = await Grain(context, lb.Spec.Name).ModifyAttributes(changes.ToImmutableDictionary(c => c.Key, c => c.Value, StringComparer.Ordinal));
        return E("ModifyLoadBalancerAttributesResult", Elbv2LoadBalancerShapes.Attributes(attributes));
    }

    [AwsOperation(AwsServices.Elbv2, "SetSecurityGroups")]
    public static async Task<XElement> SetSecurityGroups(QueryInput input, AwsContext context)
    {
        var lb = await Existing(context, input.RequiredString("LoadBalancerArn"));
        var groups = input.Strings("SecurityGroups");
        var updated = await Grain(context, lb.Spec.Name).SetSecurityGroups(groups.IsEmpty ? [Elbv2Inputs.DefaultSecurityGroup] : groups);
        return E("SetSecurityGroupsResult", MemberStrings("SecurityGroupIds", updated.Spec.SecurityGroups));
    }

    public static ILoadBalancerGrain Grain(AwsContext context, string name) => context.Grains.GetGrain<ILoadBalancerGrain>(name);

    /// <summary>The load balancer an ARN (of it, or of one of its listeners or rules) names, when it exists with that id.</summary>
    public static async Task<LoadBalancerInfo?> Find(AwsContext context, string arn) =>
        LoadBalancerArns.Name(arn) is { } name && await Grain(context, name).Describe() is { } lb && LoadBalancerArns.Id(lb.Arn) == LoadBalancerArns.Id(arn)
            ? lb
            : null;

    public static async Task<LoadBalancerInfo> Existing(AwsContext context, string arn) => await Find(context, arn) ?? throw NotFound();

    public static EcsException NotFound() => new(ElbErrorCodes.LoadBalancerNotFound, "One or more load balancers not found");
}
