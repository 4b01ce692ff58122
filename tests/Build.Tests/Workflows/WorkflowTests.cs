using System.Reflection;
using Cake.Frosting;

namespace MlflowGke.Build.Tests.Workflows;

public sealed class WorkflowTests
{
    private static readonly string[] KubernetesTargets = ["Annotate", "Apply", "WaitReady", "Prune", "Verify", "Teardown"];

    private static IReadOnlySet<string> Targets { get; } = typeof(BuildContext).Assembly.GetTypes()
        .Where(type => typeof(IFrostingTask).IsAssignableFrom(type) && !type.IsAbstract)
        .Select(type => type.GetCustomAttribute<TaskNameAttribute>()?.Name ?? type.Name)
        .ToHashSet();

    [TestCase("ci.yml")]
    [TestCase("deploy.yml")]
    public void Workflow_is_well_formed(string fileName)
    {
        var workflow = WorkflowFile.Load(fileName);

        Assert.Multiple(() =>
        {
            Assert.That(workflow.Scalar("name"), Is.Not.Null.And.Not.Empty);
            Assert.That(workflow.Root.Children.Keys.Select(key => key.ToString()), Does.Contain("on"));
            foreach (var job in workflow.Jobs)
            {
                Assert.That(job.Node.Children.Keys.Select(key => key.ToString()), Does.Contain("runs-on"), job.Id);
                Assert.That(job.Steps, Is.Not.Empty, job.Id);
                Assert.That(job.Steps.All(step => step.Uses != null || step.Run != null), Is.True, $"{job.Id}: every step uses an action or runs a command");
            }
        });
    }

    [TestCase("ci.yml")]
    [TestCase("deploy.yml")]
    public void Every_target_a_workflow_calls_exists(string fileName)
    {
        var calls = WorkflowFile.Load(fileName).Jobs.SelectMany(job => job.Steps).SelectMany(step => step.BuildCalls).ToList();

        Assert.That(calls.Select(call => call.Target), Is.SubsetOf(Targets));
    }

    [Test]
    public void Every_deploy_job_authenticates_to_Google_before_its_first_step_and_gets_cluster_credentials_before_kubectl()
    {
        Assert.Multiple(() =>
        {
            foreach (var job in WorkflowFile.Load("deploy.yml").Jobs)
            {
                var steps = job.Steps.ToList();
                var firstBuild = steps.FindIndex(step => step.BuildCalls.Count > 0);
                var auth = steps.FindIndex(step => step.Uses?.StartsWith("google-github-actions/auth@", StringComparison.Ordinal) == true);
                Assert.That(firstBuild, Is.GreaterThanOrEqualTo(0), $"{job.Id} runs the suite");
                Assert.That(auth, Is.InRange(0, firstBuild - 1), $"{job.Id} authenticates before its first step");

                var firstKubernetes = steps.FindIndex(step => step.BuildCalls.Any(call => KubernetesTargets.Contains(call.Target)));
                if (firstKubernetes >= 0)
                {
                    var credentials = steps.FindIndex(step => step.Run?.StartsWith("gcloud container clusters get-credentials ", StringComparison.Ordinal) == true);
                    Assert.That(credentials, Is.InRange(auth + 1, firstKubernetes - 1), $"{job.Id} gets cluster credentials after auth and before kubectl");
                }
            }
        });
    }

    [Test]
    public void Deploy_runs_each_target_exclusively_in_jobs_linked_by_needs()
    {
        var workflow = WorkflowFile.Load("deploy.yml");
        var jobs = workflow.Jobs.ToDictionary(job => job.Id);

        Assert.Multiple(() =>
        {
            Assert.That(jobs.Keys, Is.EqualTo(new[] { "build-push", "database", "iam", "kubernetes", "verify" }));
            Assert.That(jobs["database"].Needs, Does.Contain("build-push"));
            Assert.That(jobs["iam"].Needs, Does.Contain("build-push"));
            Assert.That(jobs["kubernetes"].Needs, Does.Contain("database").And.Contain("iam").And.Contain("build-push"));
            Assert.That(jobs["verify"].Needs, Does.Contain("kubernetes"));
            var calls = jobs.Values.SelectMany(job => job.Steps).SelectMany(step => step.BuildCalls).ToList();
            Assert.That(calls.All(call => call.Exclusive), Is.True, "every job step runs one target alone");
            Assert.That(calls.Select(call => call.Target), Is.EqualTo(new[] { "BuildImage", "PushImage", "CreateDatabase", "BindWorkloadIdentity", "Annotate", "Apply", "WaitReady", "Prune", "Verify" }));
        });
    }

    [Test]
    public void Deploy_uses_workload_identity_federation_and_one_concurrency_group_per_environment()
    {
        var workflow = WorkflowFile.Load("deploy.yml");

        Assert.Multiple(() =>
        {
            Assert.That(workflow.Scalar("jobs", "build-push", "permissions", "id-token"), Is.EqualTo("write"));
            Assert.That(workflow.Scalar("concurrency", "group"), Does.Contain("inputs.environment"));
            Assert.That(workflow.Scalar("concurrency", "cancel-in-progress"), Is.EqualTo("false"), "a deploy in progress is never cancelled half-way");
            Assert.That(workflow.Scalar("on", "workflow_dispatch", "inputs", "database", "type"), Is.EqualTo("choice"));
            Assert.That(workflow.Scalar("jobs", "build-push", "outputs", "image"), Does.Contain("steps.push.outputs.image"));
            Assert.That(workflow.Scalar("jobs", "kubernetes", "env", "IMAGE_TAG"), Does.Contain("needs.build-push.outputs.image-tag"));
        });
    }

    [Test]
    public void Ci_runs_the_test_command_the_readme_gives()
    {
        var readme = File.ReadAllText(Path.Combine(Support.RepositoryLayout.Root, "README.md"));
        var runs = WorkflowFile.Load("ci.yml").Jobs.SelectMany(job => job.Steps).Select(step => step.Run ?? string.Empty);

        Assert.Multiple(() =>
        {
            Assert.That(readme, Does.Contain("dotnet test tests/Build.Tests"));
            Assert.That(runs.Any(run => run.Contains("dotnet test tests/Build.Tests")), Is.True);
        });
    }
}
