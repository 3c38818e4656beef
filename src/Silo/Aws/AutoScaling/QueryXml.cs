using System.Globalization;
using System.Xml.Linq;

namespace Emulator.Silo.Aws;

/// <summary>
/// Building query protocol XML (B-W-3): elements without a namespace (the endpoint adds the service's), absent
/// members left out, lists as <c>member</c> (Auto Scaling, CloudWatch) or <c>item</c> (EC2) children, timestamps
/// ISO 8601 in UTC.
/// </summary>
public static class QueryXml
{
    public static XElement E(string name, params object?[] content) => new(name, content.Where(c => c is not null));

    /// <summary>The element name that marks an operation without output (the endpoint then sends only ResponseMetadata).</summary>
    public const string NoOutputName = "EmulatorNoOutput";

    /// <summary>
    /// The result of an operation whose model declares no output (CreateLaunchConfiguration, SetDesiredCapacity, ...):
    /// AWS answers <c>&lt;OpResponse&gt;&lt;ResponseMetadata/&gt;&lt;/OpResponse&gt;</c> without an <c>OpResult</c>.
    /// </summary>
    public static XElement NoOutput() => new(NoOutputName);

    /// <summary>A leaf, or null (left out) when the value is null.</summary>
    public static XElement? V(string name, object? value) => value switch
    {
        null => null,
        bool b => new XElement(name, b ? "true" : "false"),
        DateTimeOffset t => new XElement(name, Time(t)),
        double d => new XElement(name, d.ToString("R", CultureInfo.InvariantCulture)),
        IFormattable f => new XElement(name, f.ToString(null, CultureInfo.InvariantCulture)),
        _ => new XElement(name, value.ToString()),
    };

    public static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>A list of structures or leaves as <c>member</c> children.</summary>
    public static XElement Members(string name, IEnumerable<object?> items) => List(name, "member", items);

    /// <summary>An EC2 list (<c>item</c> children).</summary>
    public static XElement Items(string name, IEnumerable<object?> items) => List(name, "item", items);

    /// <summary>A list of strings as <c>member</c> children.</summary>
    public static XElement MemberStrings(string name, IEnumerable<string> items) => new(name, items.Select(s => new XElement("member", s)));

    /// <summary>
    /// MaxRecords / MaxResults + NextToken pagination over a stable ordering, with the sizes of <see cref="PageSizes"/>; bad
    /// sizes and tokens get the service's own codes (ValidationError / InvalidNextToken, EC2's InvalidParameterValue /
    /// InvalidPaginationToken).
    /// </summary>
    public static (IReadOnlyList<T> Page, string? NextToken) Page<T>(IReadOnlyList<T> items, QueryInput input, PageSpec spec, Func<T, string>? key = null) =>
        Paging.Page(items, spec, input.String(spec.TokenMember), input.Int(spec.SizeMember), key);

    private static XElement List(string name, string itemName, IEnumerable<object?> items) =>
        new(name, items.Where(i => i is not null).Select(i => i is XElement e && e.Name.LocalName == itemName ? e : new XElement(itemName, i is XElement x ? x.Nodes() : i)));

    private static string Lower(string s) => s.Length == 0 ? s : char.ToLowerInvariant(s[0]) + s[1..];
}
