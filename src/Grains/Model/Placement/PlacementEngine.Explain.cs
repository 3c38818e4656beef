using System.Collections.Immutable;
using Emulator.Contracts;

namespace Emulator.Model.Placement;

/// <summary>Explaining a batch (B-PL-5, B-PL-6): the ranking of the feasible instances and the reasons of the rejected ones.</summary>
public static partial class PlacementEngine
{
    private sealed partial class BatchState
    {
        /// <summary>Feasible instances best first (B-PL-6); equal keys by id, the chosen one first in its tie group.</summary>
        public ImmutableArray<string> Rank(string? firstChoice)
        {
            var feasible = new List<int>();
            for (var i = 0; i < _n; i++)
            {
                if (_reject[i] == Rejection.None)
                {
                    feasible.Add(i);
                }
            }

            feasible.Sort((a, b) =>
            {
                var c = CompareKeys(a, b);
                if (c != 0)
                {
                    return c;
                }

                var aFirst = string.Equals(IdOf(a), firstChoice, StringComparison.Ordinal);
                var bFirst = string.Equals(IdOf(b), firstChoice, StringComparison.Ordinal);
                return aFirst != bFirst ? (aFirst ? -1 : 1) : string.CompareOrdinal(IdOf(a), IdOf(b));
            });
            return [.. feasible.Select(IdOf)];
        }

        /// <summary>The explanation of this state's next task (B-PL-5, B-PL-6).</summary>
        public PlacementExplanation Explain(ImmutableArray<string> ranking, bool failed, int placedCount, string? firstChoice, PlacementRequest request)
        {
            var rejected = ImmutableArray.CreateBuilder<InstanceRejection>();
            var closest = -1;
            var closestCode = Rejection.None;
            long closestShortfall = 0;
            for (var i = 0; i < _n; i++)
            {
                var code = _reject[i];
                if (code == Rejection.None)
                {
                    continue;
                }

                rejected.Add(new InstanceRejection(IdOf(i), ReasonWord(code, _inst[i])));
                if (code == Rejection.Status)
                {
                    continue;
                }

                // Closest: rejected at the latest stage of the pipeline, then by the smallest shortfall, then first.
                long shortfall = code switch
                {
                    Rejection.Cpu => (long)_needCpu - _cpu[i],
                    Rejection.Memory => (long)_needMemory - _memory[i],
                    Rejection.Eni => (long)_needEni - _eni[i],
                    Rejection.Gpu => (long)_needGpu - _gpu[i],
                    _ => 0,
                };
                if (closest < 0 || code > closestCode || (code == closestCode && shortfall < closestShortfall))
                {
                    closest = i;
                    closestCode = code;
                    closestShortfall = shortfall;
                }
            }

            string? reason = null;
            string? closestId = null;
            string detail;
            if (!failed)
            {
                detail = placedCount == 0
                    ? "No task to place."
                    : $"Placed {placedCount} task(s); the first on container instance {firstChoice}.";
            }
            else if (closest < 0)
            {
                detail = request.CapacityProvider is not null
                    ? PlacementMessages.NoInstancesInCapacityProvider
                    : PlacementMessages.NoInstancesInCluster;
            }
            else
            {
                reason = ReasonWord(closestCode, _inst[closest]);
                closestId = IdOf(closest);
                detail = PlacementMessages.ClosestInstance(closestId, reason);
            }

            return new PlacementExplanation(reason, closestId, rejected.ToImmutable(), ranking, detail);
        }

        private static string ReasonWord(Rejection code, ContainerInstanceRecord inst) => code switch
        {
            Rejection.Status => inst.Status.ToString(),
            Rejection.Agent => PlacementReasons.Agent,
            Rejection.Cpu => PlacementReasons.Cpu,
            Rejection.Memory => PlacementReasons.Memory,
            Rejection.Ports => PlacementReasons.Ports,
            Rejection.Eni => PlacementReasons.Eni,
            Rejection.Gpu => PlacementReasons.Gpu,
            _ => PlacementReasons.Attribute,
        };
    }
}
