using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Emulator.Contracts;

namespace Emulator.Model.Placement;

/// <summary>
/// The ECS cluster query language (B-PL-4) used by memberOf placement constraints. Parse once, evaluate against
/// many container instances.
/// </summary>
public static class ClusterQuery
{
    /// <summary>AWS caps a constraint expression at 2,000 characters.</summary>
    public const int MaxExpressionLength = 2000;

    private const int MaxCachedExpressions = 512;

    // Placement parses the same few constraint expressions on every call; the parsed tree (with its compiled
    // regexes) is immutable, so memoising it is safe and keeps regex construction off the hot path.
    private static readonly ConcurrentDictionary<string, ClusterQueryExpression> Cache = new(StringComparer.Ordinal);

    /// <summary>
    /// Parses <paramref name="expression"/>. Throws <see cref="ClusterQueryException"/> with a message fit for an
    /// AWS InvalidParameterException when the expression is not valid.
    /// </summary>
    public static ClusterQueryExpression Parse(string expression)
    {
        ArgumentNullException.ThrowIfNull(expression);
        return ClusterQueryParser.Parse(expression);
    }

    /// <summary>Parses <paramref name="expression"/>; on failure returns false and the error message.</summary>
    public static bool TryParse(string expression, out ClusterQueryExpression? result, out string? error)
    {
        try
        {
            result = Parse(expression);
            error = null;
            return true;
        }
        catch (ClusterQueryException e)
        {
            result = null;
            error = e.Message;
            return false;
        }
    }

    /// <summary>Like <see cref="Parse"/>, memoised: placement calls this with the same expressions again and again.</summary>
    internal static ClusterQueryExpression ParseCached(string expression)
    {
        if (Cache.TryGetValue(expression, out var cached))
        {
            return cached;
        }

        var parsed = Parse(expression);
        if (Cache.Count >= MaxCachedExpressions)
        {
            Cache.Clear();
        }

        Cache.TryAdd(expression, parsed);
        return parsed;
    }
}

/// <summary>An invalid cluster query expression (B-PL-4); the message becomes the InvalidParameterException text.</summary>
public sealed class ClusterQueryException : Exception
{
    public ClusterQueryException()
    {
    }

    public ClusterQueryException(string message)
        : base(message)
    {
    }

    public ClusterQueryException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// A parsed cluster query expression (B-PL-4). Immutable and thread-safe; build one with
/// <see cref="ClusterQuery.Parse"/>.
/// </summary>
public abstract class ClusterQueryExpression
{
    private protected ClusterQueryExpression()
    {
    }

    /// <summary>True when <paramref name="instance"/> satisfies the expression.</summary>
    public bool Evaluate(ContainerInstanceRecord instance)
    {
        ArgumentNullException.ThrowIfNull(instance);
        return Evaluate(new QuerySubject(instance, null, 0));
    }

    /// <summary>
    /// True when the result depends on the instance's tasks (task:group, runningTasksCount), so placement must
    /// re-evaluate it after putting a task on the instance.
    /// </summary>
    public abstract bool DependsOnTasks { get; }

    internal abstract bool Evaluate(in QuerySubject subject);

    internal abstract void Write(StringBuilder sb);

    /// <summary>A normalised rendering: explicit parentheses, lower-case keywords, quoted values.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        Write(sb);
        return sb.ToString();
    }
}

/// <summary>
/// The instance as seen by an expression, plus the tasks a placement batch has added to it so far (B-PL-7 working
/// copy) so that task:group and runningTasksCount stay true within a batch without copying the record.
/// </summary>
internal readonly struct QuerySubject(ContainerInstanceRecord instance, string? addedGroup, int added)
{
    public ContainerInstanceRecord Instance { get; } = instance;

    public string? AddedGroup { get; } = addedGroup;

    public int Added { get; } = added;

    /// <summary>Tasks with desiredStatus RUNNING (B-CI-2); tasks placed by the batch count too.</summary>
    public int RunningTasksCount => Instance.RunningTasksCount + Added;

    public int GroupCount(string group)
    {
        var n = Instance.TaskGroups.TryGetValue(group, out var c) ? c : 0;
        return AddedGroup is not null && string.Equals(group, AddedGroup, StringComparison.Ordinal) ? n + Added : n;
    }
}

internal sealed class AndExpression(ClusterQueryExpression left, ClusterQueryExpression right) : ClusterQueryExpression
{
    public override bool DependsOnTasks { get; } = left.DependsOnTasks || right.DependsOnTasks;

    internal override bool Evaluate(in QuerySubject subject) => left.Evaluate(subject) && right.Evaluate(subject);

    internal override void Write(StringBuilder sb)
    {
        sb.Append('(');
        left.Write(sb);
        sb.Append(" and ");
        right.Write(sb);
        sb.Append(')');
    }
}

internal sealed class OrExpression(ClusterQueryExpression left, ClusterQueryExpression right) : ClusterQueryExpression
{
    public override bool DependsOnTasks { get; } = left.DependsOnTasks || right.DependsOnTasks;

    internal override bool Evaluate(in QuerySubject subject) => left.Evaluate(subject) || right.Evaluate(subject);

    internal override void Write(StringBuilder sb)
    {
        sb.Append('(');
        left.Write(sb);
        sb.Append(" or ");
        right.Write(sb);
        sb.Append(')');
    }
}

internal sealed class NotExpression(ClusterQueryExpression operand) : ClusterQueryExpression
{
    public override bool DependsOnTasks => operand.DependsOnTasks;

    internal override bool Evaluate(in QuerySubject subject) => !operand.Evaluate(subject);

    internal override void Write(StringBuilder sb)
    {
        sb.Append("not(");
        operand.Write(sb);
        sb.Append(')');
    }
}

internal enum QuerySubjectKind
{
    Attribute,
    Ec2InstanceId,
    AgentConnected,
    RegisteredAt,
    RunningTasksCount,
    TaskGroup,
}

internal enum QueryOperator
{
    Equal,
    NotEqual,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
    Exists,
    NotExists,
    In,
    NotIn,
    Matches,
    NotMatches,
}

/// <summary>A literal of the query: its text and, worked out once at parse time, its number, date and pattern.</summary>
internal sealed class QueryValue
{
    public QueryValue(string text, Regex? pattern)
    {
        Text = text;
        Pattern = pattern;
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var n))
        {
            Number = n;
        }

        if (QueryValues.TryParseDate(text, out var d))
        {
            Date = d;
        }
    }

    public string Text { get; }

    public double? Number { get; }

    public DateTimeOffset? Date { get; }

    /// <summary>The regex of =~ / !~, or the wildcard pattern of a == / != value containing '*'.</summary>
    public Regex? Pattern { get; }
}

internal static class QueryValues
{
    private static readonly TimeSpan MatchTimeout = TimeSpan.FromMilliseconds(100);

    public static bool TryParseDate(string text, out DateTimeOffset value) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out value);

    /// <summary>A regex that must match the whole value (AWS anchors =~ patterns).</summary>
    public static Regex WholeValueRegex(string pattern) =>
        new(@"\A(?:" + pattern + @")\z", RegexOptions.CultureInvariant, MatchTimeout);

    /// <summary>'*' in an == / != value is a wildcard for any run of characters, e.g. t2.* (B-PL-4).</summary>
    public static Regex Wildcard(string value) =>
        new(@"\A" + Regex.Escape(value).Replace(@"\*", ".*", StringComparison.Ordinal) + @"\z", RegexOptions.CultureInvariant, MatchTimeout);

    public static bool IsMatch(Regex regex, string value)
    {
        try
        {
            return regex.IsMatch(value);
        }
        catch (RegexMatchTimeoutException)
        {
            // A pathological pattern: treat as no match rather than failing the whole placement.
            return false;
        }
    }
}

/// <summary>One comparison: SUBJECT OP VALUE, SUBJECT [!]exists, SUBJECT [!]in [LIST].</summary>
internal sealed class ComparisonExpression : ClusterQueryExpression
{
    private readonly QuerySubjectKind _subject;
    private readonly string? _attributeName;
    private readonly QueryOperator _op;
    private readonly ImmutableArray<QueryValue> _values;

    public ComparisonExpression(QuerySubjectKind subject, string? attributeName, QueryOperator op, ImmutableArray<QueryValue> values)
    {
        _subject = subject;
        _attributeName = attributeName;
        _op = op;
        _values = values;
    }

    public override bool DependsOnTasks => _subject is QuerySubjectKind.TaskGroup or QuerySubjectKind.RunningTasksCount;

    private bool IsNegated => _op is QueryOperator.NotEqual or QueryOperator.NotExists or QueryOperator.NotIn or QueryOperator.NotMatches;

    internal override bool Evaluate(in QuerySubject subject)
    {
        // Negated operators are exactly the negation of their positive form, so a missing attribute satisfies
        // "!=", "!in", "!~" and "!exists" (Model choice: AWS does not document the missing-attribute case).
        bool positive;
        if (_subject == QuerySubjectKind.TaskGroup)
        {
            // task:group is multi-valued: the positive form holds when any group on the instance satisfies it.
            positive = false;
            foreach (var group in subject.Instance.TaskGroups.Keys)
            {
                if (subject.GroupCount(group) > 0 && Positive(group, null))
                {
                    positive = true;
                    break;
                }
            }

            if (!positive && subject.AddedGroup is { } added && subject.Added > 0
                && !subject.Instance.TaskGroups.ContainsKey(added) && Positive(added, null))
            {
                positive = true;
            }
        }
        else
        {
            var value = SingleValue(subject);
            DateTimeOffset? date = _subject == QuerySubjectKind.RegisteredAt ? subject.Instance.RegisteredAt : null;
            positive = value is not null && Positive(value, date);
        }

        return IsNegated ? !positive : positive;
    }

    private string? SingleValue(in QuerySubject subject) => _subject switch
    {
        QuerySubjectKind.Attribute => subject.Instance.Attributes.TryGetValue(_attributeName!, out var v) ? v : null,
        QuerySubjectKind.Ec2InstanceId => subject.Instance.Ec2InstanceId,
        QuerySubjectKind.AgentConnected => subject.Instance.AgentConnected ? "true" : "false",
        QuerySubjectKind.RegisteredAt => subject.Instance.RegisteredAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        QuerySubjectKind.RunningTasksCount => subject.RunningTasksCount.ToString(CultureInfo.InvariantCulture),
        _ => null,
    };

    /// <summary>The positive form of the operator for one value of the subject.</summary>
    private bool Positive(string value, DateTimeOffset? date)
    {
        switch (_op)
        {
            case QueryOperator.Exists:
            case QueryOperator.NotExists:
                return true;
            case QueryOperator.Equal:
            case QueryOperator.NotEqual:
                return AreEqual(value, date, _values[0]);
            case QueryOperator.In:
            case QueryOperator.NotIn:
                foreach (var v in _values)
                {
                    if (AreEqual(value, date, v))
                    {
                        return true;
                    }
                }

                return false;
            case QueryOperator.Matches:
            case QueryOperator.NotMatches:
                return QueryValues.IsMatch(_values[0].Pattern!, value);
            default:
                var c = Compare(value, date, _values[0]);
                return _op switch
                {
                    QueryOperator.Less => c < 0,
                    QueryOperator.LessOrEqual => c <= 0,
                    QueryOperator.Greater => c > 0,
                    _ => c >= 0,
                };
        }
    }

    private bool AreEqual(string value, DateTimeOffset? date, QueryValue literal)
    {
        if (literal.Pattern is not null)
        {
            return QueryValues.IsMatch(literal.Pattern, value);
        }

        if (_subject == QuerySubjectKind.AgentConnected)
        {
            return string.Equals(value, literal.Text, StringComparison.OrdinalIgnoreCase);
        }

        return Compare(value, date, literal) == 0;
    }

    /// <summary>Dates for registeredAt, numbers when both sides are numbers, else ordinal strings (B-PL-4).</summary>
    private static int Compare(string value, DateTimeOffset? date, QueryValue literal)
    {
        if (date is { } instanceDate && literal.Date is { } d)
        {
            return instanceDate.CompareTo(d);
        }

        if (literal.Number is { } n
            && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var x))
        {
            return x.CompareTo(n);
        }

        return string.CompareOrdinal(value, literal.Text);
    }

    internal override void Write(StringBuilder sb)
    {
        sb.Append(_subject switch
        {
            QuerySubjectKind.Attribute => "attribute:" + _attributeName,
            QuerySubjectKind.Ec2InstanceId => "ec2InstanceId",
            QuerySubjectKind.AgentConnected => "agentConnected",
            QuerySubjectKind.RegisteredAt => "registeredAt",
            QuerySubjectKind.RunningTasksCount => "runningTasksCount",
            _ => "task:group",
        });
        sb.Append(' ').Append(_op switch
        {
            QueryOperator.Equal => "==",
            QueryOperator.NotEqual => "!=",
            QueryOperator.Less => "<",
            QueryOperator.LessOrEqual => "<=",
            QueryOperator.Greater => ">",
            QueryOperator.GreaterOrEqual => ">=",
            QueryOperator.Exists => "exists",
            QueryOperator.NotExists => "!exists",
            QueryOperator.In => "in",
            QueryOperator.NotIn => "!in",
            QueryOperator.Matches => "=~",
            _ => "!~",
        });
        if (_op is QueryOperator.Exists or QueryOperator.NotExists)
        {
            return;
        }

        sb.Append(' ');
        if (_op is QueryOperator.In or QueryOperator.NotIn)
        {
            sb.Append('[');
            for (var i = 0; i < _values.Length; i++)
            {
                if (i > 0)
                {
                    sb.Append(", ");
                }

                WriteValue(sb, _values[i].Text);
            }

            sb.Append(']');
        }
        else
        {
            WriteValue(sb, _values[0].Text);
        }
    }

    private static void WriteValue(StringBuilder sb, string text)
    {
        var quote = text.Contains('\'', StringComparison.Ordinal) ? '"' : '\'';
        sb.Append(quote).Append(text).Append(quote);
    }
}
