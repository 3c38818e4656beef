using Emulator.Tests.EndToEnd;

namespace Emulator.Tests.Wire;

/// <summary>
/// CloudFormation through the real AWS CLI against a silo process (B-CFN-1..11): <c>aws cloudformation deploy</c>
/// (change set, waiters) creating an ECS service with its network, role and log group through the emulator's own
/// operations; an in-place update; describe-stack-events; delete leaving nothing; and bad input: malformed templates,
/// cycles, an unsupported type and a resource failing mid-stack, each with CloudFormation's status, events and errors.
/// </summary>
[Collection(WireCollection.Name)]
public sealed class CloudFormationCliTests(SiloProcessFixture silo)
{
    private readonly AwsCli _aws = new(silo.Endpoint);

    private static string Template(string cluster, int desired, string cidr = "10.1.0.0/24") => $$"""
        AWSTemplateFormatVersion: "2010-09-09"
        Description: The workshop's Fargate service, by the CLI
        Parameters:
          ClusterName:
            Type: String
            Default: {{cluster}}
          Ami:
            Type: AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>
            Default: /aws/service/ecs/optimized-ami/amazon-linux-2/recommended/image_id
        Resources:
          Cluster:
            Type: AWS::ECS::Cluster
            Properties:
              ClusterName: !Ref ClusterName
          Logs:
            Type: AWS::Logs::LogGroup
            Properties:
              LogGroupName: !Sub "/ecs/${Cluster}"
              RetentionInDays: 7
          Vpc:
            Type: AWS::EC2::VPC
            Properties:
              CidrBlock: 10.1.0.0/16
              Tags: [{ Key: ami, Value: !Ref Ami }]
          Subnet:
            Type: AWS::EC2::Subnet
            Properties:
              VpcId: !Ref Vpc
              CidrBlock: {{cidr}}
              AvailabilityZone: !Select [0, !GetAZs ""]
          Sg:
            Type: AWS::EC2::SecurityGroup
            Properties:
              GroupDescription: web
              VpcId: !Ref Vpc
              SecurityGroupIngress:
                - { IpProtocol: tcp, FromPort: 80, ToPort: 80, CidrIp: 0.0.0.0/0 }
          Role:
            Type: AWS::IAM::Role
            Properties:
              AssumeRolePolicyDocument:
                Version: "2012-10-17"
                Statement: [{ Effect: Allow, Principal: { Service: ecs-tasks.amazonaws.com }, Action: sts:AssumeRole }]
              ManagedPolicyArns: [arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy]
          TaskDef:
            Type: AWS::ECS::TaskDefinition
            Properties:
              Family: !Sub "${ClusterName}-web"
              Cpu: "256"
              Memory: "512"
              NetworkMode: awsvpc
              RequiresCompatibilities: [FARGATE]
              ExecutionRoleArn: !GetAtt Role.Arn
              ContainerDefinitions:
                - Name: web
                  Image: nginx
                  PortMappings: [{ ContainerPort: 80 }]
                  LogConfiguration:
                    LogDriver: awslogs
                    Options: { awslogs-group: !Ref Logs, awslogs-region: !Ref AWS::Region, awslogs-stream-prefix: web }
          Service:
            Type: AWS::ECS::Service
            Properties:
              Cluster: !Ref Cluster
              ServiceName: web
              TaskDefinition: !Ref TaskDef
              DesiredCount: {{desired}}
              LaunchType: FARGATE
              NetworkConfiguration:
                AwsvpcConfiguration:
                  Subnets: [!Ref Subnet]
                  SecurityGroups: [!Ref Sg]
        Outputs:
          ClusterArn:
            Value: !GetAtt Cluster.Arn
            Export: { Name: !Sub "${AWS::StackName}-cluster-arn" }
          VpcId:
            Value: !Ref Vpc
        """;

    private async Task<string> File(string body)
    {
        var path = Path.Combine(Path.GetTempPath(), "cfn-" + Guid.NewGuid().ToString("N") + ".yaml");
        await System.IO.File.WriteAllTextAsync(path, body);
        return path;
    }

    private async Task<List<(string Logical, string Status, string? Reason)>> Events(string stack)
    {
        var events = await _aws.Json("cloudformation", "describe-stack-events", "--stack-name", stack);
        return [.. events.GetProperty("StackEvents").EnumerateArray().Reverse().Select(e => (
            e.GetProperty("LogicalResourceId").GetString()!, e.GetProperty("ResourceStatus").GetString()!,
            e.TryGetProperty("ResourceStatusReason", out var r) ? r.GetString() : null))];
    }

    /// <summary>
    /// The stack's status once no operation runs (the CLI's stack-rollback-complete waiter is for update rollbacks, so
    /// a create's rollback is awaited by describing the stack).
    /// </summary>
    private async Task<string> Settled(string stack)
    {
        var sw = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var status = (await _aws.Json("cloudformation", "describe-stacks", "--stack-name", stack)).GetProperty("Stacks")[0].GetProperty("StackStatus").GetString()!;
            if (!status.EndsWith("_IN_PROGRESS", StringComparison.Ordinal) || sw.Elapsed > TimeSpan.FromMinutes(3))
            {
                return status;
            }

            await Task.Delay(250);
        }
    }

    [Fact]
    public async Task B_CFN_5_cloudformation_deploy_creates_updates_in_place_and_deletes_a_stack_through_the_cli()
    {
        var cluster = EmulatorClusterFixture.Unique("cfn");
        var stack = cluster + "-stack";
        var file = await File(Template(cluster, 2));

        var deploy = await _aws.Run("cloudformation", "deploy", "--stack-name", stack, "--template-file", file, "--capabilities", "CAPABILITY_IAM");
        Assert.True(deploy.ExitCode == 0, deploy.Stdout + deploy.Stderr);
        Assert.Contains("Successfully created/updated stack - " + stack, deploy.Stdout, StringComparison.Ordinal);

        var described = (await _aws.Json("cloudformation", "describe-stacks", "--stack-name", stack)).GetProperty("Stacks")[0];
        Assert.Equal("CREATE_COMPLETE", described.GetProperty("StackStatus").GetString());
        Assert.Equal("The workshop's Fargate service, by the CLI", described.GetProperty("Description").GetString());
        var outputs = described.GetProperty("Outputs").EnumerateArray().ToDictionary(o => o.GetProperty("OutputKey").GetString()!, o => o);
        Assert.Equal($"arn:aws:ecs:us-east-1:000000000000:cluster/{cluster}", outputs["ClusterArn"].GetProperty("OutputValue").GetString());
        Assert.Equal(stack + "-cluster-arn", outputs["ClusterArn"].GetProperty("ExportName").GetString());
        var vpcId = outputs["VpcId"].GetProperty("OutputValue").GetString()!;
        Assert.StartsWith("vpc-", vpcId, StringComparison.Ordinal);

        // Every resource exists in the emulator's own services, as the CLI shows them.
        var resources = (await _aws.Json("cloudformation", "list-stack-resources", "--stack-name", stack)).GetProperty("StackResourceSummaries")
            .EnumerateArray().ToDictionary(r => r.GetProperty("LogicalResourceId").GetString()!, r => r);
        Assert.Equal(8, resources.Count);
        Assert.All(resources.Values, r => Assert.Equal("CREATE_COMPLETE", r.GetProperty("ResourceStatus").GetString()));
        Assert.Equal(cluster, resources["Cluster"].GetProperty("PhysicalResourceId").GetString());
        var service = (await _aws.Json("ecs", "describe-services", "--cluster", cluster, "--services", "web")).GetProperty("services")[0];
        Assert.Equal(2, service.GetProperty("desiredCount").GetInt32());
        Assert.Equal(resources["Subnet"].GetProperty("PhysicalResourceId").GetString(),
            service.GetProperty("networkConfiguration").GetProperty("awsvpcConfiguration").GetProperty("subnets")[0].GetString());
        var roleName = resources["Role"].GetProperty("PhysicalResourceId").GetString()!;
        var attached = await _aws.Json("iam", "list-attached-role-policies", "--role-name", roleName);
        Assert.Equal("arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy", attached.GetProperty("AttachedPolicies")[0].GetProperty("PolicyArn").GetString());
        var groups = await _aws.Json("logs", "describe-log-groups", "--log-group-name-prefix", "/ecs/" + cluster);
        Assert.Equal(7, groups.GetProperty("logGroups")[0].GetProperty("retentionInDays").GetInt32());
        var vpc = (await _aws.Json("ec2", "describe-vpcs", "--vpc-ids", vpcId)).GetProperty("Vpcs")[0];
        var amiTag = vpc.GetProperty("Tags").EnumerateArray().Single(t => t.GetProperty("Key").GetString() == "ami").GetProperty("Value").GetString()!;
        Assert.StartsWith("ami-", amiTag, StringComparison.Ordinal);
        var one = (await _aws.Json("cloudformation", "describe-stack-resource", "--stack-name", stack, "--logical-resource-id", "Sg")).GetProperty("StackResourceDetail");
        Assert.Equal("AWS::EC2::SecurityGroup", one.GetProperty("ResourceType").GetString());
        var exports = await _aws.Json("cloudformation", "list-exports");
        Assert.Contains(exports.GetProperty("Exports").EnumerateArray(), e => e.GetProperty("Name").GetString() == stack + "-cluster-arn");
        var template = await _aws.Json("cloudformation", "get-template", "--stack-name", stack);
        Assert.Contains("AWS::ECS::Service", template.GetProperty("TemplateBody").GetString(), StringComparison.Ordinal);

        // Events: the stack's start and end, every resource's progress, oldest first.
        var events = await Events(stack);
        Assert.Equal((stack, "CREATE_IN_PROGRESS", "User Initiated"), events[0]);
        Assert.Equal((stack, "CREATE_COMPLETE", null), events[^1]);
        Assert.True(events.FindIndex(e => e is ("Vpc", "CREATE_COMPLETE", _)) < events.FindIndex(e => e is ("Subnet", "CREATE_IN_PROGRESS", _)));
        Assert.True(events.FindIndex(e => e is ("TaskDef", "CREATE_COMPLETE", _)) < events.FindIndex(e => e is ("Service", "CREATE_IN_PROGRESS", _)));

        // Nothing changed: deploy says so (and fails unless told not to, as the CLI does).
        var same = await _aws.Run("cloudformation", "deploy", "--stack-name", stack, "--template-file", file, "--capabilities", "CAPABILITY_IAM", "--no-fail-on-empty-changeset");
        Assert.True(same.ExitCode == 0, same.Stderr);
        Assert.Contains("No changes to deploy", same.Stdout, StringComparison.Ordinal);

        // A mutable property changes in place: the same service, a new desired count. (The CLI names its change set
        // awscli-cloudformation-package-deploy-<unix seconds> and leaves the empty one above in place, as on AWS: a second
        // deploy within the same wall second would collide with it, so the next one starts in the next second.)
        await Task.Delay(TimeSpan.FromSeconds(1.1));
        var update = await _aws.Run("cloudformation", "deploy", "--stack-name", stack, "--template-file", await File(Template(cluster, 3)), "--capabilities", "CAPABILITY_IAM");
        Assert.True(update.ExitCode == 0, update.Stdout + update.Stderr);
        Assert.Equal("UPDATE_COMPLETE", (await _aws.Json("cloudformation", "describe-stacks", "--stack-name", stack)).GetProperty("Stacks")[0].GetProperty("StackStatus").GetString());
        service = (await _aws.Json("ecs", "describe-services", "--cluster", cluster, "--services", "web")).GetProperty("services")[0];
        Assert.Equal(3, service.GetProperty("desiredCount").GetInt32());
        Assert.Contains(await Events(stack), e => e is ("Service", "UPDATE_COMPLETE", _));

        // Delete: everything goes, in reverse order, and the stack is listed as deleted.
        Assert.Equal(0, (await _aws.Run("cloudformation", "delete-stack", "--stack-name", stack)).ExitCode);
        var wait = await _aws.Run("cloudformation", "wait", "stack-delete-complete", "--stack-name", stack);
        Assert.True(wait.ExitCode == 0, wait.Stderr);
        Assert.Equal("INACTIVE", (await _aws.Json("ecs", "describe-clusters", "--clusters", cluster)).GetProperty("clusters")[0].GetProperty("status").GetString());
        Assert.Contains("InvalidVpcID.NotFound", (await _aws.Run("ec2", "describe-vpcs", "--vpc-ids", vpcId)).Stderr, StringComparison.Ordinal);
        Assert.Contains("NoSuchEntity", (await _aws.Run("iam", "get-role", "--role-name", roleName)).Stderr, StringComparison.Ordinal);
        Assert.Empty((await _aws.Json("logs", "describe-log-groups", "--log-group-name-prefix", "/ecs/" + cluster)).GetProperty("logGroups").EnumerateArray());
        var gone = await _aws.Run("cloudformation", "describe-stacks", "--stack-name", stack);
        Assert.Contains($"Stack with id {stack} does not exist", gone.Stderr, StringComparison.Ordinal);
        var listed = await _aws.Json("cloudformation", "list-stacks", "--stack-status-filter", "DELETE_COMPLETE");
        Assert.Contains(listed.GetProperty("StackSummaries").EnumerateArray(), s => s.GetProperty("StackName").GetString() == stack);
    }

    [Fact]
    public async Task B_CFN_6_a_resource_failing_mid_stack_rolls_back_with_its_reason_and_leaves_nothing()
    {
        var cluster = EmulatorClusterFixture.Unique("cfnfail");
        var stack = cluster + "-stack";

        // The subnet's range is outside the VPC's: EC2 refuses it after the VPC, cluster, role and log group exist.
        var create = await _aws.Run("cloudformation", "create-stack", "--stack-name", stack, "--template-body", "file://" + await File(Template(cluster, 1, "10.9.0.0/24")),
            "--capabilities", "CAPABILITY_IAM");
        Assert.True(create.ExitCode == 0, create.Stderr);
        var wait = await _aws.Run("cloudformation", "wait", "stack-create-complete", "--stack-name", stack);
        Assert.NotEqual(0, wait.ExitCode);
        Assert.Contains("ROLLBACK_COMPLETE", wait.Stderr, StringComparison.Ordinal);
        Assert.Equal("ROLLBACK_COMPLETE", await Settled(stack));

        var described = (await _aws.Json("cloudformation", "describe-stacks", "--stack-name", stack)).GetProperty("Stacks")[0];
        Assert.Equal("ROLLBACK_COMPLETE", described.GetProperty("StackStatus").GetString());
        var events = await Events(stack);
        var failed = events.Single(e => e.Status == "CREATE_FAILED" && e.Logical == "Subnet");
        Assert.Contains("The CIDR '10.9.0.0/24' is invalid.", failed.Reason, StringComparison.Ordinal);
        Assert.Contains(events, e => e is ("Vpc", "DELETE_COMPLETE", _));
        Assert.Contains(events, e => e.Logical == stack && e.Status == "ROLLBACK_IN_PROGRESS"
            && e.Reason!.StartsWith("The following resource(s) failed to create: [Subnet]", StringComparison.Ordinal));

        // Nothing half-made is left: no cluster, no role of the stack, no log group, no resources listed.
        var clusters = (await _aws.Json("ecs", "describe-clusters", "--clusters", cluster)).GetProperty("clusters");
        Assert.All(clusters.EnumerateArray(), c => Assert.Equal("INACTIVE", c.GetProperty("status").GetString()));
        Assert.Empty((await _aws.Json("logs", "describe-log-groups", "--log-group-name-prefix", "/ecs/" + cluster)).GetProperty("logGroups").EnumerateArray());
        var remaining = (await _aws.Json("cloudformation", "list-stack-resources", "--stack-name", stack)).GetProperty("StackResourceSummaries");
        Assert.Empty(remaining.EnumerateArray());

        // A stack in ROLLBACK_COMPLETE can only be deleted.
        var update = await _aws.Run("cloudformation", "update-stack", "--stack-name", stack, "--use-previous-template", "--capabilities", "CAPABILITY_IAM");
        Assert.Contains("ValidationError", update.Stderr, StringComparison.Ordinal);
        Assert.Equal(0, (await _aws.Run("cloudformation", "delete-stack", "--stack-name", stack)).ExitCode);
        Assert.Equal(0, (await _aws.Run("cloudformation", "wait", "stack-delete-complete", "--stack-name", stack)).ExitCode);
    }

    [Fact]
    public async Task B_CFN_10_an_unsupported_resource_type_fails_its_stack_naming_the_type()
    {
        var stack = EmulatorClusterFixture.Unique("cfnunsupported");
        var body = """
            Resources:
              Logs:
                Type: AWS::Logs::LogGroup
              Fn:
                Type: AWS::Lambda::Function
                DependsOn: Logs
                Properties: { Runtime: python3.12, Handler: index.handler, Role: arn:aws:iam::000000000000:role/x, Code: { ZipFile: "x" } }
            """;
        Assert.Equal(0, (await _aws.Run("cloudformation", "create-stack", "--stack-name", stack, "--template-body", body)).ExitCode);
        Assert.Equal("ROLLBACK_COMPLETE", await Settled(stack));
        var events = await Events(stack);
        Assert.Contains(events, e => e is ("Fn", "CREATE_FAILED", _) && e.Reason!.Contains("Resource type AWS::Lambda::Function is not supported", StringComparison.Ordinal));
        Assert.Contains(events, e => e is ("Logs", "DELETE_COMPLETE", _));
        Assert.Equal("ROLLBACK_COMPLETE", (await _aws.Json("cloudformation", "describe-stacks", "--stack-name", stack)).GetProperty("Stacks")[0].GetProperty("StackStatus").GetString());
    }

    [Theory]
    [InlineData("{\"Resources\": {", "Template format error: JSON not well-formed.")]
    [InlineData("Resources:\n  A: [unclosed", "Template format error: YAML not well-formed.")]
    [InlineData("Resources:\n  A:\n    Type: AWS::Logs::LogGroup\n    Properties: { LogGroupName: !Ref B }\n  B:\n    Type: AWS::Logs::LogGroup\n    Properties: { LogGroupName: !Ref A }\n",
        "Circular dependency between resources: [A, B]")]
    [InlineData("Resources:\n  A:\n    Type: AWS::Logs::LogGroup\n    Properties: { LogGroupName: !Ref Nope }\n",
        "Template format error: Unresolved resource dependencies [Nope] in the Resources block of the template")]
    [InlineData("Resources:\n  A:\n    Type: Not A Type\n", "Template format error: Unrecognized resource types: [Not A Type]")]
    public async Task B_CFN_1_bad_templates_are_ValidationErrors_and_create_no_stack(string body, string message)
    {
        var stack = EmulatorClusterFixture.Unique("cfnbad");
        var create = await _aws.Run("cloudformation", "create-stack", "--stack-name", stack, "--template-body", body);
        Assert.NotEqual(0, create.ExitCode);
        Assert.Contains("(ValidationError)", create.Stderr, StringComparison.Ordinal);
        Assert.Contains(message, create.Stderr, StringComparison.Ordinal);
        var validate = await _aws.Run("cloudformation", "validate-template", "--template-body", body);
        Assert.Contains(message, validate.Stderr, StringComparison.Ordinal);
        Assert.Contains($"Stack with id {stack} does not exist", (await _aws.Run("cloudformation", "describe-stacks", "--stack-name", stack)).Stderr, StringComparison.Ordinal);
        var all = await _aws.Json("cloudformation", "list-stacks");
        Assert.DoesNotContain(all.GetProperty("StackSummaries").EnumerateArray(), s => s.GetProperty("StackName").GetString() == stack);
    }

    [Fact]
    public async Task B_CFN_9_change_sets_are_created_described_and_executed_with_the_cli_waiters()
    {
        var stack = EmulatorClusterFixture.Unique("cfncs");
        var body = """
            Parameters:
              Days: { Type: Number, Default: 7, AllowedValues: [1, 7, 30] }
            Resources:
              Logs:
                Type: AWS::Logs::LogGroup
                Properties: { RetentionInDays: !Ref Days }
            Outputs:
              Name: { Value: !Ref Logs }
            """;
        var validate = await _aws.Json("cloudformation", "validate-template", "--template-body", body);
        Assert.Equal("Days", validate.GetProperty("Parameters")[0].GetProperty("ParameterKey").GetString());

        await _aws.Json("cloudformation", "create-change-set", "--stack-name", stack, "--change-set-name", "first", "--change-set-type", "CREATE", "--template-body", body);
        Assert.Equal(0, (await _aws.Run("cloudformation", "wait", "change-set-create-complete", "--stack-name", stack, "--change-set-name", "first")).ExitCode);
        var changeSet = await _aws.Json("cloudformation", "describe-change-set", "--stack-name", stack, "--change-set-name", "first");
        Assert.Equal("CREATE_COMPLETE", changeSet.GetProperty("Status").GetString());
        var change = changeSet.GetProperty("Changes")[0].GetProperty("ResourceChange");
        Assert.Equal(("Add", "Logs", "AWS::Logs::LogGroup"), (change.GetProperty("Action").GetString(), change.GetProperty("LogicalResourceId").GetString(), change.GetProperty("ResourceType").GetString()));
        Assert.Equal("REVIEW_IN_PROGRESS", (await _aws.Json("cloudformation", "describe-stacks", "--stack-name", stack)).GetProperty("Stacks")[0].GetProperty("StackStatus").GetString());

        await _aws.Run("cloudformation", "execute-change-set", "--stack-name", stack, "--change-set-name", "first");
        Assert.Equal(0, (await _aws.Run("cloudformation", "wait", "stack-create-complete", "--stack-name", stack)).ExitCode);
        var name = (await _aws.Json("cloudformation", "describe-stacks", "--stack-name", stack)).GetProperty("Stacks")[0].GetProperty("Outputs")[0].GetProperty("OutputValue").GetString()!;
        Assert.Equal(7, (await _aws.Json("logs", "describe-log-groups", "--log-group-name-prefix", name)).GetProperty("logGroups")[0].GetProperty("retentionInDays").GetInt32());

        // An update change set: Modify in place, no replacement.
        await _aws.Json("cloudformation", "create-change-set", "--stack-name", stack, "--change-set-name", "second", "--use-previous-template",
            "--parameters", "ParameterKey=Days,ParameterValue=30");
        var second = await _aws.Json("cloudformation", "describe-change-set", "--stack-name", stack, "--change-set-name", "second");
        var modify = second.GetProperty("Changes")[0].GetProperty("ResourceChange");
        Assert.Equal("Modify", modify.GetProperty("Action").GetString());
        Assert.Equal("False", modify.GetProperty("Replacement").GetString());
        var bad = await _aws.Run("cloudformation", "create-change-set", "--stack-name", stack, "--change-set-name", "third", "--use-previous-template",
            "--parameters", "ParameterKey=Days,ParameterValue=5");
        Assert.Contains("ValidationError", bad.Stderr, StringComparison.Ordinal);
        await _aws.Run("cloudformation", "execute-change-set", "--stack-name", stack, "--change-set-name", "second");
        Assert.Equal(0, (await _aws.Run("cloudformation", "wait", "stack-update-complete", "--stack-name", stack)).ExitCode);
        Assert.Equal(30, (await _aws.Json("logs", "describe-log-groups", "--log-group-name-prefix", name)).GetProperty("logGroups")[0].GetProperty("retentionInDays").GetInt32());
        Assert.Empty((await _aws.Json("cloudformation", "list-change-sets", "--stack-name", stack)).GetProperty("Summaries").EnumerateArray());

        await _aws.Run("cloudformation", "delete-stack", "--stack-name", stack);
        Assert.Equal(0, (await _aws.Run("cloudformation", "wait", "stack-delete-complete", "--stack-name", stack)).ExitCode);
        Assert.Empty((await _aws.Json("logs", "describe-log-groups", "--log-group-name-prefix", name)).GetProperty("logGroups").EnumerateArray());
    }
}
