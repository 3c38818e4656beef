using Emulator.Model.Scaling;

namespace Emulator.Tests.Model.Scaling;

/// <summary>B-IT-5: group costs kept as tasks change give what a task-by-task sum gives.</summary>
public sealed class CostLedgerTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void B_IT_5_group_costs_match_the_sum_of_task_costs_as_tasks_start_stop_and_go()
    {
        var random = new Random(11);
        var ledger = new CostLedger<string>(StringComparer.Ordinal);
        var live = new Dictionary<int, (string Group, TaskCostTerms Terms)>();
        var now = T0;
        for (var step = 0; step < 5_000; step++)
        {
            now += TimeSpan.FromSeconds(random.Next(0, 30));
            var id = random.Next(0, 300);
            if (live.Remove(id, out var old))
            {
                ledger.Remove(old.Group, old.Terms);
            }

            if (random.Next(4) > 0)
            {
                // A new record of the task: running since some past instant, stopped (fixed end) or free (not placed yet).
                var from = now - TimeSpan.FromSeconds(random.Next(0, 3_600));
                var terms = random.Next(5) switch
                {
                    0 => TaskCostTerms.Free,
                    1 => new TaskCostTerms(0.1m / 3600m * random.Next(1, 8), from, now),
                    _ => new TaskCostTerms(0.0416m * random.Next(1, 4) / 3600m, from, null),
                };
                var entry = ("g" + random.Next(0, 5), terms);
                live[id] = entry;
                ledger.Add(entry.Item1, entry.Item2);
            }

            if (step % 97 == 0)
            {
                foreach (var group in live.Values.Select(v => v.Group).Distinct())
                {
                    var expected = live.Values.Where(v => v.Group == group).Sum(v => v.Terms.At(now));
                    Assert.InRange(ledger.At(group, now) - expected, -1e-12m, 1e-12m);
                }

                Assert.Equal(live.Values.Select(v => v.Group).Distinct().Order(), ledger.Groups.Order());
            }
        }
    }

    [Fact]
    public void B_IT_5_a_running_task_costs_its_rate_times_the_time_since_it_started_and_a_stopped_one_stays_fixed()
    {
        var ledger = new CostLedger<string>();
        var hourly = new TaskCostTerms(1m / 3600m, T0, null);
        ledger.Add("web", hourly);
        Assert.Equal(1m, decimal.Round(ledger.At("web", T0 + TimeSpan.FromHours(1)), 10));
        Assert.Equal(2m, decimal.Round(ledger.At("web", T0 + TimeSpan.FromHours(2)), 10));

        ledger.Remove("web", hourly);
        ledger.Add("web", hourly with { Until = T0 + TimeSpan.FromMinutes(30) });
        Assert.Equal(0.5m, decimal.Round(ledger.At("web", T0 + TimeSpan.FromHours(5)), 10));
        Assert.Equal(0m, ledger.At("unknown", T0));
    }
}
