using Emulator.Client.Chaos;
using Emulator.Contracts;

namespace Emulator.Tests.Client;

/// <summary>Experiment files (FIS JSON templates and the YAML form) are checked before anything is injected.</summary>
public sealed class ExperimentParserTests
{
    private const string TwoActionTemplate = """
        {
          "description": "interrupt one Spot instance, then stop two web tasks",
          "targets": {
            "spot": {
              "resourceType": "aws:ec2:spot-instance",
              "resourceTags": { "team": "web" },
              "filters": [ { "path": "Placement.AvailabilityZone", "values": ["us-east-1a"] }, { "path": "State.Name", "values": ["running"] } ],
              "selectionMode": "COUNT(1)"
            },
            "webTasks": {
              "resourceType": "aws:ecs:task",
              "parameters": { "cluster": "demo", "service": "web" },
              "selectionMode": "PERCENT(50)"
            }
          },
          "actions": {
            "stopSome": {
              "actionId": "aws:ecs:stop-task",
              "targets": { "Tasks": "webTasks" },
              "startAfter": ["interrupt"]
            },
            "interrupt": {
              "actionId": "aws:ec2:send-spot-instance-interruptions",
              "parameters": { "durationBeforeInterruption": "PT2M" },
              "targets": { "SpotInstances": "spot" }
            }
          },
          "stopConditions": [ { "source": "none" } ],
          "roleArn": "arn:aws:iam::123456789012:role/fis"
        }
        """;

    [Fact]
    public void FIS_template_parses_with_targets_selection_and_startAfter_order()
    {
        var x = ExperimentParser.Parse(TwoActionTemplate, "demo");
        Assert.Equal(["interrupt", "stopSome"], x.Actions.Select(a => a.Name));
        var spot = x.Targets["spot"];
        Assert.Equal("aws:ec2:spot-instance", spot.ResourceType);
        Assert.Equal(ChaosSelection.Count(1), spot.Selection);
        Assert.Equal("us-east-1a", spot.AvailabilityZone);
        Assert.Equal("web", spot.Tags["team"]);
        Assert.Equal("demo", spot.Cluster);
        var tasks = x.Targets["webTasks"];
        Assert.Equal("web", tasks.Service);
        Assert.Equal(SelectionMode.PERCENT, tasks.Selection.Mode);
        Assert.Equal(50, tasks.Selection.Value);
        Assert.Empty(x.StopConditions);
    }

    [Fact]
    public void Instance_ARNs_become_instance_ids_and_cluster_ARN_names_the_cluster()
    {
        var x = ExperimentParser.Parse("""
            targets:
              one: { resourceType: "aws:ec2:instance", resourceArns: ["arn:aws:ec2:us-east-1:123456789012:instance/i-0abc"], selectionMode: ALL }
              c: { resourceType: "aws:ecs:cluster", resourceArns: ["arn:aws:ecs:us-east-1:123456789012:cluster/prod"], selectionMode: ALL }
            actions:
              kill: { actionId: "aws:ec2:terminate-instances", targets: { Instances: one } }
              drain: { actionId: "aws:ecs:drain-container-instances", parameters: { drainagePercentage: "25", duration: PT5M }, targets: { Clusters: c } }
            cluster: prod
            """);
        Assert.Equal(["i-0abc"], x.Targets["one"].Ids.ToArray());
        Assert.Equal("prod", x.Targets["c"].Cluster);
    }

    [Theory]
    [InlineData("aws:ec2:reboot-instances", "unknown action 'aws:ec2:reboot-instances'")]
    [InlineData("aws:ecs:stop-task", "acts on aws:ecs:task, but target 'spot' is aws:ec2:spot-instance")]
    public void Unknown_action_or_wrong_target_type_is_rejected(string actionId, string message)
    {
        var role = actionId == "aws:ecs:stop-task" ? "Tasks" : "SpotInstances";
        var e = Assert.Throws<ExperimentException>(() => ExperimentParser.Parse($$"""
            { "targets": { "spot": { "resourceType": "aws:ec2:spot-instance", "selectionMode": "ALL" } },
              "actions": { "a": { "actionId": "{{actionId}}", "targets": { "{{role}}": "spot" } } } }
            """, "demo"));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"selectionMode\": \"SOME\"", "selectionMode must be ALL, COUNT(n) or PERCENT(p)")]
    [InlineData("\"selectionMode\": \"COUNT(0)\"", "COUNT(n) needs a whole number n >= 1")]
    [InlineData("\"selectionMode\": \"PERCENT(150)\"", "PERCENT(p) needs 0 < p <= 100")]
    [InlineData("\"selectionMode\": \"ALL\", \"filters\": [ { \"path\": \"Tags.Name\", \"values\": [\"x\"] } ]", "unsupported filter path 'Tags.Name'")]
    [InlineData("\"selectionMode\": \"ALL\", \"filters\": [ { \"path\": \"State.Name\", \"values\": [\"stopped\"] } ]", "only running instances")]
    public void Bad_target_is_rejected_with_the_reason(string targetBody, string message)
    {
        var e = Assert.Throws<ExperimentException>(() => ExperimentParser.Parse($$"""
            { "targets": { "spot": { "resourceType": "aws:ec2:spot-instance", {{targetBody}} } },
              "actions": { "a": { "actionId": "aws:ec2:send-spot-instance-interruptions", "parameters": { "durationBeforeInterruption": "PT2M" }, "targets": { "SpotInstances": "spot" } } } }
            """, "demo"));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
        Assert.Contains("target 'spot'", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"targets\": { \"SpotInstances\": \"missing\" }, \"parameters\": { \"durationBeforeInterruption\": \"PT2M\" }", "target 'missing' is not defined")]
    [InlineData("\"targets\": { \"SpotInstances\": \"spot\" }", "needs the parameter 'durationBeforeInterruption'")]
    [InlineData("\"targets\": { \"SpotInstances\": \"spot\" }, \"parameters\": { \"durationBeforeInterruption\": \"PT1M\" }", "between PT2M and PT15M")]
    [InlineData("\"targets\": { \"SpotInstances\": \"spot\" }, \"parameters\": { \"durationBeforeInterruption\": \"soon\" }", "is not a duration")]
    [InlineData("\"targets\": { \"SpotInstances\": \"spot\" }, \"parameters\": { \"durationBeforeInterruption\": \"PT2M\", \"x\": \"1\" }", "has no parameter 'x'")]
    [InlineData("\"targets\": { \"SpotInstances\": \"spot\" }, \"parameters\": { \"durationBeforeInterruption\": \"PT2M\" }, \"startAfter\": [\"nope\"]", "startAfter names 'nope'")]
    public void Bad_action_is_rejected_with_the_reason(string actionBody, string message)
    {
        var e = Assert.Throws<ExperimentException>(() => ExperimentParser.Parse($$"""
            { "targets": { "spot": { "resourceType": "aws:ec2:spot-instance", "selectionMode": "ALL" } },
              "actions": { "a": { "actionId": "aws:ec2:send-spot-instance-interruptions", {{actionBody}} } } }
            """, "demo"));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void StartAfter_cycle_is_rejected()
    {
        var e = Assert.Throws<ExperimentException>(() => ExperimentParser.Parse("""
            actions:
              a: { actionId: "aws:fis:wait", parameters: { duration: PT1M }, startAfter: [b] }
              b: { actionId: "aws:fis:wait", parameters: { duration: PT1M }, startAfter: [a] }
            """, "demo"));
        Assert.Contains("cycle", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_failed_requests_window_must_be_a_positive_duration_over_the_whole_experiment()
    {
        static string Text(string check) => $$"""
            cluster: c1
            steadyState:
              - { failedRequestsPercent: 0, {{check}} }
            actions: { w: { actionId: "aws:fis:wait", parameters: { duration: PT1M } } }
            """;
        Assert.Equal("3m", ExperimentParser.Parse(Text("window: 3m")).SteadyState.Single().Condition.Opt("window"));
        Assert.Contains("window is a positive duration", Assert.Throws<ExperimentException>(() => ExperimentParser.Parse(Text("window: 0s"))).Message, StringComparison.Ordinal);
        Assert.Contains("window is a positive duration", Assert.Throws<ExperimentException>(() => ExperimentParser.Parse(Text("window: 3m, service: web"))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_cluster_is_rejected_unless_given()
    {
        const string text = """
            targets: { t: { resourceType: "aws:ec2:instance", selectionMode: ALL } }
            actions: { kill: { actionId: "aws:ec2:terminate-instances", targets: { Instances: t } } }
            """;
        Assert.Contains("names no cluster", Assert.Throws<ExperimentException>(() => ExperimentParser.Parse(text)).Message, StringComparison.Ordinal);
        Assert.Equal("c1", ExperimentParser.Parse(text, "c1").Targets["t"].Cluster);
    }

    [Fact]
    public void YAML_form_reads_setup_steady_state_and_stop_conditions()
    {
        var x = ExperimentParser.Parse("""
            name: storm
            cluster: demo
            setup:
              - createCluster: { name: demo }
            steadyState:
              - failedRequestsPercent: 0.1
                service: web
              - serviceAtDesired: web
                within: 5m
              - runningTasks: 4
                service: web
                op: ">="
            targets:
              half: { resourceType: "aws:ec2:spot-instance", capacityProvider: spot-cp, selectionMode: "PERCENT(50)" }
            actions:
              storm: { actionId: "aws:ec2:send-spot-instance-interruptions", parameters: { durationBeforeInterruption: 2m }, targets: { SpotInstances: half } }
            stopConditions:
              - source: "emulator:steady-state"
            observeFor: 15m
            sampleEvery: 20s
            """);
        Assert.Equal("storm", x.Name);
        Assert.Single(x.Setup);
        Assert.Equal(["failedRequestsPercent", "serviceAtDesired", "runningTasks"], x.SteadyState.Select(p => p.Kind));
        Assert.Equal(TimeSpan.FromMinutes(5), x.SteadyState[1].Within);
        Assert.Equal("demo", x.SteadyState[2].Condition.Opt("cluster"));
        Assert.Equal("spot-cp", x.Targets["half"].CapacityProvider);
        Assert.Equal(TimeSpan.FromMinutes(15), x.ObserveFor);
        Assert.Equal(TimeSpan.FromSeconds(20), x.SampleEvery);
        Assert.Single(x.StopConditions);
    }

    [Theory]
    [InlineData("- failedRequestsPercent: 120", "between 0 and 100")]
    [InlineData("- failedRequestsPercent: 1\n    runningTasks: 3", "exactly one check")]
    [InlineData("- serviceAtDesired: web\n    tolerance: 1", "unknown argument 'tolerance'")]
    [InlineData("- runningTasks: lots", "must be a number")]
    public void Bad_steady_state_is_rejected(string check, string message)
    {
        var e = Assert.Throws<ExperimentException>(() => ExperimentParser.Parse($$"""
            cluster: demo
            steadyState:
              {{check}}
            actions:
              w: { actionId: "aws:fis:wait", parameters: { duration: PT1M } }
            """));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CloudWatch_alarm_stop_condition_is_rejected_as_not_modelled()
    {
        var e = Assert.Throws<ExperimentException>(() => ExperimentParser.Parse("""
            actions: { w: { actionId: "aws:fis:wait", parameters: { duration: PT1M } } }
            stopConditions: [ { source: "aws:cloudwatch:alarm", value: "arn:aws:cloudwatch:us-east-1:1:alarm:x" } ]
            """, "demo"));
        Assert.Contains("not modelled", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Shipped_experiment_files_are_valid()
    {
        var dir = Path.Combine(ScenarioParserTests.RepoRoot(), "experiments");
        var files = Directory.GetFiles(dir).Where(f => f.EndsWith(".json", StringComparison.Ordinal) || f.EndsWith(".yaml", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(files);
        foreach (var f in files)
        {
            var x = ExperimentParser.Parse(File.ReadAllText(f), "demo", Path.GetFileName(f));
            Assert.NotEmpty(x.Actions);
        }
    }
}
