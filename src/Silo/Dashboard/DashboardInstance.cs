using System.Buffers;
using System.Text.Json;
using Emulator.Contracts;

namespace Emulator.Silo.Dashboard;

/// <summary>One container instance and its tasks, for the dashboard's instance panel (B-CI-2, B-TL-*). Pure.</summary>
public static class DashboardInstance
{
    public static byte[] Write(ContainerInstanceRecord i, IReadOnlyList<TaskRecord> tasks, int stoppedKept, string region, string account)
    {
        var buffer = new ArrayBufferWriter<byte>(4096 + tasks.Count * 400);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            DashboardSnapshot.WriteInstance(w, i);
            w.WriteString("arn", Arns.ContainerInstance(region, account, i.Cluster, i.ContainerInstanceId));
            w.WriteString("provider", i.CapacityProvider);
            w.WriteString("asg", i.AutoScalingGroup);
            w.WriteBoolean("spotDraining", i.SpotDraining);
            w.WriteNumber("running", i.RunningTasksCount);
            w.WriteNumber("pending", i.PendingTasksCount);
            w.WriteNumber("registeredAt", i.RegisteredAt.ToUnixTimeMilliseconds());
            w.WriteNumber("stoppedKept", stoppedKept);
            w.WriteStartArray("tasks");
            foreach (var t in tasks.OrderBy(t => t.LastStatus == Contracts.TaskStatus.STOPPED).ThenBy(t => t.CreatedAt).ThenBy(t => t.TaskId, StringComparer.Ordinal))
            {
                w.WriteStartObject();
                w.WriteString("id", t.TaskId);
                w.WriteString("arn", Arns.Task(region, account, t.Cluster, t.TaskId));
                w.WriteString("service", t.ServiceName);
                w.WriteString("group", t.Group);
                w.WriteString("taskDefinition", Arns.ShortName(t.TaskDefinitionArn));
                w.WriteString("deployment", t.DeploymentId);
                w.WriteString("provider", t.ProviderOrLaunchType);
                w.WriteString("lastStatus", t.LastStatus.ToString());
                w.WriteString("desiredStatus", t.DesiredStatus.ToString());
                w.WriteNumber("cpu", t.Needs.Cpu);
                w.WriteNumber("mem", t.Needs.Memory);
                w.WriteNumber("createdAt", t.CreatedAt.ToUnixTimeMilliseconds());
                if (t.StartedAt is { } started)
                {
                    w.WriteNumber("startedAt", started.ToUnixTimeMilliseconds());
                }

                if (t.StoppedAt is { } stopped)
                {
                    w.WriteNumber("stoppedAt", stopped.ToUnixTimeMilliseconds());
                }

                w.WriteString("stopCode", t.StopCode);
                w.WriteString("stoppedReason", t.StoppedReason);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
