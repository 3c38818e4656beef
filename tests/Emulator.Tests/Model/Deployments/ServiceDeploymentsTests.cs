using System.Collections.Immutable;
using Emulator.Contracts;
using Emulator.Model.Deployments;

namespace Emulator.Tests.Model.Deployments;

/// <summary>B-DP-1, B-DP-2, B-DP-5: rollback target selection, the service deployment's statuses, history retention.</summary>
public sealed class ServiceDeploymentsTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static ServiceDeploymentRecord Sd(string id, string target, string status, DateTimeOffset created, DateTimeOffset? finished, ServiceDeploymentRollback? rollback = null) =>
        new(id, created, created, finished, null, finished ?? created, [], target, status, null, ["ecs-svc/" + id], 100, 200,
            new DeploymentCircuitBreakerSpec(true, true), null, MonitorStatuses.Monitoring, 0, 3, MonitorStatuses.Disabled, [], rollback, null);

    [Fact]
    public void B_DP_2_rollback_goes_to_the_newest_completed_revision()
    {
        var history = new[]
        {
            Sd("d4", "r4", ServiceDeploymentStatuses.InProgress, T0.AddHours(4), null),
            Sd("d3", "r3", ServiceDeploymentStatuses.Stopped, T0.AddHours(3), null),
            Sd("d2", "r2", ServiceDeploymentStatuses.Successful, T0.AddHours(2), T0.AddHours(2.1)),
            Sd("d1", "r1", ServiceDeploymentStatuses.Successful, T0.AddHours(1), T0.AddHours(1.1)),
        };
        Assert.Equal("r2", ServiceDeployments.RollbackTarget(history, "d4"));
    }

    [Fact]
    public void B_DP_2_a_successful_rollback_is_completed_on_the_revision_it_rolled_back_to()
    {
        var history = new[]
        {
            Sd("d3", "r3", ServiceDeploymentStatuses.InProgress, T0.AddHours(3), null),
            Sd("d2", "r2", ServiceDeploymentStatuses.RollbackSuccessful, T0.AddHours(2), T0.AddHours(2.5), new ServiceDeploymentRollback("cb", T0.AddHours(2.2), "r1")),
            Sd("d1", "r1", ServiceDeploymentStatuses.Successful, T0.AddHours(1), T0.AddHours(1.1)),
        };
        Assert.Equal("r1", ServiceDeployments.RollbackTarget(history, "d3"));
    }

    [Fact]
    public void B_DP_2_no_completed_deployment_means_no_rollback()
    {
        var history = new[] { Sd("d1", "r1", ServiceDeploymentStatuses.InProgress, T0, null) };
        Assert.Null(ServiceDeployments.RollbackTarget(history, "d1"));
        Assert.Equal(ServiceDeploymentStatuses.Stopped, ServiceDeployments.OnFailure(rollback: true, hasTarget: false));
        Assert.Equal(ServiceDeploymentStatuses.Stopped, ServiceDeployments.OnFailure(rollback: false, hasTarget: true));
        Assert.Equal(ServiceDeploymentStatuses.RollbackInProgress, ServiceDeployments.OnFailure(rollback: true, hasTarget: true));
    }

    [Fact]
    public void B_DP_2_the_failing_deployment_is_never_its_own_target()
    {
        var history = new[] { Sd("d1", "r1", ServiceDeploymentStatuses.Successful, T0, T0.AddMinutes(5)) };
        Assert.Null(ServiceDeployments.RollbackTarget(history, "d1"));
    }

    [Fact]
    public void B_DP_5_completion_maps_forward_and_rollback_deployments()
    {
        Assert.Equal(ServiceDeploymentStatuses.Successful, ServiceDeployments.OnCompleted(Sd("d", "r", ServiceDeploymentStatuses.InProgress, T0, null)));
        Assert.Equal(ServiceDeploymentStatuses.RollbackSuccessful, ServiceDeployments.OnCompleted(Sd("d", "r", ServiceDeploymentStatuses.RollbackInProgress, T0, null)));
        Assert.Equal(ServiceDeploymentStatuses.RollbackSuccessful, ServiceDeployments.OnCompleted(Sd("d", "r", ServiceDeploymentStatuses.RollbackRequested, T0, null)));
    }

    [Fact]
    public void B_DP_5_history_is_kept_90_days_after_it_finished_and_active_deployments_never_go()
    {
        var now = T0.AddDays(200);
        var history = ImmutableList.Create(
            Sd("new", "r3", ServiceDeploymentStatuses.InProgress, T0, null),
            Sd("recent", "r2", ServiceDeploymentStatuses.Successful, now.AddDays(-89), now.AddDays(-89)),
            Sd("old", "r1", ServiceDeploymentStatuses.Successful, now.AddDays(-120), now.AddDays(-91)));
        var kept = ServiceDeployments.Prune(history, now);
        Assert.Equal(["new", "recent"], kept.Select(d => d.Id));

        var revisions = ImmutableList.Create(Rev("r1"), Rev("r2"), Rev("r3"), Rev("r0"));
        Assert.Equal(["r2", "r3", "r0"], ServiceDeployments.PruneRevisions(revisions, kept, ["r0"]).Select(r => r.Id));
    }

    private static ServiceRevisionRecord Rev(string id) => new(id, T0, "arn:td", null, [], [], null, [], null);

    [Theory]
    [InlineData(true, false, false, false, false, true)]
    [InlineData(false, true, false, false, false, true)]
    [InlineData(false, false, true, false, false, true)]
    [InlineData(false, false, false, true, false, true)]
    [InlineData(false, false, false, false, true, true)]
    [InlineData(false, false, false, false, false, false)]
    public void B_DP_1_what_starts_a_new_deployment(bool taskDefinition, bool strategy, bool loadBalancers, bool network, bool force, bool expected)
    {
        Assert.Equal(expected, ServiceDeployments.StartsDeployment(taskDefinition, strategy, loadBalancers, network, force));
    }

    [Fact]
    public void B_DP_4_texts()
    {
        Assert.Equal("ECS deployment ecs-svc/1 in progress.", ServiceDeployments.InProgressReason("ecs-svc/1"));
        Assert.Equal("ECS deployment ecs-svc/1 completed.", ServiceDeployments.CompletedReason("ecs-svc/1"));
        Assert.Equal("ECS deployment circuit breaker: rolling back to deploymentId ecs-svc/1.", ServiceDeployments.RollingBackReason("ecs-svc/1"));
    }

    [Fact]
    public void B_DP_5_arns_parse_back_to_cluster_service_and_id()
    {
        var arn = DeploymentArns.ServiceDeployment("us-east-1", "000000000000", "prod", "web", "NCWGC2ZRtaawPAYrIaU5-_");
        Assert.Equal("arn:aws:ecs:us-east-1:000000000000:service-deployment/prod/web/NCWGC2ZRtaawPAYrIaU5-_", arn);
        Assert.Equal(("prod", "web", "NCWGC2ZRtaawPAYrIaU5-_"), DeploymentArns.Parse(arn, "service-deployment"));
        Assert.Null(DeploymentArns.Parse(arn, "service-revision"));
        Assert.Null(DeploymentArns.Parse("arn:aws:ecs:us-east-1:000000000000:service-deployment/prod/web", "service-deployment"));
        Assert.Equal(("c", "s", "1234567890123456789"), DeploymentArns.Parse(DeploymentArns.ServiceRevision("r", "a", "c", "s", "1234567890123456789"), "service-revision"));
    }
}
