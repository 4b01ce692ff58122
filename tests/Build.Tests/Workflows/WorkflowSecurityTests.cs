using System.Text.RegularExpressions;
using MlflowGke.Build.Tests.Support;
using YamlDotNet.RepresentationModel;

namespace MlflowGke.Build.Tests.Workflows;

/// <summary>What a security review asks of the workflows: pinned actions, least privilege, bounded jobs, no stray secrets.</summary>
public sealed partial class WorkflowSecurityTests
{
    private const string AuthAction = "google-github-actions/auth@";

    /// <summary>The one Google service account each deploy job acts as; kubernetes and verify need the same role.</summary>
    private static readonly Dictionary<string, string> ServiceAccountOfJob = new()
    {
        ["build-push"] = "BUILD_SERVICE_ACCOUNT",
        ["database"] = "DATABASE_SERVICE_ACCOUNT",
        ["iam"] = "IAM_SERVICE_ACCOUNT",
        ["kubernetes"] = "CLUSTER_SERVICE_ACCOUNT",
        ["verify"] = "CLUSTER_SERVICE_ACCOUNT",
    };

    private static readonly string[] Workflows = ["ci.yml", "deploy.yml"];

    [TestCaseSource(nameof(Workflows))]
    public void Every_action_is_pinned_to_a_full_commit_sha_with_its_tag_in_a_comment(string fileName)
    {
        var uses = WorkflowFile.Load(fileName).Lines.Where(line => UsesLine().IsMatch(line)).ToList();

        Assert.Multiple(() =>
        {
            Assert.That(uses, Is.Not.Empty);
            Assert.That(uses, Has.All.Match(PinnedUses()), "uses: OWNER/ACTION@<40 hex digits> # vTAG");
        });
    }

    [TestCaseSource(nameof(Workflows))]
    public void Workflow_grants_nothing_by_default_and_each_job_only_what_it_uses(string fileName)
    {
        var workflow = WorkflowFile.Load(fileName);

        Assert.Multiple(() =>
        {
            Assert.That(workflow.Root.Children[new YamlScalarNode("permissions")], Is.InstanceOf<YamlMappingNode>().With.Property("Children").Empty, "top-level permissions: {}");
            foreach (var job in workflow.Jobs)
            {
                var authenticates = job.Steps.Any(step => step.Uses?.StartsWith(AuthAction, StringComparison.Ordinal) == true);
                var expected = authenticates
                    ? new Dictionary<string, string> { ["contents"] = "read", ["id-token"] = "write" }
                    : new Dictionary<string, string> { ["contents"] = "read" };
                Assert.That(job.Permissions, Is.EquivalentTo(expected), $"{job.Id}: id-token only where auth runs");
            }
        });
    }

    [TestCaseSource(nameof(Workflows))]
    public void Every_job_has_a_timeout_and_checks_out_without_keeping_the_token(string fileName)
    {
        var workflow = WorkflowFile.Load(fileName);

        Assert.Multiple(() =>
        {
            foreach (var job in workflow.Jobs)
            {
                Assert.That(int.TryParse(job["timeout-minutes"], out var minutes) && minutes is > 0 and <= 60, Is.True, $"{job.Id}: timeout-minutes");
                var checkouts = job.Steps.Where(step => step.Uses?.StartsWith("actions/checkout@", StringComparison.Ordinal) == true).ToList();
                Assert.That(checkouts, Has.All.Matches<WorkflowFile.Step>(step => step.With.GetValueOrDefault("persist-credentials") == "false"), $"{job.Id}: persist-credentials: false");
            }
        });
    }

    [TestCaseSource(nameof(Workflows))]
    public void No_tool_is_downloaded_outside_a_package_manager_that_verifies_it(string fileName)
    {
        var runs = WorkflowFile.Load(fileName).Jobs.SelectMany(job => job.Steps).Select(step => step.Run ?? string.Empty);

        Assert.That(runs, Has.None.Match(@"\b(curl|wget)\b"), "tools come from apt or as gcloud components, which check their checksums");
    }

    [Test]
    public void Each_deploy_job_acts_as_its_own_service_account_in_the_chosen_environment()
    {
        var jobs = WorkflowFile.Load("deploy.yml").Jobs.ToList();

        Assert.Multiple(() =>
        {
            Assert.That(jobs.Select(job => job.Id), Is.EquivalentTo(ServiceAccountOfJob.Keys));
            foreach (var job in jobs)
            {
                var auth = job.Steps.Single(step => step.Uses?.StartsWith(AuthAction, StringComparison.Ordinal) == true);
                Assert.That(auth.With["service_account"], Is.EqualTo($"${{{{ vars.{ServiceAccountOfJob[job.Id]} }}}}"), job.Id);
                Assert.That(job["environment"], Is.EqualTo("${{ inputs.environment }}"), $"{job.Id} runs in the protected environment");
            }
        });
    }

    [Test]
    public void The_database_password_reaches_exactly_the_jobs_that_use_it()
    {
        var jobs = WorkflowFile.Load("deploy.yml").Jobs.ToList();
        var needing = jobs.Where(job => job.Steps.SelectMany(step => step.BuildCalls).Any(call => call.Target is "CreateDatabase" or "Apply")).Select(job => job.Id);
        var having = jobs.Where(job => job.Environment.GetValueOrDefault("DB_PASSWORD") == "${{ secrets.DB_PASSWORD }}").Select(job => job.Id);

        Assert.Multiple(() =>
        {
            Assert.That(having, Is.EquivalentTo(needing));
            Assert.That(WorkflowFile.Load("deploy.yml").Lines.Count(line => line.Contains("secrets.")), Is.EqualTo(needing.Count()), "no other secret is used");
        });
    }

    [Test]
    public void Readme_sets_up_federation_for_this_repository_branch_and_environment_and_one_account_per_job()
    {
        var readme = File.ReadAllText(Path.Combine(RepositoryLayout.Root, "README.md"));

        Assert.Multiple(() =>
        {
            Assert.That(readme, Does.Match(@"--attribute-condition=""assertion\.repository_id=='[^']+' && assertion\.ref=='refs/heads/main' && assertion\.environment=='[^']+'"""));
            foreach (var account in ServiceAccountOfJob.Values.Distinct())
            {
                Assert.That(readme, Does.Contain($"`{account}`"), account);
            }

            Assert.That(readme, Does.Contain("required reviewers"));
            Assert.That(readme, Does.Not.Contain("DEPLOY_SERVICE_ACCOUNT"), "no single account that can do everything");
        });
    }

    [GeneratedRegex(@"^\s*(-\s+)?uses:")]
    private static partial Regex UsesLine();

    [GeneratedRegex(@"^\s*(-\s+)?uses: [\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+(\.\d+)*$")]
    private static partial Regex PinnedUses();
}
