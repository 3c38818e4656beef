using Emulator.Silo.Aws;
using Emulator.Tests.Client;

namespace Emulator.Tests.Wire;

/// <summary>docs/coverage.md lists exactly the operations the endpoint implements (STYLE: a coverage list).</summary>
public sealed class CoverageTests
{
    [Fact]
    public void Coverage_list_matches_the_operation_table()
    {
        var listed = File.ReadAllLines(Path.Combine(ScenarioParserTests.RepoRoot(), "docs", "coverage.md"))
            .Where(l => l.StartsWith("| `", StringComparison.Ordinal))
            .Select(l => l.Split('`')[1])
            .Order(StringComparer.Ordinal)
            .ToList();
        Assert.Equal(OperationTable.Instance.Operations.ToList(), listed);
    }
}
