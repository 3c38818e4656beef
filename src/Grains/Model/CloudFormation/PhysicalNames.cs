using System.Text;

namespace Emulator.Model.CloudFormation;

/// <summary>
/// B-CFN-10: the name CloudFormation gives a resource whose template names none — the stack's name, the logical id and
/// a random suffix, each part shortened to fit the resource type's limit (a target group's 32 characters, a role's
/// 64, ...), in the characters the type allows.
/// </summary>
public static class PhysicalNames
{
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

    /// <param name="allowed">The characters the type allows besides letters and digits ('-' kept as the separator when allowed).</param>
    public static string Generate(string stackName, string logicalId, int maxLength, Random random, string allowed = "-_", bool lowercase = false)
    {
        var separator = allowed.Contains('-', StringComparison.Ordinal) ? "-" : "";
        var suffixLength = maxLength >= 40 ? 12 : Math.Max(4, Math.Min(12, maxLength / 3));
        var suffix = new StringBuilder(suffixLength);
        for (var i = 0; i < suffixLength; i++)
        {
            suffix.Append(Alphabet[random.Next(Alphabet.Length)]);
        }

        string Clean(string s) => new([.. s.Where(c => char.IsAsciiLetterOrDigit(c) || allowed.Contains(c, StringComparison.Ordinal))]);
        var stack = Clean(stackName);
        var logical = Clean(logicalId);
        var budget = maxLength - suffixLength - (2 * separator.Length);
        if (stack.Length + logical.Length > budget)
        {
            var half = budget / 2;
            var stackPart = Math.Min(stack.Length, Math.Max(half, budget - logical.Length));
            stack = stack[..stackPart];
            logical = logical[..Math.Min(logical.Length, budget - stackPart)];
        }

        var name = string.Join(separator, new[] { stack, logical, suffix.ToString() }.Where(p => p.Length > 0));
        return lowercase ? name.ToLowerInvariant() : name;
    }
}
