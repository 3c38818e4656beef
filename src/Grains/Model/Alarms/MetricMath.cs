using System.Globalization;

namespace Emulator.Model.Alarms;

/// <summary>A metric math expression that cannot be parsed or evaluated (CloudWatch answers ValidationError).</summary>
public sealed class MetricMathException(string message) : Exception(message);

/// <summary>
/// CloudWatch metric math (B-CW-1, GetMetricData and alarms' Metrics[]) over time series aligned on one period grid:
/// a series is an array of values per period (null = no datapoint). Supported: numbers, query ids, + - * / and unary
/// minus with series/scalar broadcasting, parentheses, and the functions SUM, AVG, MIN, MAX (over METRICS() or a list
/// of series: per period; over one series: a scalar), ABS, CEIL, FLOOR, FILL(series, value | REPEAT), METRICS(['id
/// substring']), PERIOD(series), IF(condition, a[, b]) with the comparisons &lt; &lt;= &gt; &gt;= == != and the logical
/// AND / OR. A period where an operand is missing, or a division by zero, has no result (CloudWatch drops it).
/// Known gap: search expressions, anomaly detection bands, RATE/DIFF and the string functions are not implemented.
/// </summary>
public static class MetricMath
{
    private abstract record Value;

    private sealed record Scalar(double V) : Value;

    private sealed record Series(double?[] V) : Value;

    private sealed record SeriesList(List<double?[]> V) : Value;

    /// <summary>Evaluates <paramref name="expression"/> over the series of the other queries (by id), <paramref name="length"/> periods long.</summary>
    public static double?[] Evaluate(string expression, IReadOnlyDictionary<string, double?[]> series, int length, int periodSeconds)
    {
        var parser = new Parser(expression, series, length, periodSeconds);
        var value = parser.Parse();
        return value switch
        {
            Series s => s.V,
            Scalar c => Enumerable.Repeat<double?>(c.V, length).ToArray(),
            SeriesList => throw new MetricMathException($"The expression '{expression}' returns several time series; an alarm or a single result needs one."),
            _ => throw new MetricMathException("Unsupported expression."),
        };
    }

    /// <summary>The ids an expression refers to (validation: each must be another query's id).</summary>
    public static IReadOnlySet<string> References(string expression)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var i = 0;
        while (i < expression.Length)
        {
            if (char.IsAsciiLetter(expression[i]))
            {
                var start = i;
                while (i < expression.Length && (char.IsAsciiLetterOrDigit(expression[i]) || expression[i] == '_'))
                {
                    i++;
                }

                var word = expression[start..i];
                var next = i;
                while (next < expression.Length && expression[next] == ' ')
                {
                    next++;
                }

                if ((next >= expression.Length || expression[next] != '(') && !IsKeyword(word))
                {
                    ids.Add(word);
                }
            }
            else if (expression[i] == '\'' || expression[i] == '"')
            {
                var quote = expression[i++];
                while (i < expression.Length && expression[i] != quote)
                {
                    i++;
                }

                i++;
            }
            else
            {
                i++;
            }
        }

        return ids;
    }

    private static bool IsKeyword(string word) => word is "AND" or "OR" or "REPEAT" or "LINEAR";

    private sealed class Parser(string text, IReadOnlyDictionary<string, double?[]> series, int length, int periodSeconds)
    {
        private int _pos;

        public Value Parse()
        {
            var v = ParseOr();
            Skip();
            if (_pos < text.Length)
            {
                throw new MetricMathException($"Unexpected '{text[_pos..]}' at position {_pos + 1} of the expression '{text}'.");
            }

            return v;
        }

        private Value ParseOr()
        {
            var left = ParseAnd();
            while (Word("OR"))
            {
                var right = ParseAnd();
                left = Binary(left, right, (a, b) => a != 0 || b != 0 ? 1 : 0);
            }

            return left;
        }

        private Value ParseAnd()
        {
            var left = ParseComparison();
            while (Word("AND"))
            {
                var right = ParseComparison();
                left = Binary(left, right, (a, b) => a != 0 && b != 0 ? 1 : 0);
            }

            return left;
        }

        private Value ParseComparison()
        {
            var left = ParseSum();
            while (true)
            {
                Skip();
                string? op = null;
                foreach (var candidate in new[] { "<=", ">=", "==", "!=", "<", ">" })
                {
                    if (string.CompareOrdinal(text, _pos, candidate, 0, candidate.Length) == 0)
                    {
                        op = candidate;
                        break;
                    }
                }

                if (op is null)
                {
                    return left;
                }

                _pos += op.Length;
                var right = ParseSum();
                left = Binary(left, right, op switch
                {
                    "<=" => (a, b) => a <= b ? 1 : 0,
                    ">=" => (a, b) => a >= b ? 1 : 0,
                    "==" => (a, b) => a == b ? 1 : 0,
                    "!=" => (a, b) => a != b ? 1 : 0,
                    "<" => (a, b) => a < b ? 1 : 0,
                    _ => (a, b) => a > b ? 1 : 0,
                });
            }
        }

        private Value ParseSum()
        {
            var left = ParseProduct();
            while (true)
            {
                if (Char('+'))
                {
                    left = Binary(left, ParseProduct(), (a, b) => a + b);
                }
                else if (Char('-'))
                {
                    left = Binary(left, ParseProduct(), (a, b) => a - b);
                }
                else
                {
                    return left;
                }
            }
        }

        private Value ParseProduct()
        {
            var left = ParseUnary();
            while (true)
            {
                if (Char('*'))
                {
                    left = Binary(left, ParseUnary(), (a, b) => a * b);
                }
                else if (Char('/'))
                {
                    left = Binary(left, ParseUnary(), (a, b) => b == 0 ? double.NaN : a / b);
                }
                else
                {
                    return left;
                }
            }
        }

        private Value ParseUnary() => Char('-') ? Binary(new Scalar(0), ParseUnary(), (a, b) => a - b) : ParsePrimary();

        private Value ParsePrimary()
        {
            Skip();
            if (_pos >= text.Length)
            {
                throw new MetricMathException($"The expression '{text}' ends unexpectedly.");
            }

            if (Char('('))
            {
                var inner = ParseOr();
                Expect(')');
                return inner;
            }

            var c = text[_pos];
            if (char.IsAsciiDigit(c) || c == '.')
            {
                var start = _pos;
                while (_pos < text.Length && (char.IsAsciiDigit(text[_pos]) || text[_pos] is '.' or 'e' or 'E'))
                {
                    _pos++;
                }

                return double.TryParse(text[start.._pos], NumberStyles.Float, CultureInfo.InvariantCulture, out var n)
                    ? new Scalar(n)
                    : throw new MetricMathException($"'{text[start.._pos]}' is not a number.");
            }

            if (c == '[')
            {
                _pos++;
                var items = new List<double?[]>();
                do
                {
                    items.AddRange(AsList(ParseOr()));
                }
                while (Char(','));
                Expect(']');
                return new SeriesList(items);
            }

            if (!char.IsAsciiLetter(c))
            {
                throw new MetricMathException($"Unexpected '{c}' at position {_pos + 1} of the expression '{text}'.");
            }

            var wordStart = _pos;
            while (_pos < text.Length && (char.IsAsciiLetterOrDigit(text[_pos]) || text[_pos] == '_'))
            {
                _pos++;
            }

            var word = text[wordStart.._pos];
            Skip();
            if (_pos < text.Length && text[_pos] == '(')
            {
                _pos++;
                return Call(word);
            }

            return series.TryGetValue(word, out var s)
                ? new Series(s)
                : throw new MetricMathException($"The expression '{text}' refers to '{word}', which is not the Id of another query.");
        }

        private Value Call(string name)
        {
            var args = new List<Value>();
            string? text1 = null;
            Skip();
            if (!Char(')'))
            {
                do
                {
                    Skip();
                    if (_pos < text.Length && text[_pos] is '\'' or '"')
                    {
                        var quote = text[_pos++];
                        var start = _pos;
                        while (_pos < text.Length && text[_pos] != quote)
                        {
                            _pos++;
                        }

                        text1 = text[start.._pos];
                        Expect(quote);
                    }
                    else if (Word("REPEAT"))
                    {
                        args.Add(new Scalar(double.PositiveInfinity)); // FILL(x, REPEAT)
                    }
                    else
                    {
                        args.Add(ParseOr());
                    }
                }
                while (Char(','));
                Expect(')');
            }

            switch (name.ToUpperInvariant())
            {
                case "METRICS":
                    return new SeriesList(series.Where(kv => text1 is null || kv.Key.Contains(text1, StringComparison.Ordinal)).OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Value).ToList());
                case "SUM" or "AVG" or "MIN" or "MAX":
                    Arity(name, args, 1, 1);
                    return Aggregate(name.ToUpperInvariant(), args[0]);
                case "ABS":
                    Arity(name, args, 1, 1);
                    return Unary(args[0], Math.Abs);
                case "CEIL":
                    Arity(name, args, 1, 1);
                    return Unary(args[0], Math.Ceiling);
                case "FLOOR":
                    Arity(name, args, 1, 1);
                    return Unary(args[0], Math.Floor);
                case "PERIOD":
                    Arity(name, args, 1, 1);
                    return new Scalar(periodSeconds);
                case "FILL":
                    Arity(name, args, 2, 2);
                    return Fill(args[0], args[1]);
                case "IF":
                    Arity(name, args, 2, 3);
                    return If(args[0], args[1], args.Count == 3 ? args[2] : null);
                default:
                    throw new MetricMathException($"Unsupported function '{name}' in the expression '{text}' (this emulator supports SUM, AVG, MIN, MAX, ABS, CEIL, FLOOR, FILL, IF, METRICS, PERIOD).");
            }
        }

        private void Arity(string name, List<Value> args, int min, int max)
        {
            if (args.Count < min || args.Count > max)
            {
                throw new MetricMathException($"{name} takes {(min == max ? min.ToString(CultureInfo.InvariantCulture) : $"{min} to {max}")} argument(s) in the expression '{text}'.");
            }
        }

        private Value Aggregate(string fn, Value arg)
        {
            if (arg is SeriesList list)
            {
                var result = new double?[length];
                for (var i = 0; i < length; i++)
                {
                    var values = list.V.Select(s => s[i]).Where(v => v is not null).Select(v => v!.Value).ToList();
                    result[i] = values.Count == 0 ? null : Reduce(fn, values);
                }

                return new Series(result);
            }

            if (arg is Series one)
            {
                var values = one.V.Where(v => v is not null).Select(v => v!.Value).ToList();
                return values.Count == 0 ? new Series(new double?[length]) : new Scalar(Reduce(fn, values));
            }

            return arg;
        }

        private static double Reduce(string fn, List<double> values) => fn switch
        {
            "SUM" => values.Sum(),
            "AVG" => values.Average(),
            "MIN" => values.Min(),
            _ => values.Max(),
        };

        private Value Fill(Value arg, Value with)
        {
            if (arg is not Series s)
            {
                return arg;
            }

            var result = new double?[length];
            double? last = null;
            for (var i = 0; i < length; i++)
            {
                if (s.V[i] is { } v)
                {
                    result[i] = v;
                    last = v;
                }
                else if (with is Scalar { V: double.PositiveInfinity })
                {
                    result[i] = last;
                }
                else
                {
                    result[i] = with switch
                    {
                        Scalar c => c.V,
                        Series f => f.V[i],
                        _ => null,
                    };
                }
            }

            return new Series(result);
        }

        private Value If(Value condition, Value then, Value? otherwise)
        {
            var result = new double?[length];
            for (var i = 0; i < length; i++)
            {
                var c = At(condition, i);
                result[i] = c is null ? null : c != 0 ? At(then, i) : otherwise is null ? null : At(otherwise, i);
            }

            return new Series(result);
        }

        private static double? At(Value v, int i) => v switch
        {
            Scalar s => s.V,
            Series s => s.V[i],
            _ => null,
        };

        private Value Unary(Value v, Func<double, double> f) => v switch
        {
            Scalar s => new Scalar(f(s.V)),
            Series s => new Series(s.V.Select(x => x is { } y ? f(y) : (double?)null).ToArray()),
            SeriesList l => new SeriesList(l.V.Select(s => s.Select(x => x is { } y ? f(y) : (double?)null).ToArray()).ToList()),
            _ => v,
        };

        private Value Binary(Value a, Value b, Func<double, double, double> f)
        {
            if (a is Scalar x && b is Scalar y)
            {
                return new Scalar(f(x.V, y.V));
            }

            if (a is SeriesList || b is SeriesList)
            {
                var left = AsList(a);
                var right = AsList(b);
                var n = Math.Max(left.Count, right.Count);
                return new SeriesList(Enumerable.Range(0, n).Select(k => Combine(left[Math.Min(k, left.Count - 1)], right[Math.Min(k, right.Count - 1)], f)).ToList());
            }

            return new Series(Combine(Expand(a), Expand(b), f));
        }

        private double?[] Combine(double?[] a, double?[] b, Func<double, double, double> f)
        {
            var result = new double?[length];
            for (var i = 0; i < length; i++)
            {
                if (a[i] is { } x && b[i] is { } y)
                {
                    var r = f(x, y);
                    result[i] = double.IsNaN(r) || double.IsInfinity(r) ? null : r;
                }
            }

            return result;
        }

        private double?[] Expand(Value v) => v switch
        {
            Scalar s => Enumerable.Repeat<double?>(s.V, length).ToArray(),
            Series s => s.V,
            _ => new double?[length],
        };

        private List<double?[]> AsList(Value v) => v is SeriesList l ? l.V : [Expand(v)];

        private void Skip()
        {
            while (_pos < text.Length && char.IsWhiteSpace(text[_pos]))
            {
                _pos++;
            }
        }

        private bool Char(char c)
        {
            Skip();
            if (_pos < text.Length && text[_pos] == c)
            {
                _pos++;
                return true;
            }

            return false;
        }

        private void Expect(char c)
        {
            if (!Char(c))
            {
                throw new MetricMathException($"Expected '{c}' at position {_pos + 1} of the expression '{text}'.");
            }
        }

        private bool Word(string w)
        {
            Skip();
            if (string.CompareOrdinal(text, _pos, w, 0, w.Length) == 0 && (_pos + w.Length >= text.Length || !char.IsAsciiLetterOrDigit(text[_pos + w.Length])))
            {
                _pos += w.Length;
                return true;
            }

            return false;
        }
    }
}
