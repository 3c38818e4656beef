using System.Globalization;

namespace Emulator.Model.Time;

/// <summary>Durations as scenario files and docker labels write them: "90s", "10m", "1h", "1h30m", "250ms", or bare seconds.</summary>
public static class Durations
{
    public static TimeSpan? TryParse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var s = text.Trim();
        if (double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var bare))
        {
            return bare >= 0 && bare < TimeSpan.MaxValue.TotalSeconds ? TimeSpan.FromSeconds(bare) : null;
        }

        var total = TimeSpan.Zero;
        var i = 0;
        while (i < s.Length)
        {
            var start = i;
            while (i < s.Length && (char.IsAsciiDigit(s[i]) || s[i] == '.'))
            {
                i++;
            }

            if (i == start || !double.TryParse(s[start..i], NumberStyles.Float, CultureInfo.InvariantCulture, out var n))
            {
                return null;
            }

            var unitStart = i;
            while (i < s.Length && char.IsAsciiLetter(s[i]))
            {
                i++;
            }

            TimeSpan? part = s[unitStart..i] switch
            {
                "ms" => TimeSpan.FromMilliseconds(n),
                "s" => TimeSpan.FromSeconds(n),
                "m" => TimeSpan.FromMinutes(n),
                "h" => TimeSpan.FromHours(n),
                "d" => TimeSpan.FromDays(n),
                _ => null,
            };
            if (part is not { } p)
            {
                return null;
            }

            total += p;
        }

        return total;
    }
}
