using System.Text;

namespace Emulator.Model.Catalog;

/// <summary>What the ECS agent of an instance learns from its user data (B-ASG-2, B-SP-2).</summary>
public sealed record EcsAgentSettings(string ClusterName, bool SpotInstanceDraining);

/// <summary>
/// Reads an instance's user data the way the ECS agent ends up reading /etc/ecs/ecs.config: the user data is a
/// shell script (or a plain KEY=value file) that writes ECS_* lines, usually as
/// <c>echo ECS_CLUSTER=name &gt;&gt; /etc/ecs/ecs.config</c>, possibly quoted, or inside a heredoc. The last
/// assignment wins, as in the agent's config file. Known gap: variables, conditionals and MIME multi-part
/// cloud-init sections are not interpreted; the ECS_* assignments are found textually in them.
/// </summary>
public static class EcsAgentConfig
{
    public const string DefaultCluster = "default";

    /// <summary>Parses base64 user data (as the EC2 and Auto Scaling APIs carry it); invalid base64 is read as plain text.</summary>
    public static EcsAgentSettings FromBase64(string? userData)
    {
        if (string.IsNullOrWhiteSpace(userData))
        {
            return Parse(null);
        }

        try
        {
            return Parse(Encoding.UTF8.GetString(Convert.FromBase64String(userData.Trim())));
        }
        catch (FormatException)
        {
            return Parse(userData);
        }
    }

    /// <summary>True when the text is valid base64 (the APIs require base64 user data).</summary>
    public static bool IsBase64(string userData)
    {
        var buffer = new byte[userData.Length];
        return Convert.TryFromBase64String(userData.Trim(), buffer, out _);
    }

    /// <summary>Parses decoded user data text.</summary>
    public static EcsAgentSettings Parse(string? text)
    {
        var cluster = DefaultCluster;
        var draining = false;
        foreach (var raw in (text ?? "").Split('\n'))
        {
            var line = raw.Trim().TrimEnd('\r');
            if (line.StartsWith('#'))
            {
                continue;
            }

            foreach (var (key, value) in Assignments(line))
            {
                switch (key)
                {
                    case "ECS_CLUSTER" when value.Length > 0:
                        cluster = value;
                        break;
                    case "ECS_ENABLE_SPOT_INSTANCE_DRAINING":
                        draining = value.Equals("true", StringComparison.OrdinalIgnoreCase);
                        break;
                }
            }
        }

        return new EcsAgentSettings(cluster, draining);
    }

    /// <summary>ECS_* assignments in one line: <c>ECS_X=value</c> up to whitespace, a quote, <c>&gt;</c>, <c>;</c> or <c>|</c>.</summary>
    private static IEnumerable<(string Key, string Value)> Assignments(string line)
    {
        var i = 0;
        while ((i = line.IndexOf("ECS_", i, StringComparison.Ordinal)) >= 0)
        {
            var startOk = i == 0 || !(char.IsLetterOrDigit(line[i - 1]) || line[i - 1] == '_');
            var eq = i;
            while (eq < line.Length && (char.IsLetterOrDigit(line[eq]) || line[eq] == '_'))
            {
                eq++;
            }

            if (!startOk || eq >= line.Length || line[eq] != '=')
            {
                i = eq + 1;
                continue;
            }

            var key = line[i..eq];
            var start = eq + 1;
            var quote = start < line.Length && line[start] is '"' or '\'' ? line[start] : '\0';
            if (quote != '\0')
            {
                start++;
            }

            var end = start;
            while (end < line.Length && (quote != '\0' ? line[end] != quote : !(char.IsWhiteSpace(line[end]) || line[end] is '"' or '\'' or '>' or ';' or '|' or '&')))
            {
                end++;
            }

            yield return (key, line[start..end]);
            i = end;
        }
    }
}
