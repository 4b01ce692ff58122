using System.Text.Json.Nodes;

namespace MlflowGke.Build.Tests.EndToEnd;

/// <summary>
/// A deploy that stops between any two writes (the fake apiserver goes down right after the Nth one, as if the run
/// were killed there) leaves running pods with every ConfigMap and Secret they use, and the next deploy converges.
/// The deploys switch database paths, the change that replaces most objects and prunes the other path's; the switches
/// alternate direction, so each direction is stopped after every other write (the even ones to cloud-sql, the odd ones back).
/// </summary>
[Category("Docker")]
[Category("Kubectl")]
public sealed class InterruptedDeployTests
{
    [Test]
    public async Task A_deploy_interrupted_after_any_write_leaves_pods_with_their_objects_and_a_rerun_converges()
    {
        // Given a cluster deployed on each path once, uninterrupted
        await using var environment = await DeployEnvironment.StartAsync();
        environment.Kube.Controller.ReadyDelay = TimeSpan.FromSeconds(1.5); // old pods run that long beside the new ones
        var converged = new Dictionary<string, string>();
        foreach (var database in new[] { "in-cluster", "cloud-sql", "in-cluster" })
        {
            var clean = await environment.Build(database).RunAsync("--target=Deploy", "--switch-database");
            Assert.That(clean.ExitCode, Is.Zero, clean.ToString());
            converged[database] = (await environment.FactsAsync()).KubeObjects;
        }

        // The switches alternate, so each starts from the other path; the outage comes one write later each time.
        var completed = new HashSet<string>();
        for (var writes = 0; completed.Count < 2; writes++)
        {
            var database = writes % 2 == 0 ? "cloud-sql" : "in-cluster";

            // When the switch to the other path stops after this many writes, and the deploy runs again
            environment.Kube.GoDownAfterMutations(writes);
            var interrupted = await environment.Build(database).RunAsync("--target=Deploy", "--switch-database");
            environment.Kube.ComeBack();
            LetTheStoppedRunsLeaseExpire(environment);
            var missingAfterInterrupt = MissingReferences(environment);
            var rerun = await environment.Build(database).RunAsync("--target=Deploy", "--switch-database");

            // Then
            var point = $"switch to {database} stopped after {writes} writes";
            await TestContext.Progress.WriteLineAsync($"{point}: exit code {interrupted.ExitCode}, rerun {rerun.ExitCode}");
            Assert.Multiple(async () =>
            {
                Assert.That(missingAfterInterrupt, Is.Empty, $"{point}: {interrupted}");
                Assert.That(rerun.ExitCode, Is.Zero, $"{point}, rerun: {rerun}");
                Assert.That(MissingReferences(environment), Is.Empty, point);
                Assert.That((await environment.FactsAsync()).KubeObjects, Is.EqualTo(converged[database]), point);
            });
            if (interrupted.ExitCode == 0)
            {
                completed.Add(database); // the outage came after the last write: every later point of this switch was tried
            }
        }
    }

    /// <summary>"pod P: configmap C" for every ConfigMap or Secret a pod's volumes or environment name that does not exist.</summary>
    private static List<string> MissingReferences(DeployEnvironment environment)
    {
        var missing = new List<string>();
        foreach (var pod in environment.Kube.Store.List(environment.Kube.Catalog.ByKind("Pod"), DeployEnvironment.Namespace))
        {
            var spec = pod["spec"]!;
            var containers = (spec["containers"]?.AsArray() ?? []).Concat(spec["initContainers"]?.AsArray() ?? []).OfType<JsonObject>().ToList();
            var references = (spec["volumes"]?.AsArray() ?? []).OfType<JsonObject>()
                .SelectMany(volume => new[] { ("ConfigMap", volume["configMap"]?["name"]), ("Secret", volume["secret"]?["secretName"]) })
                .Concat(containers.SelectMany(container => (container["envFrom"]?.AsArray() ?? []).OfType<JsonObject>())
                    .SelectMany(source => new[] { ("ConfigMap", source["configMapRef"]?["name"]), ("Secret", source["secretRef"]?["name"]) }))
                .Concat(containers.SelectMany(container => (container["env"]?.AsArray() ?? []).OfType<JsonObject>())
                    .SelectMany(variable => new[] { ("ConfigMap", variable["valueFrom"]?["configMapKeyRef"]?["name"]), ("Secret", variable["valueFrom"]?["secretKeyRef"]?["name"]) }));
            missing.AddRange(references
                .Where(reference => reference.Item2 != null && environment.Kube.Get(reference.Item1, DeployEnvironment.Namespace, reference.Item2.GetValue<string>()) == null)
                .Select(reference => $"pod {pod["metadata"]!["name"]}: {reference.Item1} {reference.Item2}"));
        }

        return missing;
    }

    /// <summary>
    /// A run stopped by the outage could not release its deploy lock; on a real cluster the Lease expires after its
    /// duration. Moving its renewal into the past stands for that wait, so the rerun takes the expired lock over.
    /// </summary>
    private static void LetTheStoppedRunsLeaseExpire(DeployEnvironment environment)
    {
        var lease = environment.Kube.Get("Lease", DeployEnvironment.Namespace, "mlflow-deploy");
        if (lease?["spec"] is JsonObject spec && spec["holderIdentity"] != null)
        {
            spec["renewTime"] = "2000-01-01T00:00:00.000000Z";
            environment.Kube.Seed(lease);
        }
    }
}
