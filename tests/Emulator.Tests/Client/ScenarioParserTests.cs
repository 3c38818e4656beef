using Emulator.Client.Scenarios;

namespace Emulator.Tests.Client;

public sealed class ScenarioParserTests
{
    private const string Good = """
        name: demo
        steps:
          - createCluster: { name: walk }
          - registerTaskDefinition: { family: web, cpu: 256, memory: 512 }
          - waitFor: { runningTasks: 3, cluster: walk, timeout: 90s }
          - assert: { capacityProviderReservation: 100, capacityProvider: cp, op: ">=" }
        """;

    [Fact]
    public void Parses_steps_with_lines_and_applies_the_suffix_to_names()
    {
        var s = ScenarioParser.Parse(Good, "-x");
        Assert.Equal("demo", s.Name);
        Assert.Equal(4, s.Steps.Count);
        Assert.Equal("walk-x", s.Steps[0].Str("name"));
        Assert.Equal("web-x", s.Steps[1].Str("family"));
        Assert.Equal("256", s.Steps[1].Str("cpu"));
        Assert.Equal(TimeSpan.FromSeconds(90), s.Steps[2].Duration("timeout"));
        Assert.Equal("cp-x", s.Steps[3].Str("capacityProvider"));
        Assert.Equal(5, s.Steps[2].Line);
    }

    [Theory]
    [InlineData("name: x\nsteps:\n  - explode: { a: 1 }\n", "unknown step 'explode'")]
    [InlineData("name: x\nsteps:\n  - createCluster: { }\n", "'name' is required")]
    [InlineData("name: x\nsteps:\n  - createCluster: { name: a, color: red }\n", "unknown argument 'color'")]
    [InlineData("name: x\nsteps:\n  - waitFor: { timeout: 5m }\n", "exactly one condition")]
    [InlineData("name: x\nsteps:\n  - waitFor: { runningTasks: 1, provisioningTasks: 1, cluster: a }\n", "exactly one condition")]
    [InlineData("name: x\nsteps:\n  - waitFor: { runningTasks: 1, cluster: a, timeout: soon }\n", "not a duration")]
    [InlineData("name: x\nsteps:\n  - registerTaskDefinition: { family: a, cpu: lots, memory: 1 }\n", "must be an integer")]
    [InlineData("name: x\nsteps:\n  - assert: { runningTasks: 1, cluster: a, op: \"~\" }\n", "op must be")]
    [InlineData("name: x\nsteps: []\n", "non-empty list")]
    [InlineData("name: x\nsteps:\n  - [a, b]\n", "exactly one key")]
    [InlineData("name: [unclosed\n", "line")]
    public void Bad_files_fail_with_the_line_and_reason(string yaml, string expected)
    {
        var e = Assert.Throws<ScenarioException>(() => ScenarioParser.Parse(yaml, null));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("90s", 90)]
    [InlineData("10m", 600)]
    [InlineData("1h30m", 5400)]
    [InlineData("45", 45)]
    public void Durations(string text, int seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), ScenarioStep.ParseDuration(text, "t"));

    [Fact]
    public void Shipped_scenarios_are_valid()
    {
        var files = Directory.GetFiles(Path.Combine(RepoRoot(), "scenarios"), "*.yaml");
        Assert.True(files.Length >= 4);
        foreach (var f in files)
        {
            Assert.NotEmpty(ScenarioParser.Parse(File.ReadAllText(f), null).Steps);
        }
    }

    internal static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Emulator.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Emulator.sln not found above " + AppContext.BaseDirectory);
    }
}
