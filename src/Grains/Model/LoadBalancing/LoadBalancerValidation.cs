using System.Collections.Immutable;
using System.Globalization;
using System.Text.RegularExpressions;
using Emulator.Contracts;

namespace Emulator.Model.LoadBalancing;

/// <summary>An Elastic Load Balancing error: the code the query protocol sends (<c>PriorityInUse</c>, ...) and the message.</summary>
public sealed record ElbError(string Code, string Message);

/// <summary>The ELB v2 error codes the load balancer model uses (the service model's error shapes, B-ELB-1).</summary>
public static class ElbErrorCodes
{
    public const string Validation = "ValidationError";
    public const string LoadBalancerNotFound = "LoadBalancerNotFound";
    public const string ListenerNotFound = "ListenerNotFound";
    public const string RuleNotFound = "RuleNotFound";
    public const string TargetGroupNotFound = "TargetGroupNotFound";
    public const string DuplicateLoadBalancerName = "DuplicateLoadBalancerName";
    public const string DuplicateListener = "DuplicateListener";
    public const string PriorityInUse = "PriorityInUse";
    public const string TooManyRules = "TooManyRules";
    public const string TooManyListeners = "TooManyListeners";
    public const string TooManyActions = "TooManyActions";
    public const string InvalidConfigurationRequest = "InvalidConfigurationRequest";
    public const string IncompatibleProtocols = "IncompatibleProtocols";
    public const string TargetGroupAssociationLimit = "TargetGroupAssociationLimit";
    public const string OperationNotPermitted = "OperationNotPermitted";
    public const string ResourceInUse = "ResourceInUse";
    public const string InvalidLoadBalancerAction = "InvalidLoadBalancerAction";
    public const string CertificateNotFound = "CertificateNotFound";
}

/// <summary>
/// Validation of Application Load Balancers, listeners, rules, actions and conditions with ELB's limits and wording
/// (B-ELB-1). Each check returns the first problem or null; the grain turns it into the AWS error and changes nothing.
/// Limits: 50 listeners per load balancer, 100 rules per listener, priorities 1..50000, 5 actions per rule, a forward
/// action with at most 5 target groups weighted 0..999, 5 condition values per rule, a target group in one load
/// balancer only, in the load balancer's VPC, with an HTTP or HTTPS protocol.
/// </summary>
public static partial class LoadBalancerValidation
{
    public const int MaxListeners = 50;
    public const int MaxRulesPerListener = 100;
    public const int MaxPriority = 50_000;
    public const int MaxActions = 5;
    public const int MaxForwardTargetGroups = 5;
    public const int MaxWeight = 999;
    public const int MaxConditionValues = 5;

    public static readonly string[] ListenerProtocols = ["HTTP", "HTTPS"];

    public static readonly string[] ConditionFields = ["http-header", "http-request-method", "host-header", "path-pattern", "query-string", "source-ip"];

    public static readonly string[] ActionTypes = [ListenerAction.ForwardType, ListenerAction.FixedResponseType, ListenerAction.RedirectType];

    public static readonly string[] FixedResponseContentTypes = ["text/plain", "text/css", "text/html", "application/javascript", "application/json"];

    public static ElbError? LoadBalancer(LoadBalancerSpec spec)
    {
        if (spec.Name.Length is < 1 or > 32 || !NamePattern().IsMatch(spec.Name) || spec.Name.StartsWith("internal-", StringComparison.Ordinal))
        {
            return Invalid($"Load balancer name '{spec.Name}' can have a maximum of 32 characters, can contain only alphanumeric characters or hyphens, cannot begin or end with a hyphen and cannot begin with 'internal-'");
        }

        if (spec.Type != "application")
        {
            return spec.Type is "network" or "gateway"
                ? Invalid($"The emulator models Application Load Balancers only; load balancer type '{spec.Type}' is not supported")
                : Enum(spec.Type, "type", ["application", "network", "gateway"]);
        }

        if (spec.Scheme is not ("internet-facing" or "internal"))
        {
            return Enum(spec.Scheme, "scheme", ["internet-facing", "internal"]);
        }

        if (spec.IpAddressType is not ("ipv4" or "dualstack"))
        {
            return Enum(spec.IpAddressType, "ipAddressType", ["ipv4", "dualstack", "dualstack-without-public-ipv4"]);
        }

        if (spec.Subnets.Length != spec.Subnets.Select(s => s.AvailabilityZone).Distinct(StringComparer.Ordinal).Count())
        {
            return new ElbError(ElbErrorCodes.InvalidConfigurationRequest, "A load balancer cannot be attached to multiple subnets in the same Availability Zone");
        }

        if (spec.Subnets.Length < 2)
        {
            return Invalid("At least two subnets in two different Availability Zones must be specified");
        }

        return null;
    }

    /// <summary>A listener's port, protocol, certificates and default actions.</summary>
    public static ElbError? Listener(int port, string protocol, ImmutableArray<ListenerAction> defaultActions, ImmutableArray<string> certificateArns)
    {
        if (port is < 1 or > 65535)
        {
            return port < 1 ? Below(port, "port", 1) : Above(port, "port", 65535);
        }

        if (!ListenerProtocols.Contains(protocol))
        {
            return Invalid($"Listener protocol '{protocol}' must be one of '{string.Join(", ", ListenerProtocols.Reverse())}'");
        }

        if (protocol == "HTTPS" && (certificateArns.IsDefaultOrEmpty))
        {
            return new ElbError(ElbErrorCodes.CertificateNotFound, "A certificate must be specified for HTTPS listeners");
        }

        return Actions(defaultActions, "defaultActions");
    }

    /// <summary>Actions of a listener (member <c>defaultActions</c>) or a rule (<c>actions</c>).</summary>
    public static ElbError? Actions(ImmutableArray<ListenerAction> actions, string member)
    {
        if (actions.IsDefaultOrEmpty)
        {
            return Invalid($"1 validation error detected: Value null at '{member}' failed to satisfy constraint: Member must not be null");
        }

        if (actions.Length > MaxActions)
        {
            return new ElbError(ElbErrorCodes.TooManyActions, $"You cannot specify more than {MaxActions} actions");
        }

        for (var i = 0; i < actions.Length; i++)
        {
            var a = actions[i];
            var at = $"{member}.{i + 1}.member";
            if (!ActionTypes.Contains(a.Type))
            {
                return a.Type.StartsWith("authenticate-", StringComparison.Ordinal)
                    ? new ElbError(ElbErrorCodes.InvalidLoadBalancerAction, $"The emulator does not model '{a.Type}' actions")
                    : Enum(a.Type, at + ".type", ["forward", "authenticate-oidc", "authenticate-cognito", "redirect", "fixed-response"]);
            }

            if (a.Order is { } order && order is < 1 or > MaxPriority)
            {
                return order < 1 ? Below(order, at + ".order", 1) : Above(order, at + ".order", MaxPriority);
            }

            var error = a.Type switch
            {
                ListenerAction.ForwardType => Forward(a.Forward, at),
                ListenerAction.FixedResponseType => FixedResponse(a.FixedResponse, at),
                _ => Redirect(a.Redirect, at),
            };
            if (error is not null)
            {
                return error;
            }
        }

        if (actions.Where(a => a.Order is not null).GroupBy(a => a.Order).Any(g => g.Count() > 1))
        {
            return Invalid("Action order must be unique");
        }

        // Every action type modelled ends the request (authenticate-* actions, which may come first, are not modelled).
        if (actions.Length > 1)
        {
            return new ElbError(ElbErrorCodes.InvalidLoadBalancerAction, "A rule can have only one forward, redirect or fixed-response action, and it must be the last one");
        }

        return null;
    }

    private static ElbError? Forward(ForwardConfig? forward, string at)
    {
        if (forward is null || forward.TargetGroups.IsDefaultOrEmpty)
        {
            return Invalid($"A target group ARN must be specified for the forward action ({at})");
        }

        if (forward.TargetGroups.Length > MaxForwardTargetGroups)
        {
            return Invalid($"1 validation error detected: Value at '{at}.forwardConfig.targetGroups' failed to satisfy constraint: Member must have length less than or equal to {MaxForwardTargetGroups}");
        }

        for (var j = 0; j < forward.TargetGroups.Length; j++)
        {
            var w = forward.TargetGroups[j].Weight;
            var member = $"{at}.forwardConfig.targetGroups.{j + 1}.member.weight";
            if (w < 0)
            {
                return Below(w, member, 0);
            }

            if (w > MaxWeight)
            {
                return Above(w, member, MaxWeight);
            }
        }

        if (forward.TargetGroups.GroupBy(g => g.TargetGroupArn, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            return Invalid($"Target group '{twice.Key}' is specified more than once in the forward action");
        }

        if (forward.StickinessDurationSeconds is { } d && d is < 1 or > 604_800)
        {
            return d < 1 ? Below(d, at + ".forwardConfig.targetGroupStickinessConfig.durationSeconds", 1)
                : Above(d, at + ".forwardConfig.targetGroupStickinessConfig.durationSeconds", 604_800);
        }

        return null;
    }

    private static ElbError? FixedResponse(FixedResponseConfig? f, string at)
    {
        if (f is null)
        {
            return Invalid($"A fixed-response configuration must be specified for the fixed-response action ({at})");
        }

        if (!StatusCodePattern().IsMatch(f.StatusCode))
        {
            return Invalid($"1 validation error detected: Value '{f.StatusCode}' at '{at}.fixedResponseConfig.statusCode' failed to satisfy constraint: Member must satisfy regular expression pattern: ^(2|4|5)\\d\\d$");
        }

        if (f.ContentType is { } type && !FixedResponseContentTypes.Contains(type))
        {
            return Invalid($"Content type '{type}' must be one of '{string.Join(", ", FixedResponseContentTypes)}'");
        }

        if (f.MessageBody is { Length: > 1024 })
        {
            return Invalid($"1 validation error detected: Value at '{at}.fixedResponseConfig.messageBody' failed to satisfy constraint: Member must have length less than or equal to 1024");
        }

        return null;
    }

    private static ElbError? Redirect(RedirectConfig? r, string at)
    {
        if (r is null)
        {
            return Invalid($"A redirect configuration must be specified for the redirect action ({at})");
        }

        if (r.StatusCode is not ("HTTP_301" or "HTTP_302"))
        {
            return Enum(r.StatusCode, at + ".redirectConfig.statusCode", ["HTTP_301", "HTTP_302"]);
        }

        if (r.Protocol is not ("HTTP" or "HTTPS" or "#{protocol}"))
        {
            return Invalid($"Redirect protocol '{r.Protocol}' must be one of 'HTTP, HTTPS, #{{protocol}}'");
        }

        if (r is { Protocol: "#{protocol}", Port: "#{port}", Host: "#{host}", Path: "/#{path}", Query: "#{query}" })
        {
            return Invalid("The redirect must change at least one of protocol, port, host, path or query, or it would loop");
        }

        return null;
    }

    /// <summary>A rule's conditions: known fields, values present, at most 5 values over the rule, one of each but http-header and query-string.</summary>
    public static ElbError? Conditions(ImmutableArray<RuleCondition> conditions)
    {
        if (conditions.IsDefaultOrEmpty)
        {
            return Invalid("1 validation error detected: Value null at 'conditions' failed to satisfy constraint: Member must not be null");
        }

        var values = 0;
        foreach (var c in conditions)
        {
            if (!ConditionFields.Contains(c.Field))
            {
                return Invalid($"Condition field '{c.Field}' must be one of '[{string.Join(", ", ConditionFields)}]'");
            }

            var count = c.Field == "query-string" ? (c.QueryStrings.IsDefault ? 0 : c.QueryStrings.Length) : (c.Values.IsDefault ? 0 : c.Values.Length);
            if (count == 0)
            {
                return Invalid($"A '{c.Field}' condition must have at least one value");
            }

            if (c.Field == "http-header" && string.IsNullOrEmpty(c.HttpHeaderName))
            {
                return Invalid("An 'http-header' condition must specify an HTTP header name");
            }

            var texts = c.Field == "query-string" ? c.QueryStrings.SelectMany(q => new[] { q.Key ?? "", q.Value }) : c.Values;
            if (texts.FirstOrDefault(v => v.Length > 128) is { } tooLong)
            {
                return Invalid($"The value '{tooLong[..20]}...' of a '{c.Field}' condition is longer than 128 characters");
            }

            if (c.Field == "source-ip" && c.Values.FirstOrDefault(v => !RequestRouting.InCidr(v.Split('/')[0], v)) is { } badCidr)
            {
                return Invalid($"The source-ip value '{badCidr}' is not a valid CIDR block");
            }

            if (c.Field == "http-request-method" && c.Values.FirstOrDefault(v => !MethodPattern().IsMatch(v)) is { } badMethod)
            {
                return Invalid($"The HTTP request method '{badMethod}' can contain only uppercase letters, hyphens and underscores");
            }

            values += count;
        }

        foreach (var field in new[] { "host-header", "path-pattern", "http-request-method", "source-ip" })
        {
            if (conditions.Count(c => c.Field == field) > 1)
            {
                return Invalid($"A rule can only have one '{field}' condition");
            }
        }

        return values > MaxConditionValues
            ? Invalid($"A rule can only have '{MaxConditionValues}' condition values")
            : null;
    }

    public static ElbError? Priority(int priority) => priority switch
    {
        < 1 => Below(priority, "priority", 1),
        > MaxPriority => Above(priority, "priority", MaxPriority),
        _ => null,
    };

    /// <summary>
    /// The target groups a load balancer's actions forward to (B-ELB-1): they exist, are in the load balancer's VPC, speak
    /// HTTP or HTTPS, and are not used by another load balancer. <paramref name="lookup"/> answers by ARN (null: no such group).
    /// </summary>
    public static ElbError? TargetGroups(LoadBalancerSpec lb, string loadBalancerArn, IEnumerable<ListenerAction> actions, Func<string, TargetGroupSummary?> lookup)
    {
        foreach (var arn in ForwardedTargetGroups(actions))
        {
            if (lookup(arn) is not { } tg)
            {
                return new ElbError(ElbErrorCodes.TargetGroupNotFound, $"Target groups '{arn}' not found");
            }

            if (tg.Spec.TargetType == "lambda")
            {
                continue;
            }

            if (tg.Spec.TargetType == "alb")
            {
                return new ElbError(ElbErrorCodes.InvalidConfigurationRequest, $"Target group '{arn}' has target type 'alb', which an Application Load Balancer cannot forward to");
            }

            if (tg.Spec.VpcId != lb.VpcId)
            {
                return new ElbError(ElbErrorCodes.InvalidConfigurationRequest, $"The following target groups are in a different VPC than load balancer '{loadBalancerArn}': {arn}");
            }

            if (tg.Spec.Protocol is not ("HTTP" or "HTTPS"))
            {
                return new ElbError(ElbErrorCodes.IncompatibleProtocols, $"The listener and its associated target group '{arn}' have incompatible protocols: target group protocol '{tg.Spec.Protocol}' is not supported by Application Load Balancers");
            }

            if (!tg.LoadBalancerArns.IsDefaultOrEmpty && tg.LoadBalancerArns.Any(a => a != loadBalancerArn))
            {
                return new ElbError(ElbErrorCodes.TargetGroupAssociationLimit, $"The following target groups cannot be associated with more than one load balancer: {arn}");
            }
        }

        return null;
    }

    /// <summary>Every target group the actions forward to, in order, once each.</summary>
    public static IEnumerable<string> ForwardedTargetGroups(IEnumerable<ListenerAction> actions) =>
        actions.Where(a => a.Forward is not null).SelectMany(a => a.Forward!.TargetGroups).Select(g => g.TargetGroupArn).Distinct(StringComparer.Ordinal);

    private static ElbError Invalid(string message) => new(ElbErrorCodes.Validation, message);

    private static ElbError Enum(string value, string member, string[] allowed) =>
        Invalid($"1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: Member must satisfy enum value set: [{string.Join(", ", allowed)}]");

    private static ElbError Below(int value, string member, int min) =>
        Invalid(string.Create(CultureInfo.InvariantCulture, $"1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: Member must have value greater than or equal to {min}"));

    private static ElbError Above(int value, string member, int max) =>
        Invalid(string.Create(CultureInfo.InvariantCulture, $"1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: Member must have value less than or equal to {max}"));

    [GeneratedRegex("^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$")]
    private static partial Regex NamePattern();

    [GeneratedRegex(@"^(2|4|5)\d\d$")]
    private static partial Regex StatusCodePattern();

    [GeneratedRegex("^[A-Z_-]+$")]
    private static partial Regex MethodPattern();
}
