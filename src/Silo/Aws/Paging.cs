using System.Globalization;
using System.Text;
using Emulator.Contracts;

namespace Emulator.Silo.Aws;

/// <summary>How a service reports a bad page size or a bad token (codes differ between ECS, Auto Scaling, EC2, CloudWatch).</summary>
public enum PagingErrors
{
    /// <summary>ECS (JSON 1.1): InvalidParameterException for both.</summary>
    Ecs,

    /// <summary>Auto Scaling and CloudWatch (query, modelled ranges): ValidationError for the size, InvalidNextToken for the token.</summary>
    Query,

    /// <summary>EC2: InvalidParameterValue for the size, InvalidPaginationToken for the token.</summary>
    Ec2,

    /// <summary>IAM (query, MaxItems / Marker): ValidationError for both.</summary>
    Iam,

    /// <summary>Application Auto Scaling (JSON 1.1): ValidationException for the size, InvalidNextTokenException for the token.</summary>
    AppAutoScaling,
}

/// <summary>
/// One paginated operation: its page size when the caller gives none (null = every result, unpaginated, as EC2 does
/// without MaxResults), the accepted range of the size member, and the members' names.
/// </summary>
public sealed record PageSpec(string Service, string Operation, int? DefaultSize, int MinSize, int MaxSize,
    string SizeMember, string TokenMember, PagingErrors Errors)
{
    /// <summary>True when the size cannot be chosen by the caller (CloudWatch ListMetrics: 500 per page).</summary>
    public bool FixedSize => MinSize == MaxSize && DefaultSize == MaxSize;
}

/// <summary>
/// The one table of page sizes (B-W-4), from the AWS API references and the botocore models shipped with the CLI.
/// Every paginated handler takes its spec from here.
/// </summary>
public static class PageSizes
{
    // ECS: maxResults 1..100, default 100, except ListServices (default 10) and DescribeCapacityProviders (1..10, default 10).
    public static readonly PageSpec EcsListClusters = Ecs("ListClusters", 100, 100);
    public static readonly PageSpec EcsListServices = Ecs("ListServices", 10, 100);
    public static readonly PageSpec EcsListTasks = Ecs("ListTasks", 100, 100);
    public static readonly PageSpec EcsListContainerInstances = Ecs("ListContainerInstances", 100, 100);
    public static readonly PageSpec EcsListTaskDefinitions = Ecs("ListTaskDefinitions", 100, 100);
    public static readonly PageSpec EcsListTaskDefinitionFamilies = Ecs("ListTaskDefinitionFamilies", 100, 100);
    public static readonly PageSpec EcsListAttributes = Ecs("ListAttributes", 100, 100);
    public static readonly PageSpec EcsDescribeCapacityProviders = Ecs("DescribeCapacityProviders", 10, 10);

    // ListServiceDeployments (B-DP-5): maxResults 1..100, default 20.
    public static readonly PageSpec EcsListServiceDeployments = Ecs("ListServiceDeployments", 20, 100);

    // EC2 Auto Scaling: MaxRecords default 50 max 100; DescribeAutoScalingInstances max 50; DescribeScalingActivities default 100.
    public static readonly PageSpec AsgDescribeAutoScalingGroups = Asg("DescribeAutoScalingGroups", 50, 100);
    public static readonly PageSpec AsgDescribeAutoScalingInstances = Asg("DescribeAutoScalingInstances", 50, 50);
    public static readonly PageSpec AsgDescribeLaunchConfigurations = Asg("DescribeLaunchConfigurations", 50, 100);
    public static readonly PageSpec AsgDescribeScalingActivities = Asg("DescribeScalingActivities", 100, 100);
    public static readonly PageSpec AsgDescribePolicies = Asg("DescribePolicies", 50, 100);
    public static readonly PageSpec AsgDescribeTags = Asg("DescribeTags", 50, 100);

    // EC2: without MaxResults every result comes back; DescribeInstances MaxResults 5..1000, DescribeLaunchTemplates 1..200.
    public static readonly PageSpec Ec2DescribeInstances = new(AwsServices.Ec2, "DescribeInstances", null, 5, 1000, "MaxResults", "NextToken", PagingErrors.Ec2);
    public static readonly PageSpec Ec2DescribeLaunchTemplates = new(AwsServices.Ec2, "DescribeLaunchTemplates", null, 1, 200, "MaxResults", "NextToken", PagingErrors.Ec2);

    public static readonly PageSpec Ec2DescribeLaunchTemplateVersions = new(AwsServices.Ec2, "DescribeLaunchTemplateVersions", null, 1, 200, "MaxResults", "NextToken", PagingErrors.Ec2);
    public static readonly PageSpec Ec2DescribeSecurityGroupRules = new(AwsServices.Ec2, "DescribeSecurityGroupRules", null, 5, 1000, "MaxResults", "NextToken", PagingErrors.Ec2);
    public static readonly PageSpec Ec2DescribeVpcs = new(AwsServices.Ec2, "DescribeVpcs", null, 5, 1000, "MaxResults", "NextToken", PagingErrors.Ec2);
    public static readonly PageSpec Ec2DescribeSubnets = new(AwsServices.Ec2, "DescribeSubnets", null, 5, 1000, "MaxResults", "NextToken", PagingErrors.Ec2);
    public static readonly PageSpec Ec2DescribeSecurityGroups = new(AwsServices.Ec2, "DescribeSecurityGroups", null, 5, 1000, "MaxResults", "NextToken", PagingErrors.Ec2);
    public static readonly PageSpec Ec2DescribeRouteTables = new(AwsServices.Ec2, "DescribeRouteTables", null, 5, 100, "MaxResults", "NextToken", PagingErrors.Ec2);
    public static readonly PageSpec Ec2DescribeNetworkAcls = new(AwsServices.Ec2, "DescribeNetworkAcls", null, 5, 1000, "MaxResults", "NextToken", PagingErrors.Ec2);
    public static readonly PageSpec Ec2DescribeNetworkInterfaces = new(AwsServices.Ec2, "DescribeNetworkInterfaces", null, 5, 1000, "MaxResults", "NextToken", PagingErrors.Ec2);
    public static readonly PageSpec Ec2DescribeTags = new(AwsServices.Ec2, "DescribeTags", null, 5, 1000, "MaxResults", "NextToken", PagingErrors.Ec2);

    // DescribeSpotPriceHistory: MaxResults 1..1000, default 1000.
    public static readonly PageSpec Ec2DescribeSpotPriceHistory = new(AwsServices.Ec2, "DescribeSpotPriceHistory", 1000, 1, 1000, "MaxResults", "NextToken", PagingErrors.Ec2);

    // CloudWatch: ListMetrics has a fixed page of 500; DescribeAlarms MaxRecords 1..100 (default 50); GetMetricData pages
    // data points with MaxDatapoints (default 100,800).
    public static readonly PageSpec CwListMetrics = new(AwsServices.CloudWatch, "ListMetrics", 500, 500, 500, "", "NextToken", PagingErrors.Query);
    public static readonly PageSpec CwDescribeAlarms = new(AwsServices.CloudWatch, "DescribeAlarms", 50, 1, 100, "MaxRecords", "NextToken", PagingErrors.Query);
    public static readonly PageSpec CwGetMetricData = new(AwsServices.CloudWatch, "GetMetricData", 100_800, 1, int.MaxValue, "MaxDatapoints", "NextToken", PagingErrors.Query);

    // Elastic Load Balancing v2: PageSize 1..400 with Marker / NextMarker.
    public static readonly PageSpec Elbv2DescribeTargetGroups = new(AwsServices.Elbv2, "DescribeTargetGroups", 400, 1, 400, "PageSize", "Marker", PagingErrors.Query);
    public static readonly PageSpec Elbv2DescribeLoadBalancers = new(AwsServices.Elbv2, "DescribeLoadBalancers", 400, 1, 400, "PageSize", "Marker", PagingErrors.Query);
    public static readonly PageSpec Elbv2DescribeListeners = new(AwsServices.Elbv2, "DescribeListeners", 400, 1, 400, "PageSize", "Marker", PagingErrors.Query);
    public static readonly PageSpec Elbv2DescribeRules = new(AwsServices.Elbv2, "DescribeRules", 400, 1, 400, "PageSize", "Marker", PagingErrors.Query);

    // CloudFormation: fixed pages with NextToken (DescribeStackEvents and ListStacks 100, ListStackResources 100,
    // DescribeStacks 100, ListExports 100, ListChangeSets 100).
    public static readonly PageSpec CfnDescribeStacks = Cfn("DescribeStacks");
    public static readonly PageSpec CfnDescribeStackEvents = Cfn("DescribeStackEvents");
    public static readonly PageSpec CfnListStacks = Cfn("ListStacks");
    public static readonly PageSpec CfnListStackResources = Cfn("ListStackResources");
    public static readonly PageSpec CfnListExports = Cfn("ListExports");
    public static readonly PageSpec CfnListChangeSets = Cfn("ListChangeSets");

    // IAM: MaxItems 1..1000 (default 100) with Marker; IsTruncated tells whether more follow.
    public static readonly PageSpec IamListRoles = Iam("ListRoles");
    public static readonly PageSpec IamListRolePolicies = Iam("ListRolePolicies");
    public static readonly PageSpec IamListAttachedRolePolicies = Iam("ListAttachedRolePolicies");
    public static readonly PageSpec IamListInstanceProfiles = Iam("ListInstanceProfiles");
    public static readonly PageSpec IamListInstanceProfilesForRole = Iam("ListInstanceProfilesForRole");
    public static readonly PageSpec IamListPolicies = Iam("ListPolicies");
    public static readonly PageSpec IamListPolicyVersions = Iam("ListPolicyVersions");
    public static readonly PageSpec IamListEntitiesForPolicy = Iam("ListEntitiesForPolicy");
    public static readonly PageSpec IamListRoleTags = Iam("ListRoleTags");

    // CloudWatch Logs: limit 1..50 (default 50) with nextToken; bad values are InvalidParameterException.
    public static readonly PageSpec LogsDescribeLogGroups = new(AwsServices.Logs, "DescribeLogGroups", 50, 1, 50, "limit", "nextToken", PagingErrors.Ecs);

    // Application Auto Scaling: MaxResults 1..50, default 50; DescribeScalingPolicies 1..10, default 10.
    public static readonly PageSpec AasDescribeScalableTargets = Aas("DescribeScalableTargets");
    public static readonly PageSpec AasDescribeScalingPolicies = Aas("DescribeScalingPolicies", 10);
    public static readonly PageSpec AasDescribeScheduledActions = Aas("DescribeScheduledActions");
    public static readonly PageSpec AasDescribeScalingActivities = Aas("DescribeScalingActivities");

    // CloudWatch DescribeAlarmHistory: MaxRecords 1..100 (default 100).
    public static readonly PageSpec CwDescribeAlarmHistory = new(AwsServices.CloudWatch, "DescribeAlarmHistory", 100, 1, 100, "MaxRecords", "NextToken", PagingErrors.Query);

    public static IReadOnlyList<PageSpec> All { get; } =
    [
        EcsListClusters, EcsListServices, EcsListTasks, EcsListContainerInstances, EcsListTaskDefinitions, EcsListTaskDefinitionFamilies,
        EcsListAttributes, EcsDescribeCapacityProviders, EcsListServiceDeployments,
        AsgDescribeAutoScalingGroups, AsgDescribeAutoScalingInstances, AsgDescribeLaunchConfigurations, AsgDescribeScalingActivities,
        AsgDescribePolicies, AsgDescribeTags,
        Ec2DescribeInstances, Ec2DescribeLaunchTemplates, Ec2DescribeSpotPriceHistory,
        Ec2DescribeLaunchTemplateVersions, Ec2DescribeSecurityGroupRules, Ec2DescribeTags, Ec2DescribeNetworkInterfaces,
        Ec2DescribeVpcs, Ec2DescribeSubnets, Ec2DescribeSecurityGroups, Ec2DescribeRouteTables, Ec2DescribeNetworkAcls,
        CwListMetrics, CwDescribeAlarms, CwGetMetricData,
        Elbv2DescribeTargetGroups, Elbv2DescribeLoadBalancers, Elbv2DescribeListeners, Elbv2DescribeRules,
        CfnDescribeStacks, CfnDescribeStackEvents, CfnListStacks, CfnListStackResources, CfnListExports, CfnListChangeSets,
        IamListRoles, IamListRolePolicies, IamListAttachedRolePolicies, IamListInstanceProfiles, IamListInstanceProfilesForRole,
        IamListPolicies, IamListPolicyVersions, IamListEntitiesForPolicy, IamListRoleTags,
        LogsDescribeLogGroups,
        AasDescribeScalableTargets, AasDescribeScalingPolicies, AasDescribeScheduledActions, AasDescribeScalingActivities,
        CwDescribeAlarmHistory,
    ];

    private static PageSpec Cfn(string operation) => new(AwsServices.CloudFormation, operation, 100, 100, 100, "", "NextToken", PagingErrors.Query);

    private static PageSpec Aas(string operation, int size = 50) =>
        new(AwsServices.ApplicationAutoScaling, operation, size, 1, size, "MaxResults", "NextToken", PagingErrors.AppAutoScaling);

    private static PageSpec Ecs(string operation, int defaultSize, int maxSize) =>
        new(AwsServices.Ecs, operation, defaultSize, 1, maxSize, "maxResults", "nextToken", PagingErrors.Ecs);

    private static PageSpec Iam(string operation) => new(AwsServices.Iam, operation, 100, 1, 1000, "MaxItems", "Marker", PagingErrors.Iam);

    private static PageSpec Asg(string operation, int defaultSize, int maxSize) =>
        new(AwsServices.AutoScaling, operation, defaultSize, 1, maxSize, "MaxRecords", "NextToken", PagingErrors.Query);
}

/// <summary>
/// nextToken / maxResults pagination (B-W-4). A token is opaque to the caller; it names the operation it came from (a
/// token of another operation is rejected, as AWS does) and the key of the last item returned, so the next page starts
/// right after that item even when items were added or removed before it: no item is lost or repeated while the list
/// is stable, and a removed anchor falls back to the position it had.
/// </summary>
public static class Paging
{
    public static (IReadOnlyList<T> Page, string? NextToken) Page<T>(IReadOnlyList<T> items, PageSpec spec, string? token, int? size, Func<T, string>? key = null)
    {
        CheckSize(spec, size);
        var offset = 0;
        if (!string.IsNullOrEmpty(token))
        {
            var (anchor, position) = Decode(spec, token);
            offset = Resume(items, key, anchor, position);
        }

        var count = size ?? spec.DefaultSize ?? int.MaxValue;
        var page = items.Skip(offset).Take(count).ToList();
        var end = offset + page.Count;
        var next = end < items.Count && page.Count > 0 ? Encode(spec, key is null ? "" : key(page[^1]), end) : null;
        return (page, next);
    }

    /// <summary>The size member's range check, with the service's error code.</summary>
    public static void CheckSize(PageSpec spec, int? size)
    {
        if (size is not { } n || (n >= spec.MinSize && n <= spec.MaxSize))
        {
            return;
        }

        throw spec.Errors switch
        {
            PagingErrors.Ecs => ErrorCodes.Invalid($"{spec.SizeMember} must be between {spec.MinSize} and {spec.MaxSize}."),
            PagingErrors.Ec2 => new EcsException("InvalidParameterValue",
                string.Create(CultureInfo.InvariantCulture, $"Value ( {n} ) for parameter maxResults is invalid. Expecting a value between {spec.MinSize} and {spec.MaxSize}.")),
            PagingErrors.AppAutoScaling => new EcsException("ValidationException", string.Create(CultureInfo.InvariantCulture,
                $"1 validation error detected: Value '{n}' at 'maxResults' failed to satisfy constraint: Member must have value {(n < spec.MinSize ? "greater than or equal to " + spec.MinSize : "less than or equal to " + spec.MaxSize)}")),
            _ => QueryInput.Validation(string.Create(CultureInfo.InvariantCulture,
                $"1 validation error detected: Value '{n}' at '{char.ToLowerInvariant(spec.SizeMember[0])}{spec.SizeMember[1..]}' failed to satisfy constraint: Member must have value {(n < spec.MinSize ? "greater than or equal to " + spec.MinSize : "less than or equal to " + spec.MaxSize)}")),
        };
    }

    public static EcsException InvalidToken(PageSpec spec) => spec.Errors switch
    {
        PagingErrors.Ecs => ErrorCodes.Invalid($"The nextToken is not valid for {spec.Operation}: pass the nextToken of a previous {spec.Operation} response unchanged."),
        PagingErrors.Ec2 => new EcsException("InvalidPaginationToken", "The pagination token is not valid or has expired."),
        PagingErrors.Iam => QueryInput.Validation("Invalid Marker: pass the Marker of a previous response unchanged."),
        PagingErrors.AppAutoScaling => new EcsException("InvalidNextTokenException", "The NextToken is not valid."),
        _ => new EcsException("InvalidNextToken", "The token passed in NextToken is invalid."),
    };

    public static string Encode(PageSpec spec, string anchor, int position) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"v1|{spec.Service}:{spec.Operation}|{position}|{anchor}")));

    public static (string Anchor, int Position) Decode(PageSpec spec, string token)
    {
        try
        {
            var parts = Encoding.UTF8.GetString(Convert.FromBase64String(token)).Split('|', 4);
            if (parts.Length == 4 && parts[0] == "v1" && parts[1] == spec.Service + ":" + spec.Operation
                && int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var position))
            {
                return (parts[3], position);
            }
        }
        catch (FormatException)
        {
            // not base64: falls through to the error below
        }

        throw InvalidToken(spec);
    }

    private static int Resume<T>(IReadOnlyList<T> items, Func<T, string>? key, string anchor, int position)
    {
        if (key is not null && anchor.Length > 0)
        {
            for (var i = 0; i < items.Count; i++)
            {
                if (string.Equals(key(items[i]), anchor, StringComparison.Ordinal))
                {
                    return i + 1;
                }
            }
        }

        return Math.Min(position, items.Count);
    }
}
