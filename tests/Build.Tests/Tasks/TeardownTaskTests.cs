using MlflowGke.Build.Tests.Kubernetes;

namespace MlflowGke.Build.Tests.Tasks;

[Category("Kubectl")]
public sealed class TeardownTaskTests
{
    private const string Ns = KubeTestEnvironment.Namespace;
    private static readonly string[] Teardown = ["--target=Teardown"];

    [Test]
    public async Task Removes_what_Apply_created_but_keeps_the_data_and_a_second_run_changes_nothing()
    {
        await using var cluster = await KubeTestEnvironment.StartAsync();
        Assert.That((await cluster.Build("in-cluster").RunAsync(KubeTestEnvironment.ThroughApply)).ExitCode, Is.Zero);

        var first = await cluster.Build("in-cluster").RunAsync(Teardown);

        Assert.That(first.ExitCode, Is.Zero, first.ToString());
        Assert.Multiple(() =>
        {
            foreach (var (kind, name) in new[] { ("Deployment", "mlflow"), ("StatefulSet", "postgres"), ("Service", "mlflow"), ("Service", "postgres"), ("NetworkPolicy", "postgres"), ("ServiceAccount", "mlflow") })
            {
                Assert.That(cluster.Server.Get(kind, Ns, name), Is.Null, $"{kind} {name} removed");
            }

            Assert.That(cluster.MigrationJobs(), Is.Empty, "the migration Job removed");
            Assert.That(cluster.Server.Store.List(cluster.Server.Catalog.ByKind("Pod"), Ns).Where(pod => pod["metadata"]?["labels"]?["job-name"] != null), Is.Empty, "with its pods");

            Assert.That(cluster.Server.Get("PersistentVolumeClaim", Ns, "data-postgres-0"), Is.Not.Null, "the database volume is kept");
            Assert.That(cluster.Server.Get("Secret", Ns, "mlflow-db-credentials"), Is.Not.Null, "the password to the kept data is kept");
            Assert.That(first.Output, Does.Contain("Keeping persistentvolumeclaim/data-postgres-0").And.Contain("Kept: namespace mlflow, the Cloud SQL database"));
        });

        var mutations = cluster.Server.Mutations.Count;
        var second = await cluster.Build("in-cluster").RunAsync(Teardown);

        Assert.That(second.ExitCode, Is.Zero, second.ToString());
        Assert.That(cluster.Server.Mutations.Skip(mutations), Is.Empty, second.ToString());
        Assert.That(second.Output, Does.Contain("No changes"));
    }

    [Test]
    public async Task Plan_lists_what_it_would_remove_and_removes_nothing()
    {
        await using var cluster = await KubeTestEnvironment.StartAsync();
        Assert.That((await cluster.Build("cloud-sql").RunAsync(KubeTestEnvironment.ThroughApply)).ExitCode, Is.Zero);
        var mutations = cluster.Server.Mutations.Count;

        var plan = await cluster.Build("cloud-sql").RunAsync([.. Teardown, "--plan"]);

        Assert.That(plan.ExitCode, Is.Zero, plan.ToString());
        Assert.That(cluster.Server.Mutations.Skip(mutations), Is.Empty, plan.ToString());
        Assert.That(plan.Output, Does.Contain("PLAN would delete deployment.apps/cloudsql-proxy (teardown)").And.Contain("PLAN would delete deployment.apps/mlflow (teardown)"));
        Assert.That(cluster.Server.Get("Deployment", Ns, "mlflow"), Is.Not.Null);
    }

    [Test]
    public async Task Delete_data_also_removes_the_volume_and_the_secret()
    {
        await using var cluster = await KubeTestEnvironment.StartAsync();
        Assert.That((await cluster.Build("in-cluster").RunAsync(KubeTestEnvironment.ThroughApply)).ExitCode, Is.Zero);

        var run = await cluster.Build("in-cluster").RunAsync([.. Teardown, "--delete-data"]);

        Assert.That(run.ExitCode, Is.Zero, run.ToString());
        Assert.That(cluster.Server.Get("PersistentVolumeClaim", Ns, "data-postgres-0"), Is.Null);
        Assert.That(cluster.Server.Get("Secret", Ns, "mlflow-db-credentials"), Is.Null);
        Assert.That(cluster.Server.Get("Secret", Ns, "mlflow-backend-store"), Is.Null);
    }

    [Test]
    public async Task A_context_other_than_the_configured_cluster_is_refused_with_nothing_removed()
    {
        await using var cluster = await KubeTestEnvironment.StartAsync(currentContext: KubeTestEnvironment.OtherContext);
        var build = cluster.Build("in-cluster");
        build.Environment["KUBE_CONTEXT"] = KubeTestEnvironment.OtherContext;

        var run = await build.RunAsync(Teardown);

        Assert.That(run.ExitCode, Is.Not.Zero, run.ToString());
        Assert.That(cluster.Server.Mutations, Is.Empty);
        Assert.That(run.All, Does.Contain(KubeTestEnvironment.OtherContext).And.Contain(KubeTestEnvironment.Context));
    }
}
