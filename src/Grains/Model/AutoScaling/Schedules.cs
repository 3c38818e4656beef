using System.Globalization;

namespace Emulator.Model.AutoScaling;

/// <summary>A schedule expression that does not parse (Application Auto Scaling answers ValidationException).</summary>
public sealed class ScheduleException(string message) : Exception(message);

/// <summary>
/// Scheduled action schedules (B-AS-4): <c>at(yyyy-mm-ddThh:mm:ss)</c>, <c>rate(value unit)</c> with unit
/// minute(s) | hour(s) | day(s), and 6-field <c>cron(Minutes Hours Day-of-month Month Day-of-week Year)</c> with
/// <c>* ? , - /</c>, month and day names, <c>L</c> (last day of the month; <c>5L</c> = last Thursday) and <c>#</c>
/// (<c>2#1</c> = first Monday); one of day-of-month and day-of-week must be <c>?</c>. At and cron are read in the
/// action's Timezone (IANA name, default UTC). Rate runs start at StartTime, or at creation (Model choice: first run one
/// interval after). Known gap: the <c>W</c> (nearest weekday) modifier is rejected.
/// </summary>
public abstract record Schedule
{
    /// <summary>The first run strictly after <paramref name="after"/> (UTC), or null when there is none.</summary>
    public abstract DateTimeOffset? NextAfter(DateTimeOffset after, DateTimeOffset anchor);

    public static Schedule Parse(string expression, string? timezone)
    {
        var tz = TimeZone(timezone);
        var e = expression.Trim();
        if (e.StartsWith("at(", StringComparison.Ordinal) && e.EndsWith(')'))
        {
            var inner = e[3..^1];
            if (!DateTime.TryParseExact(inner, "yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.None, out var local))
            {
                throw new ScheduleException($"Invalid at expression '{expression}': use at(yyyy-mm-ddThh:mm:ss).");
            }

            return new AtSchedule(ToUtc(local, tz) ?? throw new ScheduleException($"The time of '{expression}' does not exist in time zone {tz.Id}."));
        }

        if (e.StartsWith("rate(", StringComparison.Ordinal) && e.EndsWith(')'))
        {
            var parts = e[5..^1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length != 2 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value <= 0)
            {
                throw new ScheduleException($"Invalid rate expression '{expression}': use rate(value unit) with a positive integer value.");
            }

            var unit = parts[1] switch
            {
                "minute" or "minutes" => TimeSpan.FromMinutes(1),
                "hour" or "hours" => TimeSpan.FromHours(1),
                "day" or "days" => TimeSpan.FromDays(1),
                _ => throw new ScheduleException($"Invalid rate expression '{expression}': the unit must be minute, minutes, hour, hours, day or days."),
            };
            return new RateSchedule(unit * value);
        }

        if (e.StartsWith("cron(", StringComparison.Ordinal) && e.EndsWith(')'))
        {
            return CronSchedule.Parse(e[5..^1], tz, expression);
        }

        throw new ScheduleException($"Invalid schedule expression '{expression}': use at(...), rate(...) or cron(...).");
    }

    public static TimeZoneInfo TimeZone(string? timezone)
    {
        if (string.IsNullOrEmpty(timezone) || timezone is "UTC" or "Etc/UTC")
        {
            return TimeZoneInfo.Utc;
        }

        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(timezone);
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            throw new ScheduleException($"Invalid time zone '{timezone}': use an IANA time zone name such as America/New_York.");
        }
    }

    internal static DateTimeOffset? ToUtc(DateTime local, TimeZoneInfo tz)
    {
        var unspecified = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        if (tz.IsInvalidTime(unspecified))
        {
            return null; // a local time skipped by a daylight saving change
        }

        return new DateTimeOffset(TimeZoneInfo.ConvertTimeToUtc(unspecified, tz), TimeSpan.Zero);
    }
}

public sealed record AtSchedule(DateTimeOffset At) : Schedule
{
    public override DateTimeOffset? NextAfter(DateTimeOffset after, DateTimeOffset anchor) => At > after ? At : null;
}

public sealed record RateSchedule(TimeSpan Every) : Schedule
{
    public override DateTimeOffset? NextAfter(DateTimeOffset after, DateTimeOffset anchor)
    {
        if (after < anchor)
        {
            return anchor + Every;
        }

        var n = (after - anchor).Ticks / Every.Ticks + 1;
        return anchor + TimeSpan.FromTicks(Every.Ticks * n);
    }
}

public sealed record CronSchedule(
    bool[] Minutes, bool[] Hours, string DayOfMonth, bool[] Months, string DayOfWeek, bool[] Years, TimeZoneInfo Zone) : Schedule
{
    private static readonly string[] MonthNames = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
    private static readonly string[] DayNames = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

    public static CronSchedule Parse(string fields, TimeZoneInfo tz, string expression)
    {
        var f = fields.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (f.Length != 6)
        {
            throw new ScheduleException($"Invalid cron expression '{expression}': it needs 6 fields (Minutes Hours Day-of-month Month Day-of-week Year), got {f.Length}.");
        }

        if ((f[2] == "?") == (f[4] == "?"))
        {
            throw new ScheduleException($"Invalid cron expression '{expression}': exactly one of Day-of-month and Day-of-week must be '?'.");
        }

        var dom = f[2];
        var dow = f[4];
        if (dom != "?")
        {
            _ = Set(dom == "L" ? "*" : dom, 1, 31, null, expression, "Day-of-month");
        }

        if (dow != "?")
        {
            CheckDayOfWeek(dow, expression);
        }

        return new CronSchedule(Set(f[0], 0, 59, null, expression, "Minutes"), Set(f[1], 0, 23, null, expression, "Hours"), dom,
            Set(f[3], 1, 12, MonthNames, expression, "Month"), dow, Set(f[5], 1970, 2199, null, expression, "Year"), tz);
    }

    public override DateTimeOffset? NextAfter(DateTimeOffset after, DateTimeOffset anchor)
    {
        var local = TimeZoneInfo.ConvertTime(after, Zone).DateTime;
        var day = local.Date;
        for (var i = 0; i < 366 * 6; i++, day = day.AddDays(1))
        {
            if (day.Year > 2199)
            {
                return null;
            }

            if (!Years[day.Year - 1970] || !Months[day.Month - 1] || !DayMatches(day))
            {
                continue;
            }

            for (var h = 0; h < 24; h++)
            {
                if (!Hours[h])
                {
                    continue;
                }

                for (var m = 0; m < 60; m++)
                {
                    if (!Minutes[m])
                    {
                        continue;
                    }

                    var candidate = day.AddHours(h).AddMinutes(m);
                    if (ToUtc(candidate, Zone) is { } utc && utc > after)
                    {
                        return utc;
                    }
                }
            }
        }

        return null;
    }

    private bool DayMatches(DateTime day)
    {
        if (DayOfMonth != "?")
        {
            return DayOfMonth == "L"
                ? day.Day == DateTime.DaysInMonth(day.Year, day.Month)
                : Set(DayOfMonth, 1, 31, null, DayOfMonth, "Day-of-month")[day.Day - 1];
        }

        var weekday = (int)day.DayOfWeek + 1; // 1 = SUN
        foreach (var part in DayOfWeek.Split(','))
        {
            if (part.EndsWith('L') && part.Length > 1)
            {
                if (Day(part[..^1]) == weekday && day.AddDays(7).Month != day.Month)
                {
                    return true;
                }
            }
            else if (part.Contains('#', StringComparison.Ordinal))
            {
                var pieces = part.Split('#');
                if (Day(pieces[0]) == weekday && (day.Day - 1) / 7 + 1 == int.Parse(pieces[1], CultureInfo.InvariantCulture))
                {
                    return true;
                }
            }
            else if (Set(part, 1, 7, DayNames, part, "Day-of-week")[weekday - 1])
            {
                return true;
            }
        }

        return false;
    }

    private static void CheckDayOfWeek(string field, string expression)
    {
        foreach (var part in field.Split(','))
        {
            if (part.EndsWith('L') && part.Length > 1)
            {
                _ = Day(part[..^1], expression);
            }
            else if (part.Contains('#', StringComparison.Ordinal))
            {
                var pieces = part.Split('#');
                if (pieces.Length != 2 || !int.TryParse(pieces[1], NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n is < 1 or > 5)
                {
                    throw new ScheduleException($"Invalid cron expression '{expression}': '{part}' in Day-of-week (use DAY#N with N 1..5).");
                }

                _ = Day(pieces[0], expression);
            }
            else
            {
                _ = Set(part, 1, 7, DayNames, expression, "Day-of-week");
            }
        }
    }

    private static int Day(string s, string expression = "") =>
        int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= 7 ? n
        : Array.IndexOf(DayNames, s.ToUpperInvariant()) is var i and >= 0 ? i + 1
        : throw new ScheduleException($"Invalid cron expression '{expression}': '{s}' is not a day of the week.");

    /// <summary>One cron field as the set of values it matches (index value - min).</summary>
    private static bool[] Set(string field, int min, int max, string[]? names, string expression, string what)
    {
        var set = new bool[max - min + 1];
        foreach (var part in field.Split(','))
        {
            if (part.Contains('W', StringComparison.Ordinal) && names is null)
            {
                throw new ScheduleException($"Invalid cron expression '{expression}': the W modifier is not supported by this emulator.");
            }

            var (range, step) = part.Split('/') switch
            {
                [var r] => (r, 1),
                [var r, var s] when int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var st) && st > 0 => (r, st),
                _ => throw new ScheduleException($"Invalid cron expression '{expression}': '{part}' in {what}."),
            };
            int from, to;
            if (range == "*")
            {
                (from, to) = (min, max);
            }
            else if (range.Split('-') is [var a, var b])
            {
                (from, to) = (Value(a), Value(b));
            }
            else
            {
                from = Value(range);
                to = step > 1 ? max : from;
            }

            if (from > to)
            {
                throw new ScheduleException($"Invalid cron expression '{expression}': the range '{range}' in {what} runs backwards.");
            }

            for (var v = from; v <= to; v += step)
            {
                set[v - min] = true;
            }
        }

        return set;

        int Value(string s)
        {
            if (int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max)
            {
                return n;
            }

            if (names is not null && Array.IndexOf(names, s.ToUpperInvariant()) is var i and >= 0)
            {
                return i + min;
            }

            throw new ScheduleException($"Invalid cron expression '{expression}': '{s}' is not a valid {what} value ({min}-{max}).");
        }
    }
}

/// <summary>B-AS-4: when a scheduled action runs next, inside its StartTime / EndTime window.</summary>
public static class ScheduledRuns
{
    public static DateTimeOffset? Next(Schedule schedule, DateTimeOffset after, DateTimeOffset created, DateTimeOffset? start, DateTimeOffset? end)
    {
        var anchor = start ?? created;
        var from = start is { } s && s - TimeSpan.FromTicks(1) > after ? s - TimeSpan.FromTicks(1) : after;
        var next = schedule.NextAfter(from, anchor);
        return next is { } n && (end is null || n <= end) ? n : null;
    }
}
