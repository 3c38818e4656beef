using System.Diagnostics;
using System.Text.Json;

namespace Emulator.Tests.Wire;

/// <summary>Runs the real AWS CLI (Debian's awscli, /usr/bin/aws) against the silo with dummy credentials.</summary>
public sealed class AwsCli(string endpoint)
{
    public const string Path = "/usr/bin/aws";

    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        public JsonElement Json => JsonDocument.Parse(Stdout).RootElement;
    }

    public async Task<Result> Run(params string[] args)
    {
        Assert.True(File.Exists(Path), "the wire tests need Debian's awscli (test.sh installs it): " + Path);
        var info = new ProcessStartInfo(Path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("--endpoint-url");
        info.ArgumentList.Add(endpoint);
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        info.Environment["AWS_ACCESS_KEY_ID"] = "x";
        info.Environment["AWS_SECRET_ACCESS_KEY"] = "x";
        info.Environment["AWS_DEFAULT_REGION"] = "us-east-1";
        info.Environment["AWS_MAX_ATTEMPTS"] = "1";
        info.Environment["AWS_PAGER"] = "";
        using var p = Process.Start(info)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        return new Result(p.ExitCode, await stdout, await stderr);
    }

    public async Task<JsonElement> Json(params string[] args)
    {
        var r = await Run([.. args, "--output", "json"]);
        Assert.True(r.ExitCode == 0, $"aws {string.Join(' ', args)} failed: {r.Stderr}");
        return r.Json;
    }
}
