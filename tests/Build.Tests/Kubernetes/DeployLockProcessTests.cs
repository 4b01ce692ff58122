using System.Globalization;
using System.Text.Json.Nodes;

namespace MlflowGke.Build.Tests.Kubernetes;

/// <summary>The deploy lock through the real Build.dll and kubectl: the Lease in the fake apiserver, and its request log.</summary>
[Category("Kubectl")]
public sealed class DeployLockProcessTests
{
    private const string Ns = KubeTestEnvironment.Namespace;
    private const string LeasePath = $"/apis/coordination.k8s.io/v1/namespaces/{Ns}/leases";

    [Test]
    public async Task A_deploy_while_another_holds_the_lock_fails_with_exit_code_3_naming_the_holder_and_changes_nothing()
    {
        // Given a live lease held by a CI run
        await using var cluster = await KubeTestEnvironment.StartAsync();
        SeedLease(cluster, "https://github.com/acme/mlflow/actions/runs/42", renewedAgo: TimeSpan.Zero, durationSeconds: 3600);
        var build = cluster.Build("in-cluster");
        build.Environment["LOCK_TIMEOUT"] = "2s";

        // When a deploy starts
        var started = DateTime.UtcNow;
        var refused = await build.RunAsync(KubeTestEnvironment.ThroughApply);

        // Then it waited, gave up naming the holder and since when, and wrote nothing
        Assert.That(refused.ExitCode, Is.EqualTo(3), refused.ToString());
        Assert.That(DateTime.UtcNow - started, Is.GreaterThan(TimeSpan.FromSeconds(2)));
        Assert.That(refused.All, Does.Contain("is held by https://github.com/acme/mlflow/actions/runs/42 since 20").And.Contain("Nothing was changed"));
        Assert.That(cluster.Server.AllMutations, Is.Empty, string.Join('\n', cluster.Server.Requests));
    }

    [Test]
    public async Task A_deploy_creates_the_namespace_then_takes_the_lease_before_any_change_and_releases_it_at_the_end()
    {
        // Given an empty cluster
        await using var cluster = await KubeTestEnvironment.StartAsync();

        // When a deploy runs
        var run = await cluster.Build("in-cluster").RunAsync(KubeTestEnvironment.ThroughApply);

        // Then the namespace came first, the lease second, and the lease is free again
        Assert.That(run.ExitCode, Is.Zero, run.ToString());
        var writes = cluster.Server.AllMutations.Select(request => $"{request.Method} {request.Path}").ToList();
        Assert.That(writes.Take(2), Is.EqualTo(new[] { "PATCH /api/v1/namespaces/mlflow", $"POST {LeasePath}" }), string.Join('\n', writes));
        Assert.That(writes[^1], Is.EqualTo($"PUT {LeasePath}/mlflow-deploy"));
        Assert.That(run.Output, Does.Contain("Deploy lock: holding lease mlflow/mlflow-deploy as ").And.Contain("Deploy lock: released lease mlflow/mlflow-deploy."));
        Assert.That(cluster.Server.Get("Lease", Ns, "mlflow-deploy")!["spec"]!["holderIdentity"], Is.Null);
    }

    [Test]
    public async Task The_lock_is_released_when_a_task_fails()
    {
        // Given a deploy whose Apply fails after Annotate: the image tag was never pushed
        await using var cluster = await KubeTestEnvironment.StartAsync();
        var build = cluster.Build("in-cluster");
        build.Environment["IMAGE_TAG"] = "never-pushed";

        // When it runs
        var failed = await build.RunAsync(KubeTestEnvironment.ThroughApply);

        // Then it failed holding the lock, and left the lease free
        Assert.That(failed.ExitCode, Is.Not.Zero, failed.ToString());
        Assert.That(failed.Output, Does.Contain("Deploy lock: holding").And.Contain("Deploy lock: released"));
        Assert.That(cluster.Server.Get("Lease", Ns, "mlflow-deploy")!["spec"]!["holderIdentity"], Is.Null);
    }

    [Test]
    public async Task An_expired_lease_is_taken_over_with_a_warning_and_left_free()
    {
        // Given a lease whose holder stopped renewing it longer ago than its duration
        await using var cluster = await KubeTestEnvironment.StartAsync();
        SeedLease(cluster, "someone-else", renewedAgo: TimeSpan.FromMinutes(5), durationSeconds: 60);

        // When a deploy runs
        var run = await cluster.Build("in-cluster").RunAsync(KubeTestEnvironment.ThroughApply);

        // Then it warns loudly, runs, and leaves the lease free
        Assert.That(run.ExitCode, Is.Zero, run.ToString());
        Assert.That(run.Output, Does.Contain("Deploy lock: TAKING OVER lease mlflow/mlflow-deploy from someone-else").And.Contain("because it expired"));
        Assert.That(cluster.Server.Get("Lease", Ns, "mlflow-deploy")!["spec"]!["holderIdentity"], Is.Null);
    }

    [Test]
    public async Task Break_lock_takes_over_a_lease_its_holder_stopped_renewing()
    {
        // Given a lease with a long duration whose holder has not renewed it for a minute
        await using var cluster = await KubeTestEnvironment.StartAsync();
        var build = NotWaitingBuild(cluster, "alice@laptop pid 7", renewedAgo: TimeSpan.FromMinutes(1), durationSeconds: 3600);
        var refused = await build.RunAsync(KubeTestEnvironment.ThroughApply);
        Assert.That(refused.ExitCode, Is.EqualTo(3), refused.ToString());

        // When the deploy runs again with --break-lock
        var broken = await build.RunAsync([.. KubeTestEnvironment.ThroughApply, "--break-lock"]);

        // Then it takes the lease over with a warning and deploys
        Assert.That(broken.ExitCode, Is.Zero, broken.ToString());
        Assert.That(broken.Output, Does.Contain("TAKING OVER lease mlflow/mlflow-deploy from alice@laptop pid 7").And.Contain("because --break-lock"));
        Assert.That(cluster.Server.Get("Deployment", Ns, "mlflow"), Is.Not.Null);
    }

    [Test]
    public async Task Break_lock_refuses_a_lease_its_holder_still_renews()
    {
        // Given a lease renewed just now
        await using var cluster = await KubeTestEnvironment.StartAsync();
        var build = NotWaitingBuild(cluster, "alice@laptop pid 7", renewedAgo: TimeSpan.Zero, durationSeconds: 60);

        // When a deploy runs with --break-lock
        var refused = await build.RunAsync([.. KubeTestEnvironment.ThroughApply, "--break-lock"]);

        // Then it is refused and nothing changed
        Assert.That(refused.ExitCode, Is.EqualTo(3), refused.ToString());
        Assert.That(refused.All, Does.Contain("--break-lock refused: the holder renewed the lease less than 20s ago"));
        Assert.That(cluster.Server.AllMutations, Is.Empty);
    }

    [Test]
    public async Task Plan_and_read_only_targets_never_touch_the_lease()
    {
        // Given a lease held by someone else
        await using var cluster = await KubeTestEnvironment.StartAsync();
        var build = NotWaitingBuild(cluster, "alice@laptop pid 7", renewedAgo: TimeSpan.Zero, durationSeconds: 3600);

        // When a plan and Render run
        var plan = await build.RunAsync([.. KubeTestEnvironment.ThroughApply, "--plan"]);
        var render = await build.RunAsync("--target=Render", "--exclusive");

        // Then neither waited for the lock nor read it
        Assert.That(plan.ExitCode, Is.Zero, plan.ToString());
        Assert.That(render.All, Does.Not.Contain("deploy lock"));
        Assert.That(cluster.Server.Requests.Where(request => request.Path.StartsWith(LeasePath, StringComparison.Ordinal)), Is.Empty);
    }

    [Test]
    public async Task The_fake_apiserver_refuses_a_second_create_and_a_replace_with_a_stale_resource_version()
    {
        // Given a lease created through kubectl
        await using var cluster = await KubeTestEnvironment.StartAsync();
        SeedNamespace(cluster);
        var lease = Lease("a", TimeSpan.Zero, 60).ToJsonString();
        var created = await KubectlWithInputAsync(cluster, lease, "create", "--filename=-", "--output=json");
        Assert.That(created.ExitCode, Is.Zero, created.Error);
        var stale = JsonNode.Parse(created.Output)!.AsObject();
        stale["metadata"]!["resourceVersion"] = "1";

        // When it is created again, and replaced from a stale read
        var again = await KubectlWithInputAsync(cluster, lease, "create", "--filename=-");
        var replaced = await KubectlWithInputAsync(cluster, stale.ToJsonString(), "replace", "--filename=-");

        // Then both are refused as the apiserver refuses them
        Assert.That(again.Error, Does.Contain("(AlreadyExists)"));
        Assert.That(replaced.Error, Does.Contain("(Conflict)").And.Contain("the object has been modified"));
    }

    /// <summary>A lease held by <paramref name="holder"/>, and a build that does not wait for it.</summary>
    private static Support.BuildProcess NotWaitingBuild(KubeTestEnvironment cluster, string holder, TimeSpan renewedAgo, int durationSeconds)
    {
        SeedLease(cluster, holder, renewedAgo, durationSeconds);
        var build = cluster.Build("in-cluster");
        build.Environment["LOCK_TIMEOUT"] = "0s";
        return build;
    }

    private static void SeedNamespace(KubeTestEnvironment cluster) =>
        cluster.Server.Seed(new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = Ns } });

    private static void SeedLease(KubeTestEnvironment cluster, string holder, TimeSpan renewedAgo, int durationSeconds)
    {
        SeedNamespace(cluster);
        cluster.Server.Seed(Lease(holder, renewedAgo, durationSeconds));
    }

    private static JsonObject Lease(string holder, TimeSpan renewedAgo, int durationSeconds)
    {
        var renewed = DateTime.UtcNow - renewedAgo;
        return new JsonObject
        {
            ["apiVersion"] = "coordination.k8s.io/v1",
            ["kind"] = "Lease",
            ["metadata"] = new JsonObject { ["name"] = "mlflow-deploy", ["namespace"] = Ns },
            ["spec"] = new JsonObject
            {
                ["holderIdentity"] = holder,
                ["leaseDurationSeconds"] = durationSeconds,
                ["acquireTime"] = renewed.AddMinutes(-3).ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture),
                ["renewTime"] = renewed.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture),
            },
        };
    }

    private static Task<(int ExitCode, string Output, string Error)> KubectlWithInputAsync(KubeTestEnvironment cluster, string input, params string[] arguments) =>
        cluster.KubectlWithInputAsync(input, ["--context", KubeTestEnvironment.Context, "--namespace", Ns, .. arguments]);
}
