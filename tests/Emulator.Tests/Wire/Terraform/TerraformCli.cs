using System.Diagnostics;
using System.Text.Json;
using Xunit.Abstractions;

namespace Emulator.Tests.Wire;

/// <summary>
/// The real Terraform CLI and the hashicorp/aws provider from a local filesystem mirror (nothing is downloaded):
/// <c>terraform</c> on PATH (or <c>EMULATOR_TERRAFORM</c>), the mirror at <c>/opt/tf-plugins</c> (or
/// <c>EMULATOR_TF_PLUGIN_MIRROR</c>). <see cref="Unavailable"/> says in plain words why the Terraform tests cannot run
/// on this machine, or null when they can.
/// </summary>
public static class TerraformCli
{
    public const string DefaultMirror = "/opt/tf-plugins";

    private static readonly Lazy<(string? Binary, string? Why)> Probe = new(Find);

    public static string Mirror => Environment.GetEnvironmentVariable("EMULATOR_TF_PLUGIN_MIRROR") is { Length: > 0 } m ? m : DefaultMirror;

    public static string Binary => Probe.Value.Binary ?? throw new InvalidOperationException(Unavailable);

    /// <summary>Why the Terraform tests cannot run here (missing CLI or provider mirror), or null.</summary>
    public static string? Unavailable => Probe.Value.Why;

    private static (string? Binary, string? Why) Find()
    {
        var binary = Environment.GetEnvironmentVariable("EMULATOR_TERRAFORM") is { Length: > 0 } b ? b
            : (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
                .Select(d => Path.Combine(d, "terraform")).FirstOrDefault(File.Exists);
        if (binary is null || !File.Exists(binary))
        {
            return (null, "terraform is not installed on this machine (no terraform on PATH; set EMULATOR_TERRAFORM to its path).");
        }

        var provider = Path.Combine(Mirror, "registry.terraform.io", "hashicorp", "aws");
        if (!Directory.Exists(provider) || Directory.GetDirectories(provider).Length == 0)
        {
            return (null, $"the hashicorp/aws provider is not in a local filesystem mirror ({provider} is missing; set EMULATOR_TF_PLUGIN_MIRROR), and the tests download nothing.");
        }

        return (binary, null);
    }
}

/// <summary>A test that runs Terraform: skipped, with the reason in the test output, where Terraform cannot run.</summary>
public sealed class TerraformFactAttribute : FactAttribute
{
    public TerraformFactAttribute()
    {
        if (TerraformCli.Unavailable is { } why)
        {
            Skip = "The Terraform tests did not run: " + why;
        }
    }
}

/// <summary>A silo of its own for one Terraform test class, started only where the Terraform tests can run.</summary>
public sealed class TerraformSiloFixture : IAsyncLifetime
{
    private readonly SiloProcessFixture _silo = new();

    public string Endpoint => _silo.Endpoint;

    public Task InitializeAsync() => TerraformCli.Unavailable is null ? _silo.InitializeAsync() : Task.CompletedTask;

    public Task DisposeAsync() => _silo.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class TerraformCollection
{
    /// <summary>Terraform test classes run one after another (each against a silo of its own), not beside each other.</summary>
    public const string Name = "terraform";
}

/// <summary>
/// One Terraform working directory: a copy of a configuration (an example under <c>examples/terraform</c> or a test
/// configuration under <c>tests/terraform</c>) pointed at a silo, initialised from the provider mirror. Every command
/// runs the real CLI; its output goes to the test's output, and a failing command fails the test with its output.
/// </summary>
public sealed class TerraformWorkspace : IDisposable
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(25);

    private readonly string _dir;
    private readonly ITestOutputHelper _output;
    private readonly Dictionary<string, string> _variables;

    private TerraformWorkspace(string dir, ITestOutputHelper output, Dictionary<string, string> variables)
    {
        _dir = dir;
        _output = output;
        _variables = variables;
    }

    public sealed record Result(int ExitCode, string Stdout, string Stderr, TimeSpan Elapsed);

    /// <summary>Wall time of each command run, for the figures the tests print.</summary>
    public List<(string Command, TimeSpan Elapsed)> Timings { get; } = [];

    /// <summary>Copies <paramref name="configuration"/> (a path under the repository root) and runs terraform init.</summary>
    public static async Task<TerraformWorkspace> Create(string configuration, string endpoint, ITestOutputHelper output, params (string Name, string Value)[] variables)
    {
        var source = Path.Combine(Emulator.Tests.Client.ScenarioParserTests.RepoRoot(), configuration);
        Assert.True(Directory.Exists(source), $"no Terraform configuration at {source}");
        var dir = Directory.CreateTempSubdirectory("emulator-tf-").FullName;
        foreach (var file in Directory.GetFiles(source, "*.tf"))
        {
            File.Copy(file, Path.Combine(dir, Path.GetFileName(file)));
        }

        File.WriteAllText(Path.Combine(dir, "emulator.tfrc"), $$"""
            provider_installation {
              filesystem_mirror {
                path    = "{{TerraformCli.Mirror}}"
                include = ["registry.terraform.io/hashicorp/aws"]
              }
              direct {
                exclude = ["registry.terraform.io/hashicorp/aws"]
              }
            }
            """);
        var vars = new Dictionary<string, string>(StringComparer.Ordinal) { ["emulator_endpoint"] = endpoint };
        foreach (var (name, value) in variables)
        {
            vars[name] = value;
        }

        var workspace = new TerraformWorkspace(dir, output, vars);
        var init = await workspace.Run(["init", "-input=false", "-no-color"]);
        Assert.True(init.ExitCode == 0, "terraform init failed:\n" + init.Stdout + init.Stderr);
        return workspace;
    }

    /// <summary>terraform apply; fails the test unless it succeeds.</summary>
    public async Task<Result> Apply(params (string Name, string Value)[] variables)
    {
        var r = await Run(["apply", "-auto-approve", "-input=false", "-no-color", .. Vars(variables)]);
        Assert.True(r.ExitCode == 0, "terraform apply failed:\n" + Tail(r));
        return r;
    }

    /// <summary>terraform plan -detailed-exitcode: 0 = no changes, 2 = changes (the plan is in the test output), 1 = error.</summary>
    public async Task<Result> Plan(params (string Name, string Value)[] variables) =>
        await Run(["plan", "-detailed-exitcode", "-input=false", "-no-color", .. Vars(variables)]);

    /// <summary>Asserts a second plan finds no differences (reads return exactly what was written).</summary>
    public async Task AssertNoDrift(params (string Name, string Value)[] variables)
    {
        var plan = await Plan(variables);
        Assert.True(plan.ExitCode == 0, $"terraform plan found drift (exit {plan.ExitCode}):\n" + Tail(plan, 12_000));
    }

    public async Task<Result> Destroy(params (string Name, string Value)[] variables)
    {
        var r = await Run(["destroy", "-auto-approve", "-input=false", "-no-color", .. Vars(variables)]);
        Assert.True(r.ExitCode == 0, "terraform destroy failed:\n" + Tail(r));
        return r;
    }

    /// <summary>The configuration's outputs (terraform output -json), by name.</summary>
    public async Task<JsonElement> Outputs()
    {
        var r = await Run(["output", "-json", "-no-color"]);
        Assert.True(r.ExitCode == 0, "terraform output failed:\n" + Tail(r));
        return JsonDocument.Parse(r.Stdout).RootElement;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
            // best effort: a temp directory
        }
    }

    private IEnumerable<string> Vars((string Name, string Value)[] overrides)
    {
        var all = new Dictionary<string, string>(_variables, StringComparer.Ordinal);
        foreach (var (name, value) in overrides)
        {
            all[name] = value;
        }

        return all.SelectMany(kv => new[] { "-var", $"{kv.Key}={kv.Value}" });
    }

    private async Task<Result> Run(string[] args)
    {
        var info = new ProcessStartInfo(TerraformCli.Binary)
        {
            WorkingDirectory = _dir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        info.Environment["TF_CLI_CONFIG_FILE"] = Path.Combine(_dir, "emulator.tfrc");
        info.Environment["TF_IN_AUTOMATION"] = "1";
        info.Environment["TF_INPUT"] = "0";
        info.Environment["CHECKPOINT_DISABLE"] = "1";
        info.Environment.Remove("TF_LOG");
        info.Environment.Remove("TF_LOG_PATH");
        info.Environment["TF_DATA_DIR"] = Path.Combine(_dir, ".terraform");

        var sw = Stopwatch.StartNew();
        using var p = Process.Start(info)!;
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(CommandTimeout);
        try
        {
            await p.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            await p.WaitForExitAsync();
            Assert.Fail($"terraform {args[0]} did not finish within {CommandTimeout}:\n{await stdout}\n{await stderr}");
        }

        var result = new Result(p.ExitCode, await stdout, await stderr, sw.Elapsed);
        Timings.Add((args[0], result.Elapsed));
        var shown = args.Where((a, i) => !a.StartsWith("emulator_endpoint=", StringComparison.Ordinal)
            && !(a == "-var" && i + 1 < args.Length && args[i + 1].StartsWith("emulator_endpoint=", StringComparison.Ordinal)));
        _output.WriteLine(CultureInfo($"$ terraform {string.Join(' ', shown)}  ({result.Elapsed.TotalSeconds:F1} s, exit {result.ExitCode})"));
        _output.WriteLine(Tail(result, 4_000));
        return result;
    }

    private static string CultureInfo(FormattableString s) => s.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static string Tail(Result r, int max = 8_000)
    {
        var text = r.Stdout + (r.Stderr.Length > 0 ? "\n" + r.Stderr : "");
        return text.Length <= max ? text : "…" + text[^max..];
    }
}
