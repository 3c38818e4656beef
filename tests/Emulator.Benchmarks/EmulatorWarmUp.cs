using System.Collections.Immutable;
using System.Diagnostics;
using Emulator.Contracts;

namespace Emulator.Benchmarks;

/// <summary>
/// Runs the measured path at a small size on a cluster of its own (scale out, scale in, three times), then deletes
/// that cluster, so that the measured run sees jitted, tiered code - as the warmed-up Orleans baseline does - while
/// its memory and event log start clean and no warm-up timer keeps running.
/// </summary>
public static class EmulatorWarmUp
{
    private const string ClusterName = "bench-warmup";
    private const int Rounds = 3;

    public static async Task<string?> Run(IGrainFactory grains, TaskDefinitionRecord td, int tasks, IReadOnlyList<string> zones, TimeSpan timeout)
    {
        var control = grains.GetGrain<IEcsControlGrain>(GrainKeys.Control);
        var cluster = grains.GetGrain<IClusterGrain>(GrainKeys.Cluster(ClusterName));
        var service = EmulatorBenchmark.ServiceName;
        var sw = Stopwatch.StartNew();
        try
        {
            await control.CreateCluster(new CreateClusterRequest(ClusterName, [], [], ImmutableDictionary<string, string>.Empty));
            var instances = (tasks + 7) / 8 + 1; // an m5.large takes eight 256-CPU tasks
            await Measure.Fan(instances, 16, i => cluster.RegisterInstance(new InstanceRegistration(
                $"i-{0xfff0000 + i:x17}", "m5.large", zones[i % zones.Count], null, false, false, ImmutableDictionary<string, string>.Empty)));
            await control.CreateService(new CreateServiceRequest(ClusterName, service, td.Arn, 0, LaunchType.EC2, [], [], [],
                SchedulingStrategy.REPLICA, null, null, ImmutableDictionary<string, string>.Empty, null));
            for (var round = 0; round < Rounds; round++)
            {
                await Scale(control, tasks);
                await Until(() => cluster.Describe().ContinueWith(t => t.Result?.RunningTasksCount >= tasks, TaskScheduler.Default), sw, timeout);
                await Scale(control, 0);
                await Until(async () => (await cluster.CheckInvariants()).Tasks == 0, sw, timeout);
                await Measure.WaitForJitQuiet(TimeSpan.FromSeconds(10));
            }

            // Tear down: the service goes INACTIVE (its timer stops), the instances are deregistered, the cluster deleted.
            await control.DeleteService(ClusterName, service, false);
            foreach (var i in await cluster.GetInstances())
            {
                await cluster.DeregisterInstance(i.ContainerInstanceId, true);
            }

            await control.DeleteCluster(ClusterName);
            return null;
        }
        catch (Exception e) when (e is EcsException or TimeoutException or OrleansException)
        {
            return $"warm-up incomplete ({e.GetType().Name}: {e.Message})";
        }
    }

    private static Task Scale(IEcsControlGrain control, int desired) =>
        control.UpdateService(new UpdateServiceRequest(ClusterName, EmulatorBenchmark.ServiceName, desired, null, null, null, null, null, null, false));

    private static async Task Until(Func<Task<bool>> condition, Stopwatch sw, TimeSpan timeout)
    {
        while (!await condition())
        {
            if (sw.Elapsed > timeout)
            {
                throw new TimeoutException("the warm-up cluster did not get there in time");
            }

            await Task.Delay(20);
        }
    }
}
