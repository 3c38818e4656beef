using System.Buffers;
using System.Text.Json;
using Emulator.Contracts;

namespace Emulator.Silo.Dashboard;

/// <summary>The dashboard's cluster list: counts, providers and accrued cost per cluster (B-IT-5). Pure.</summary>
public static class DashboardClusters
{
    public static byte[] Write(IReadOnlyList<ClusterStatus> clusters, DateTimeOffset now, double timeScale)
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("now", now);
            w.WriteNumber("nowMs", now.ToUnixTimeMilliseconds());
            w.WriteNumber("timeScale", timeScale);
            w.WriteStartArray("clusters");
            foreach (var s in clusters)
            {
                var c = s.Cluster;
                w.WriteStartObject();
                w.WriteString("name", c.Name);
                w.WriteString("status", c.Status);
                w.WriteNumber("instances", c.RegisteredContainerInstancesCount);
                w.WriteNumber("draining", s.Instances.Count(i => i.Status == ContainerInstanceStatus.DRAINING));
                w.WriteNumber("running", c.RunningTasksCount);
                w.WriteNumber("pending", c.PendingTasksCount);
                w.WriteNumber("provisioning", c.ProvisioningTasksCount);
                w.WriteNumber("services", c.ActiveServicesCount);
                w.WriteNumber("launching", s.AutoScalingGroups.Sum(g => g.Instances.Count(i => i.State == LifecycleState.Pending)));
                w.WriteStartArray("providers");
                foreach (var p in s.CapacityProviders)
                {
                    w.WriteStartObject();
                    w.WriteString("name", p.Name);
                    if (p.Cas is { } cas)
                    {
                        w.WriteNumber("cpr", Math.Round(cas.Cpr, 3));
                        w.WriteNumber("target", cas.TargetCapacity);
                    }

                    w.WriteEndObject();
                }

                w.WriteEndArray();
                w.WriteNumber("cost", s.Costs.Total);
                w.WriteNumber("cpuReservedPercent", c.RegisteredResources.Cpu == 0 ? 0 : Math.Round(100.0 * c.ReservedResources.Cpu / c.RegisteredResources.Cpu, 1));
                w.WriteNumber("memReservedPercent", c.RegisteredResources.Memory == 0 ? 0 : Math.Round(100.0 * c.ReservedResources.Memory / c.RegisteredResources.Memory, 1));
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
