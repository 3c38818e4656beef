using System.Collections.Immutable;

namespace Emulator.Model.Placement;

/// <summary>
/// Tokenizer and recursive-descent parser of the cluster query language (B-PL-4).
/// Grammar (keywords case-insensitive; precedence not &gt; and &gt; or):
/// <code>
/// or         := and (("or" | "||") and)*
/// and        := unary (("and" | "&amp;&amp;") unary)*
/// unary      := ("not" | "!") unary | "(" or ")" | comparison
/// comparison := SUBJECT (CMP value | ["!"] "exists" | ["!"] "in" list)
/// CMP        := "==" | "!=" | "&gt;" | "&gt;=" | "&lt;" | "&lt;=" | "=~" | "!~"
/// list       := "[" value ("," value)* "]"
/// value      := bare-word | 'quoted' | "quoted"
/// </code>
/// </summary>
internal sealed class ClusterQueryParser
{
    private readonly string _text;
    private readonly List<Token> _tokens;
    private int _pos;

    private ClusterQueryParser(string text, List<Token> tokens)
    {
        _text = text;
        _tokens = tokens;
    }

    private enum Kind
    {
        Word,
        Quoted,
        Operator,
        Bang,
        And,
        Or,
        LParen,
        RParen,
        LBracket,
        RBracket,
        Comma,
        End,
    }

    private Token Peek => _tokens[_pos];

    public static ClusterQueryExpression Parse(string text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new ClusterQueryException("Invalid cluster query expression: the expression is empty.");
        }

        if (text.Length > ClusterQuery.MaxExpressionLength)
        {
            throw new ClusterQueryException(
                $"Invalid cluster query expression: the expression is longer than {ClusterQuery.MaxExpressionLength} characters.");
        }

        var parser = new ClusterQueryParser(text, Tokenize(text));
        var result = parser.ParseOr();
        if (parser.Peek.Kind != Kind.End)
        {
            throw parser.Error(parser.Peek, $"unexpected {Describe(parser.Peek)}");
        }

        return result;
    }

    private static List<Token> Tokenize(string text)
    {
        var tokens = new List<Token>();
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
                continue;
            }

            var start = i;
            switch (c)
            {
                case '(':
                    tokens.Add(new Token(Kind.LParen, "(", start));
                    i++;
                    continue;
                case ')':
                    tokens.Add(new Token(Kind.RParen, ")", start));
                    i++;
                    continue;
                case '[':
                    tokens.Add(new Token(Kind.LBracket, "[", start));
                    i++;
                    continue;
                case ']':
                    tokens.Add(new Token(Kind.RBracket, "]", start));
                    i++;
                    continue;
                case ',':
                    tokens.Add(new Token(Kind.Comma, ",", start));
                    i++;
                    continue;
                case '\'':
                case '"':
                    // Quoted values are taken verbatim (no escapes) so that regexes keep their backslashes.
                    var end = text.IndexOf(c, i + 1);
                    if (end < 0)
                    {
                        throw new ClusterQueryException(
                            $"Invalid cluster query expression '{text}': unterminated quoted value at position {start + 1}.");
                    }

                    tokens.Add(new Token(Kind.Quoted, text[(i + 1)..end], start));
                    i = end + 1;
                    continue;
                case '&':
                case '|':
                    if (i + 1 < text.Length && text[i + 1] == c)
                    {
                        tokens.Add(new Token(c == '&' ? Kind.And : Kind.Or, text.Substring(i, 2), start));
                        i += 2;
                        continue;
                    }

                    throw new ClusterQueryException(
                        $"Invalid cluster query expression '{text}': unexpected '{c}' at position {start + 1} (use '{c}{c}').");
                case '=':
                    if (i + 1 < text.Length && text[i + 1] is '=' or '~')
                    {
                        tokens.Add(new Token(Kind.Operator, text.Substring(i, 2), start));
                        i += 2;
                        continue;
                    }

                    throw new ClusterQueryException(
                        $"Invalid cluster query expression '{text}': unexpected '=' at position {start + 1} (use '==' or '=~').");
                case '!':
                    if (i + 1 < text.Length && text[i + 1] is '=' or '~')
                    {
                        tokens.Add(new Token(Kind.Operator, text.Substring(i, 2), start));
                        i += 2;
                    }
                    else
                    {
                        // Either logical not or the first half of !exists / !in; the parser decides by position.
                        tokens.Add(new Token(Kind.Bang, "!", start));
                        i++;
                    }

                    continue;
                case '<':
                case '>':
                    var len = i + 1 < text.Length && text[i + 1] == '=' ? 2 : 1;
                    tokens.Add(new Token(Kind.Operator, text.Substring(i, len), start));
                    i += len;
                    continue;
            }

            while (i < text.Length && IsWordChar(text[i]))
            {
                i++;
            }

            var word = text[start..i];
            var kind = word.Equals("and", StringComparison.OrdinalIgnoreCase) ? Kind.And
                : word.Equals("or", StringComparison.OrdinalIgnoreCase) ? Kind.Or
                : Kind.Word;
            tokens.Add(new Token(kind, word, start));
        }

        tokens.Add(new Token(Kind.End, "", text.Length));
        return tokens;
    }

    /// <summary>Bare words run up to white space, brackets, quotes or an operator character.</summary>
    private static bool IsWordChar(char c) =>
        !char.IsWhiteSpace(c) && c is not ('(' or ')' or '[' or ']' or ',' or '\'' or '"' or '=' or '!' or '<' or '>' or '&' or '|');

    private ClusterQueryExpression ParseOr()
    {
        var left = ParseAnd();
        while (Peek.Kind == Kind.Or)
        {
            _pos++;
            left = new OrExpression(left, ParseAnd());
        }

        return left;
    }

    private ClusterQueryExpression ParseAnd()
    {
        var left = ParseUnary();
        while (Peek.Kind == Kind.And)
        {
            _pos++;
            left = new AndExpression(left, ParseUnary());
        }

        return left;
    }

    private ClusterQueryExpression ParseUnary()
    {
        var t = Peek;
        if (t.Kind == Kind.Bang || IsKeyword(t, "not"))
        {
            _pos++;
            return new NotExpression(ParseUnary());
        }

        if (t.Kind == Kind.LParen)
        {
            _pos++;
            var inner = ParseOr();
            Expect(Kind.RParen, "')'");
            return inner;
        }

        if (t.Kind == Kind.Word)
        {
            return ParseComparison();
        }

        throw Error(t, $"expected a subject, 'not' or '(' but found {Describe(t)}");
    }

    private ClusterQueryExpression ParseComparison()
    {
        var subjectToken = Peek;
        _pos++;
        var (subject, attributeName) = ParseSubject(subjectToken);

        var t = Peek;
        QueryOperator op;
        if (t.Kind == Kind.Operator)
        {
            op = t.Text switch
            {
                "==" => QueryOperator.Equal,
                "!=" => QueryOperator.NotEqual,
                "<" => QueryOperator.Less,
                "<=" => QueryOperator.LessOrEqual,
                ">" => QueryOperator.Greater,
                ">=" => QueryOperator.GreaterOrEqual,
                "=~" => QueryOperator.Matches,
                _ => QueryOperator.NotMatches,
            };
            _pos++;
        }
        else if (IsKeyword(t, "exists") || IsKeyword(t, "in"))
        {
            op = IsKeyword(t, "in") ? QueryOperator.In : QueryOperator.Exists;
            _pos++;
        }
        else if (t.Kind == Kind.Bang && (IsKeyword(_tokens[_pos + 1], "exists") || IsKeyword(_tokens[_pos + 1], "in")))
        {
            op = IsKeyword(_tokens[_pos + 1], "in") ? QueryOperator.NotIn : QueryOperator.NotExists;
            _pos += 2;
        }
        else
        {
            throw Error(t, $"expected an operator (==, !=, >, >=, <, <=, =~, !~, exists, !exists, in, !in) after '{subjectToken.Text}' but found {Describe(t)}");
        }

        ImmutableArray<QueryValue> values;
        switch (op)
        {
            case QueryOperator.Exists:
            case QueryOperator.NotExists:
                values = [];
                break;
            case QueryOperator.In:
            case QueryOperator.NotIn:
                values = ParseList(subject, subjectToken);
                break;
            default:
                var valueToken = ExpectValue();
                values = [MakeValue(subject, subjectToken, op, valueToken)];
                break;
        }

        return new ComparisonExpression(subject, attributeName, op, values);
    }

    private (QuerySubjectKind Kind, string? AttributeName) ParseSubject(Token t)
    {
        const string attributePrefix = "attribute:";
        if (t.Text.StartsWith(attributePrefix, StringComparison.OrdinalIgnoreCase))
        {
            var name = t.Text[attributePrefix.Length..];
            if (name.Length == 0 || name.Length > 128 || !name.All(IsAttributeNameChar))
            {
                throw Error(t, $"invalid attribute name '{name}' (1 to 128 letters, digits, '-', '_', '.', '/' or '\\')");
            }

            return (QuerySubjectKind.Attribute, name);
        }

        QuerySubjectKind? kind = t.Text.ToLowerInvariant() switch
        {
            "ec2instanceid" => QuerySubjectKind.Ec2InstanceId,
            "agentconnected" => QuerySubjectKind.AgentConnected,
            "registeredat" => QuerySubjectKind.RegisteredAt,
            "runningtaskscount" => QuerySubjectKind.RunningTasksCount,
            "task:group" => QuerySubjectKind.TaskGroup,
            _ => null,
        };
        return kind is { } k
            ? (k, null)
            : throw Error(t, $"unknown subject '{t.Text}' (expected attribute:NAME, ec2InstanceId, agentConnected, registeredAt, runningTasksCount or task:group)");
    }

    private static bool IsAttributeNameChar(char c) =>
        char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '/' or '\\';

    private ImmutableArray<QueryValue> ParseList(QuerySubjectKind subject, Token subjectToken)
    {
        Expect(Kind.LBracket, "'[' to start a list");
        var values = ImmutableArray.CreateBuilder<QueryValue>();
        while (true)
        {
            var valueToken = ExpectValue();
            values.Add(MakeValue(subject, subjectToken, QueryOperator.In, valueToken));
            if (Peek.Kind == Kind.Comma)
            {
                _pos++;
                continue;
            }

            Expect(Kind.RBracket, "',' or ']'");
            return values.ToImmutable();
        }
    }

    private Token ExpectValue()
    {
        var t = Peek;
        if (t.Kind is Kind.Word or Kind.Quoted)
        {
            _pos++;
            return t;
        }

        throw Error(t, $"expected a value but found {Describe(t)}");
    }

    /// <summary>Checks the literal against the subject's type once, so evaluation never meets a bad literal.</summary>
    private QueryValue MakeValue(QuerySubjectKind subject, Token subjectToken, QueryOperator op, Token t)
    {
        var text = t.Text;
        if (op is QueryOperator.Matches or QueryOperator.NotMatches)
        {
            try
            {
                return new QueryValue(text, QueryValues.WholeValueRegex(text));
            }
            catch (ArgumentException e)
            {
                throw Error(t, $"invalid regular expression '{text}': {e.Message}");
            }
        }

        var ordering = op is QueryOperator.Less or QueryOperator.LessOrEqual or QueryOperator.Greater or QueryOperator.GreaterOrEqual;
        var wildcard = op is QueryOperator.Equal or QueryOperator.NotEqual && text.Contains('*', StringComparison.Ordinal);
        var value = new QueryValue(text, wildcard ? QueryValues.Wildcard(text) : null);
        switch (subject)
        {
            case QuerySubjectKind.AgentConnected:
                if (ordering)
                {
                    throw Error(t, $"'{subjectToken.Text}' is true or false and cannot be ordered");
                }

                if (!wildcard && !text.Equals("true", StringComparison.OrdinalIgnoreCase) && !text.Equals("false", StringComparison.OrdinalIgnoreCase))
                {
                    throw Error(t, $"'{subjectToken.Text}' must be compared with true or false, not '{text}'");
                }

                break;
            case QuerySubjectKind.RunningTasksCount when !wildcard && value.Number is null:
                throw Error(t, $"'{subjectToken.Text}' must be compared with a number, not '{text}'");
            case QuerySubjectKind.RegisteredAt when !wildcard && value.Date is null:
                throw Error(t, $"'{subjectToken.Text}' must be compared with a date or ISO 8601 timestamp, not '{text}'");
        }

        return value;
    }

    private void Expect(Kind kind, string what)
    {
        var t = Peek;
        if (t.Kind != kind)
        {
            throw Error(t, $"expected {what} but found {Describe(t)}");
        }

        _pos++;
    }

    private static bool IsKeyword(Token t, string keyword) =>
        t.Kind == Kind.Word && t.Text.Equals(keyword, StringComparison.OrdinalIgnoreCase);

    private static string Describe(Token t) => t.Kind == Kind.End ? "the end of the expression" : $"'{t.Text}'";

    private ClusterQueryException Error(Token at, string detail) =>
        new($"Invalid cluster query expression '{_text}': {detail} at position {at.Position + 1}.");

    private readonly record struct Token(Kind Kind, string Text, int Position);
}
