namespace Emulator.Model.Catalog;

/// <summary>Container instance attribute rules (B-CI-6).</summary>
public static class InstanceAttributes
{
    /// <summary>At most 10 custom attributes per instance.</summary>
    public const int MaxCustom = 10;

    /// <summary>The agent's own attributes (ecs.*) are built in and read-only.</summary>
    public static bool IsBuiltIn(string name) => name.StartsWith("ecs.", StringComparison.Ordinal);

    public static bool IsValidName(string name) =>
        name.Length is > 0 and <= 128 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '/' or '.' or '@');
}
