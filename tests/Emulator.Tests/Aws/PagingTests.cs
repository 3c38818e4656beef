using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Emulator.Contracts;
using Emulator.Silo.Aws;

namespace Emulator.Tests.Aws;

/// <summary>
/// B-W-4 pagination: the one page-size table (<see cref="PageSizes"/>) checked against the AWS service models that ship
/// with the CLI, and every operation's default page, maximum page, rejected sizes, rejected tokens and token continuity.
/// </summary>
public sealed partial class PagingTests
{
    private const string Models = "/usr/lib/python3/dist-packages/awscli/botocore/data";

    public static TheoryData<string> Specs() => [.. PageSizes.All.Select(s => s.Service + ":" + s.Operation)];

    /// <summary>"service:Operation" (two services have a DescribeScalingActivities).</summary>
    private static PageSpec Spec(string key) => PageSizes.All.Single(s => s.Service + ":" + s.Operation == key);

    private static List<string> Items(int n) => [.. Enumerable.Range(0, n).Select(i => $"item-{i:D5}")];

    private static string ExpectedSizeError(PageSpec spec) => spec.Errors switch
    {
        PagingErrors.Ecs => ErrorCodes.InvalidParameter,
        PagingErrors.Ec2 => "InvalidParameterValue",
        PagingErrors.AppAutoScaling => "ValidationException",
        _ => ErrorCodes.ValidationError,
    };

    private static string ExpectedTokenError(PageSpec spec) => spec.Errors switch
    {
        PagingErrors.Ecs => ErrorCodes.InvalidParameter,
        PagingErrors.Ec2 => "InvalidPaginationToken",
        PagingErrors.Iam => ErrorCodes.ValidationError,
        PagingErrors.AppAutoScaling => "InvalidNextTokenException",
        _ => "InvalidNextToken",
    };

    [Fact]
    public void B_W_4_every_operation_is_in_the_table_once()
    {
        Assert.Equal(PageSizes.All.Count, PageSizes.All.Select(s => (s.Service, s.Operation)).Distinct().Count());
    }

    [Theory]
    [MemberData(nameof(Specs))]
    public void B_W_4_page_size_table_matches_the_aws_service_model(string key)
    {
        var spec = Spec(key);
        var operation = spec.Operation;
        var service = spec.Service switch
        {
            AwsServices.Ecs => "ecs", AwsServices.AutoScaling => "autoscaling", AwsServices.Ec2 => "ec2", AwsServices.Elbv2 => "elbv2",
            AwsServices.ApplicationAutoScaling => "application-autoscaling", AwsServices.Iam => "iam", AwsServices.Logs => "logs",
            AwsServices.CloudFormation => "cloudformation", _ => "cloudwatch",
        };
        var file = Directory.GetFiles(Path.Combine(Models, service), "service-2.json", SearchOption.AllDirectories).Order().Last();
        using var debian = JsonDocument.Parse(File.ReadAllText(file));

        // Operations newer than Debian's model (B-DP-5's ListServiceDeployments) are checked against the newest ECS model.
        var model = debian.RootElement.GetProperty("operations").TryGetProperty(operation, out _)
            ? debian.RootElement
            : Emulator.Tests.Wire.ServiceModelValidator.Model(Emulator.Tests.Wire.ServiceModelValidator.EcsNewest);
        var shapes = model.GetProperty("shapes");
        var input = shapes.GetProperty(model.GetProperty("operations").GetProperty(operation).GetProperty("input").GetProperty("shape").GetString()!);
        var members = input.GetProperty("members");
        Assert.True(members.TryGetProperty(spec.TokenMember, out _), $"{operation} has no {spec.TokenMember} in the model");
        if (spec.FixedSize)
        {
            // ListMetrics: no size member at all, the page is fixed (500 per the API reference).
            Assert.DoesNotContain(members.EnumerateObject(), m => m.Name.StartsWith("Max", StringComparison.Ordinal));
            return;
        }

        var member = members.GetProperty(spec.SizeMember);
        var doc = Regex.Replace(member.TryGetProperty("documentation", out var d) ? d.GetString()! : "", "<[^>]+>", "");
        var shape = shapes.GetProperty(member.GetProperty("shape").GetString()!);
        var between = Between().Match(doc);
        var defaultMax = DefaultMax().Match(doc);
        var returnsUpTo = ReturnsUpTo().Match(doc);
        if (between.Success)
        {
            Assert.Equal(int.Parse(between.Groups[1].Value, CultureInfo.InvariantCulture), spec.MinSize);
            Assert.Equal(int.Parse(between.Groups[2].Value, CultureInfo.InvariantCulture), spec.MaxSize);
        }
        else if (defaultMax.Success)
        {
            Assert.Equal(int.Parse(defaultMax.Groups[1].Value, CultureInfo.InvariantCulture), spec.DefaultSize);
            Assert.Equal(int.Parse(defaultMax.Groups[2].Value, CultureInfo.InvariantCulture), spec.MaxSize);
        }
        else if (shape.TryGetProperty("max", out var max))
        {
            Assert.Equal(max.GetInt32(), spec.MaxSize);
            Assert.Equal(shape.GetProperty("min").GetInt32(), spec.MinSize);
        }
        else
        {
            // GetMetricData: "If you omit this, the default of 100,800 is used."
            Assert.Contains(spec.DefaultSize!.Value.ToString("N0", CultureInfo.InvariantCulture), doc, StringComparison.Ordinal);
        }

        if (returnsUpTo.Success)
        {
            Assert.Equal(int.Parse(returnsUpTo.Groups[1].Value, CultureInfo.InvariantCulture), spec.DefaultSize);
        }
    }

    [Theory]
    [MemberData(nameof(Specs))]
    public void B_W_4_default_and_maximum_page(string operation)
    {
        var spec = Spec(operation);
        var biggest = spec.MaxSize == int.MaxValue ? spec.DefaultSize!.Value : spec.MaxSize;
        var items = Items(biggest + 7);
        var (page, next) = Paging.Page(items, spec, null, null, s => s);
        Assert.Equal(spec.DefaultSize ?? items.Count, page.Count);
        Assert.Equal(spec.DefaultSize is null || spec.DefaultSize >= items.Count ? null : "token", next is null ? null : "token");
        if (!spec.FixedSize)
        {
            Assert.Equal(biggest, Paging.Page(items, spec, null, biggest, s => s).Page.Count);
            Assert.Equal(ExpectedSizeError(spec), Assert.Throws<EcsException>(() => Paging.Page(items, spec, null, spec.MinSize - 1, s => s)).Code);
            if (spec.MaxSize < int.MaxValue)
            {
                Assert.Equal(ExpectedSizeError(spec), Assert.Throws<EcsException>(() => Paging.Page(items, spec, null, spec.MaxSize + 1, s => s)).Code);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Specs))]
    public void B_W_4_walking_the_tokens_returns_every_item_once(string operation)
    {
        var spec = Spec(operation);
        var size = spec.FixedSize ? spec.MaxSize : Math.Max(spec.MinSize, 7);
        var items = Items((size * 3) + 2);
        var seen = new List<string>();
        string? token = null;
        var pages = 0;
        do
        {
            var (page, next) = Paging.Page(items, spec, token, spec.FixedSize ? null : size, s => s);
            seen.AddRange(page);
            token = next;
            pages++;
        }
        while (token is not null && pages < 100);
        Assert.Equal(items, seen);
        Assert.Equal(4, pages);
    }

    [Theory]
    [MemberData(nameof(Specs))]
    public void B_W_4_items_added_or_removed_before_the_anchor_are_not_repeated_or_skipped(string operation)
    {
        var spec = Spec(operation);
        var size = spec.FixedSize ? spec.MaxSize : Math.Max(spec.MinSize, 7);
        var items = Items((size * 2) + 3);
        var (first, token) = Paging.Page(items, spec, null, spec.FixedSize ? null : size, s => s);
        var changed = items.Where(i => i != items[0]).Prepend("aaa-new").Prepend("aab-new").ToList();
        var (second, _) = Paging.Page(changed, spec, token, spec.FixedSize ? null : size, s => s);
        Assert.Equal(items[size], second[0]);
        Assert.Empty(first.Intersect(second));
    }

    [Theory]
    [MemberData(nameof(Specs))]
    public void B_W_4_bad_and_foreign_tokens_get_the_service_error(string operation)
    {
        var spec = Spec(operation);
        var items = Items(20);
        Assert.Equal(ExpectedTokenError(spec), Assert.Throws<EcsException>(() => Paging.Page(items, spec, "not a token!", null, s => s)).Code);
        Assert.Equal(ExpectedTokenError(spec), Assert.Throws<EcsException>(() => Paging.Page(items, spec, Convert.ToBase64String("offset:3"u8), null, s => s)).Code);
        var other = PageSizes.All.First(s => s.Service != spec.Service || s.Operation != spec.Operation);
        var foreign = Paging.Encode(other, "item-00003", 4);
        Assert.Equal(ExpectedTokenError(spec), Assert.Throws<EcsException>(() => Paging.Page(items, spec, foreign, null, s => s)).Code);
    }

    [GeneratedRegex(@"between (\d+) and (\d+)")]
    private static partial Regex Between();

    [GeneratedRegex(@"default value is (\d+) and the maximum value is (\d+)")]
    private static partial Regex DefaultMax();

    [GeneratedRegex(@"returns up to (\d+) results")]
    private static partial Regex ReturnsUpTo();
}
