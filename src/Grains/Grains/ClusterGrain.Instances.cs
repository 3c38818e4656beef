using System.Collections.Immutable;
using Emulator.Contracts;
using Emulator.Model.Cluster;
using Emulator.Model.Lifecycle;
using Microsoft.Extensions.Logging;
using TaskStatus = Emulator.Contracts.TaskStatus;

namespace Emulator.Grains;

/// <summary>The cluster's container instances (B-CI-*): registration, draining, deregistration, attributes.</summary>
public sealed partial class ClusterGrain
{
    public Task<ContainerInstanceRecord> RegisterInstance(InstanceRegistration reg)
    {
        EnsureExists();
        if (_book.InstanceByEc2(reg.Ec2InstanceId) is { } existing && existing.Status != ContainerInstanceStatus.INACTIVE)
        {
            return Task.FromResult(existing);
        }

        var type = _rt.Catalog.Get(reg.InstanceType);
        var record = ContainerInstanceRules.Register(reg, _book.UnusedId(_random), Name, type, _rt.Catalog.Registered(type),
            _rt.Options.AvailabilityZones, ContainerInstanceRules.ProviderForAsg(S.Providers.Values, reg.AutoScalingGroup), Now);
        _book.AddInstance(record);
        InstanceEvent(record);
        _capacityChanged = true; // B-PQ-2
        PokeAllServices();
        MarkDirty();
        LogRegistered(Name, record.ContainerInstanceId, reg.Ec2InstanceId, reg.InstanceType);
        return Task.FromResult(record);
    }

    public Task InstanceTerminated(string ec2InstanceId)
    {
        if (_book.InstanceByEc2(ec2InstanceId) is not { } instance)
        {
            return Task.CompletedTask;
        }

        // B-SP-3, B-CI-5: the host is gone; its tasks stop at once and the instance is deregistered.
        var code = StopReasons.HostStopCode(instance.IsSpot);
        var reason = StopReasons.HostTerminated(ec2InstanceId);
        foreach (var taskId in _book.TasksOn(instance.ContainerInstanceId).ToList())
        {
            var t = _book.Tasks[taskId];
            if (t.LastStatus != TaskStatus.STOPPED)
            {
                _book.Replace(t, TaskLifecycle.HostLost(t, code, reason, _rt.Options.Timings, Now));
            }
        }

        SetInstance(ContainerInstanceRules.Deregistered(_book.Instances[instance.ContainerInstanceId]));
        PokeAllServices();
        FlushPokes();
        MarkDirty();
        return Task.CompletedTask;
    }

    public Task<ImmutableArray<InstanceStateChange>> UpdateInstancesState(ImmutableArray<string> containerInstances, ContainerInstanceStatus status)
    {
        EnsureExists();
        Refuse(ContainerInstanceRules.RequestedStatusRefusal(status));
        var results = ImmutableArray.CreateBuilder<InstanceStateChange>();
        foreach (var reference in containerInstances)
        {
            var id = Arns.ShortName(reference);
            if (!_book.Instances.TryGetValue(id, out var instance))
            {
                results.Add(new InstanceStateChange(id, null, "MISSING"));
                continue;
            }

            // B-CI-4: only ACTIVE <-> DRAINING through this API.
            results.Add(ContainerInstanceRules.StateChangeRefusal(instance, status) is { } refused
                ? new InstanceStateChange(id, instance, refused)
                : new InstanceStateChange(id, SetDraining(instance, status == ContainerInstanceStatus.DRAINING), null));
        }

        FlushPokes();
        MarkDirty();
        return Task.FromResult(results.ToImmutable());
    }

    public Task DrainEc2Instance(string ec2InstanceId)
    {
        if (_book.InstanceByEc2(ec2InstanceId) is { Status: ContainerInstanceStatus.ACTIVE } instance)
        {
            SetDraining(instance, true);
            FlushPokes();
            MarkDirty();
        }

        return Task.CompletedTask;
    }

    public Task<ContainerInstanceRecord> DeregisterInstance(string containerInstance, bool force)
    {
        EnsureExists();
        var id = Arns.ShortName(containerInstance);
        var instance = _book.Instances.GetValueOrDefault(id);
        var live = instance is null ? [] : _book.TasksOn(id).Select(t => _book.Tasks[t]).Where(t => t.LastStatus != TaskStatus.STOPPED).ToList();
        Refuse(ContainerInstanceRules.DeregisterRefusal(id, instance, live.Count, force));

        // B-CI-5: forced deregistration orphans the tasks; the emulator stops them so services replace them.
        foreach (var t in live)
        {
            _book.Replace(t, TaskLifecycle.HostLost(t, StopReasons.ServiceSchedulerInitiated, "Container instance deregistered", _rt.Options.Timings, Now));
        }

        var updated = ContainerInstanceRules.Deregistered(_book.Instances[id]);
        SetInstance(updated);
        PokeAllServices();
        FlushPokes();
        MarkDirty();
        return Task.FromResult(updated);
    }

    public Task<ImmutableArray<ContainerInstanceRecord>> GetInstances() => Task.FromResult(_book.Instances.Values.ToImmutableArray());

    public Task<ImmutableDictionary<string, int>> CountServiceTasks(ImmutableArray<string> ec2InstanceIds)
    {
        var result = ImmutableDictionary.CreateBuilder<string, int>(StringComparer.Ordinal);
        foreach (var ec2 in ec2InstanceIds)
        {
            if (_book.InstanceByEc2(ec2) is { } inst && inst.Status != ContainerInstanceStatus.INACTIVE)
            {
                result[ec2] = ClusterRules.ServiceTasksOn(_book, inst.ContainerInstanceId);
            }
        }

        return Task.FromResult(result.ToImmutable());
    }

    public Task<ImmutableArray<InstanceAttribute>> PutAttributes(ImmutableArray<InstanceAttribute> attributes)
    {
        EnsureExists();
        var updated = ContainerInstanceRules.PutAttributes(_book.Instances, attributes, Name, out var rejection);
        Refuse(rejection);
        foreach (var i in updated)
        {
            SetInstance(i);
            InstanceEvent(i);
        }

        _capacityChanged = true; // memberOf constraints may now match (B-PQ-2)
        return Task.FromResult(attributes);
    }

    public Task<ImmutableArray<InstanceAttribute>> DeleteAttributes(ImmutableArray<InstanceAttribute> attributes)
    {
        EnsureExists();
        var updated = ContainerInstanceRules.DeleteAttributes(_book.Instances, attributes, Name, out var rejection);
        Refuse(rejection);
        foreach (var i in updated)
        {
            SetInstance(i);
        }

        return Task.FromResult(attributes);
    }

    /// <summary>ACTIVE to DRAINING and back (B-CI-3): draining stops the instance's PENDING service tasks; leaving it frees capacity.</summary>
    private ContainerInstanceRecord SetDraining(ContainerInstanceRecord instance, bool draining)
    {
        var updated = ContainerInstanceRules.WithStatus(instance, draining ? ContainerInstanceStatus.DRAINING : ContainerInstanceStatus.ACTIVE);
        if (ReferenceEquals(updated, instance))
        {
            return instance;
        }

        SetInstance(updated);
        InstanceEvent(updated);
        if (draining)
        {
            foreach (var id in _book.TasksOn(instance.ContainerInstanceId).ToList())
            {
                var t = _book.Tasks[id];
                if (ContainerInstanceRules.StopsWhenDraining(t))
                {
                    StopOne(t, StopReasons.ServiceSchedulerInitiated, "Container instance is draining");
                }
            }
        }
        else
        {
            _capacityChanged = true; // B-PQ-2: an instance left DRAINING
        }

        PokeAllServices();
        return updated;
    }

    private void SetInstance(ContainerInstanceRecord instance)
    {
        _book.ReplaceInstance(instance);
        _dirty = true;
    }

    /// <summary>Each instance belongs to the provider backed by its Auto Scaling group (after the providers changed).</summary>
    private void ReassignInstanceProviders()
    {
        foreach (var i in _book.Instances.Values.ToList())
        {
            var p = ContainerInstanceRules.ProviderForAsg(S.Providers.Values, i.AutoScalingGroup);
            if (p != i.CapacityProvider)
            {
                _book.ReplaceInstance(i with { CapacityProvider = p });
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Cluster {Cluster}: container instance {Id} registered for {Ec2} ({Type})")]
    private partial void LogRegistered(string cluster, string id, string ec2, string type);
}
