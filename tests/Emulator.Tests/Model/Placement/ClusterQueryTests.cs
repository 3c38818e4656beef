using Emulator.Contracts;
using Emulator.Model.Placement;
using static Emulator.Tests.Model.Placement.TestInstances;

namespace Emulator.Tests.Model.Placement;

/// <summary>B-PL-4: the cluster query language of memberOf constraints.</summary>
public sealed class ClusterQueryTests
{
    private static readonly ContainerInstanceRecord Instance = Make(
        "ci-1",
        type: "t3.small",
        az: "us-east-1a",
        attributes:
        [
            Kv("ecs.instance-type", "t2.micro"),
            Kv("stack", "prod"),
            Kv("weight", "10"),
            Kv("flag", ""),
            Kv("note", "hello world"),
        ],
        registeredAt: new DateTimeOffset(2019, 6, 15, 12, 0, 0, TimeSpan.Zero),
        running: 3,
        groups: [Kv("service:web", 2), Kv("family:batch", 1), Kv("service:old", 0)]);

    [Theory]
    // attribute:NAME with every operator
    [InlineData("attribute:ecs.instance-type == t2.micro", true)]
    [InlineData("attribute:ecs.instance-type == t2.small", false)]
    [InlineData("attribute:ecs.instance-type == t2.*", true)]
    [InlineData("attribute:ecs.instance-type == *.micro", true)]
    [InlineData("attribute:ecs.instance-type == t3.*", false)]
    [InlineData("attribute:ecs.instance-type != t2.*", false)]
    [InlineData("attribute:ecs.instance-type != m5.large", true)]
    [InlineData(@"attribute:ecs.instance-type =~ t2\..*", true)]
    [InlineData("attribute:ecs.instance-type =~ t2", false)]
    [InlineData("attribute:ecs.instance-type =~ 't2.(micro|small)'", true)]
    [InlineData("attribute:ecs.instance-type !~ m5.*", true)]
    [InlineData("attribute:ecs.instance-type !~ t2.*", false)]
    [InlineData("attribute:ecs.availability-zone in [us-east-1a, us-east-1b]", true)]
    [InlineData("attribute:ecs.availability-zone in ['us-east-1c']", false)]
    [InlineData("attribute:ecs.availability-zone !in [us-east-1a, us-east-1b]", false)]
    [InlineData("attribute:ecs.availability-zone !in [us-east-1c]", true)]
    [InlineData("attribute:ecs.availability-zone ! in [us-east-1c]", true)]
    [InlineData("attribute:stack exists", true)]
    [InlineData("attribute:flag exists", true)]
    [InlineData("attribute:missing exists", false)]
    [InlineData("attribute:missing !exists", true)]
    [InlineData("attribute:stack !exists", false)]
    [InlineData("attribute:missing == x", false)]
    [InlineData("attribute:missing != x", true)]
    [InlineData("attribute:missing in [x]", false)]
    [InlineData("attribute:missing > 0", false)]
    [InlineData("attribute:weight > 9", true)]
    [InlineData("attribute:weight >= 10", true)]
    [InlineData("attribute:weight < 10", false)]
    [InlineData("attribute:weight <= 10", true)]
    [InlineData("attribute:weight == 10.0", true)]
    [InlineData("attribute:stack > prod", false)]
    [InlineData("attribute:stack >= prod", true)]
    [InlineData("attribute:stack < q", true)]
    [InlineData("attribute:stack == Prod", false)]
    [InlineData("attribute:ecs.os-type == linux", true)]
    [InlineData("attribute:ecs.cpu-architecture == x86_64", true)]
    [InlineData("attribute:ecs.ami-id exists", true)]
    [InlineData("attribute:ecs.vpc-id == vpc-0123abcd", true)]
    [InlineData("attribute:ecs.subnet-id == subnet-us-east-1a", true)]
    // quoting
    [InlineData("attribute:stack == 'prod'", true)]
    [InlineData("attribute:stack == \"prod\"", true)]
    [InlineData("attribute:note == 'hello world'", true)]
    [InlineData("attribute:note == \"hello world\"", true)]
    // ec2InstanceId
    [InlineData("ec2InstanceId == i-ci-1", true)]
    [InlineData("ec2InstanceId in ['i-abcd1234', \"i-ci-1\"]", true)]
    [InlineData("ec2InstanceId != i-ci-1", false)]
    [InlineData("ec2InstanceId =~ i-.*", true)]
    // agentConnected
    [InlineData("agentConnected == true", true)]
    [InlineData("agentConnected == FALSE", false)]
    [InlineData("agentConnected != false", true)]
    [InlineData("agentConnected in [true]", true)]
    // registeredAt
    [InlineData("registeredAt < 2020-01-01", true)]
    [InlineData("registeredAt < 2018-01-01", false)]
    [InlineData("registeredAt > 2019-06-15T11:59:59Z", true)]
    [InlineData("registeredAt >= 2019-06-15T12:00:00Z", true)]
    [InlineData("registeredAt <= 2019-06-15T12:00:00Z", true)]
    [InlineData("registeredAt == 2019-06-15T12:00:00Z", true)]
    [InlineData("registeredAt != 2019-06-15T12:00:00Z", false)]
    [InlineData("registeredAt > 2019-06-15T12:30:00+01:00", true)]
    [InlineData("registeredAt =~ 2019-06-.*", true)]
    // runningTasksCount
    [InlineData("runningTasksCount == 3", true)]
    [InlineData("runningTasksCount != 3", false)]
    [InlineData("runningTasksCount > 2", true)]
    [InlineData("runningTasksCount >= 4", false)]
    [InlineData("runningTasksCount < 10", true)]
    [InlineData("runningTasksCount <= 2", false)]
    [InlineData("runningTasksCount in [1, 3]", true)]
    [InlineData("runningTasksCount !in [1, 3]", false)]
    // task:group (groups with at least one task)
    [InlineData("task:group == service:web", true)]
    [InlineData("task:group == service:old", false)]
    [InlineData("task:group == service:*", true)]
    [InlineData("task:group != service:web", false)]
    [InlineData("task:group != service:api", true)]
    [InlineData("task:group in [service:api, family:batch]", true)]
    [InlineData("task:group !in [service:api, service:old]", true)]
    [InlineData("task:group =~ family:.*", true)]
    [InlineData("task:group !~ family:.*", false)]
    [InlineData("task:group exists", true)]
    [InlineData("task:group !exists", false)]
    // logic and precedence: not > and > or
    [InlineData("not(task:group == service:web)", false)]
    [InlineData("!(task:group == service:web)", false)]
    [InlineData("not task:group == service:api", true)]
    [InlineData("attribute:stack == prod and runningTasksCount > 5", false)]
    [InlineData("attribute:stack == prod && runningTasksCount > 2", true)]
    [InlineData("attribute:stack == prod or runningTasksCount > 5", true)]
    [InlineData("attribute:stack == dev || runningTasksCount > 5", false)]
    [InlineData("attribute:stack == dev and runningTasksCount == 3 or agentConnected == true", true)]
    [InlineData("attribute:stack == dev and (runningTasksCount == 3 or agentConnected == true)", false)]
    [InlineData("agentConnected == true or attribute:stack == dev and runningTasksCount == 0", true)]
    [InlineData("(agentConnected == true or attribute:stack == dev) and runningTasksCount == 0", false)]
    [InlineData("not attribute:stack == dev and agentConnected == true", true)]
    [InlineData("not (attribute:stack == dev or agentConnected == true)", false)]
    [InlineData("!!(attribute:stack == prod)", true)]
    [InlineData("((attribute:stack == prod))", true)]
    [InlineData("attribute:ecs.instance-type =~ t2.* and attribute:ecs.availability-zone != us-east-1d", true)]
    // keywords are case-insensitive
    [InlineData("attribute:stack == prod AND agentConnected == true", true)]
    [InlineData("attribute:stack == dev Or AgentConnected == TRUE", true)]
    [InlineData("NOT(attribute:stack EXISTS)", false)]
    [InlineData("attribute:stack IN [prod]", true)]
    [InlineData("attribute:stack !IN [prod]", false)]
    [InlineData("attribute:stack !EXISTS", false)]
    [InlineData("RunningTasksCount == 3 and TASK:GROUP == family:batch", true)]
    public void B_PL_4_query_evaluates(string expression, bool expected)
    {
        Assert.Equal(expected, ClusterQuery.Parse(expression).Evaluate(Instance));
    }

    [Fact]
    public void B_PL_4_task_group_on_instance_without_tasks_exists_is_false()
    {
        var empty = Make("ci-2");
        Assert.False(ClusterQuery.Parse("task:group exists").Evaluate(empty));
        Assert.True(ClusterQuery.Parse("task:group !exists").Evaluate(empty));
        Assert.False(ClusterQuery.Parse("task:group == service:web").Evaluate(empty));
        Assert.True(ClusterQuery.Parse("not(task:group == service:web)").Evaluate(empty));
    }

    [Fact]
    public void B_PL_4_agent_connected_false_matches_disconnected_instance()
    {
        var lost = Make("ci-3", connected: false);
        Assert.True(ClusterQuery.Parse("agentConnected == false").Evaluate(lost));
        Assert.False(ClusterQuery.Parse("agentConnected == true").Evaluate(lost));
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("   ", "empty")]
    [InlineData("attribute:stack", "expected an operator")]
    [InlineData("attribute:stack ==", "expected a value")]
    [InlineData("attribute:stack prod", "expected an operator")]
    [InlineData("foo == bar", "unknown subject 'foo'")]
    [InlineData("task:name == x", "unknown subject")]
    [InlineData("attribute: == x", "invalid attribute name")]
    [InlineData("attribute:a$b == x", "invalid attribute name")]
    [InlineData("attribute:stack = prod", "unexpected '='")]
    [InlineData("attribute:stack == prod and", "expected a subject")]
    [InlineData("attribute:stack == prod or or agentConnected == true", "expected a subject")]
    [InlineData("and attribute:stack == prod", "expected a subject")]
    [InlineData("(attribute:stack == prod", "expected ')'")]
    [InlineData("attribute:stack == prod)", "unexpected ')'")]
    [InlineData("attribute:stack == prod agentConnected == true", "unexpected 'agentConnected'")]
    [InlineData("attribute:a == b c", "unexpected 'c'")]
    [InlineData("attribute:stack in prod", "expected '[' to start a list")]
    [InlineData("attribute:stack in [prod", "expected ',' or ']'")]
    [InlineData("attribute:stack in []", "expected a value")]
    [InlineData("attribute:stack in [a,]", "expected a value")]
    [InlineData("attribute:stack =~ '('", "invalid regular expression")]
    [InlineData("attribute:stack == 'prod", "unterminated quoted value")]
    [InlineData("attribute:stack == prod & agentConnected == true", "unexpected '&'")]
    [InlineData("attribute:stack == prod | agentConnected == true", "unexpected '|'")]
    [InlineData("runningTasksCount > many", "must be compared with a number")]
    [InlineData("runningTasksCount in [1, two]", "must be compared with a number")]
    [InlineData("registeredAt < yesterday", "must be compared with a date")]
    [InlineData("agentConnected == maybe", "true or false")]
    [InlineData("agentConnected > true", "cannot be ordered")]
    [InlineData("not", "expected a subject")]
    [InlineData("!exists", "unknown subject 'exists'")]
    [InlineData("attribute:stack !", "expected an operator")]
    [InlineData("[a] == b", "expected a subject")]
    public void B_PL_4_invalid_expression_is_rejected_with_a_clear_message(string expression, string fragment)
    {
        var e = Assert.Throws<ClusterQueryException>(() => ClusterQuery.Parse(expression));
        Assert.StartsWith("Invalid cluster query expression", e.Message, StringComparison.Ordinal);
        Assert.Contains(fragment, e.Message, StringComparison.Ordinal);
        Assert.False(ClusterQuery.TryParse(expression, out _, out var error));
        Assert.Equal(e.Message, error);
    }

    [Fact]
    public void B_PL_4_error_names_the_position()
    {
        var e = Assert.Throws<ClusterQueryException>(() => ClusterQuery.Parse("attribute:stack == prod )"));
        Assert.Contains("at position 25", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void B_PL_4_expression_longer_than_2000_characters_is_rejected()
    {
        var tooLong = "attribute:stack == " + new string('a', ClusterQuery.MaxExpressionLength);
        var e = Assert.Throws<ClusterQueryException>(() => ClusterQuery.Parse(tooLong));
        Assert.Contains("longer than 2000", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("attribute:a == b and not attribute:c == d", "(attribute:a == 'b' and not(attribute:c == 'd'))")]
    [InlineData("not attribute:a == b or attribute:c == d", "(not(attribute:a == 'b') or attribute:c == 'd')")]
    [InlineData("attribute:a == b or attribute:c == d and attribute:e == f", "(attribute:a == 'b' or (attribute:c == 'd' and attribute:e == 'f'))")]
    [InlineData("attribute:a in [x, 'y z'] && attribute:b !exists", "(attribute:a in ['x', 'y z'] and attribute:b !exists)")]
    public void B_PL_4_parse_follows_precedence(string expression, string normalised)
    {
        Assert.Equal(normalised, ClusterQuery.Parse(expression).ToString());
    }

    [Theory]
    [InlineData("attribute:stack == prod", false)]
    [InlineData("registeredAt < 2020-01-01 and ec2InstanceId exists and agentConnected == true", false)]
    [InlineData("runningTasksCount < 2", true)]
    [InlineData("attribute:stack == prod or not(task:group == service:web)", true)]
    public void B_PL_4_expression_knows_whether_it_depends_on_tasks(string expression, bool depends)
    {
        Assert.Equal(depends, ClusterQuery.Parse(expression).DependsOnTasks);
    }
}
