using MlflowGke.Build.Tests.Support;

namespace MlflowGke.Build.Tests.Frosting;

public sealed class HostTests
{
    [Test]
    public async Task Tree_lists_the_targets_and_their_dependencies()
    {
        var result = await new BuildProcess().RunAsync("--tree");

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString);
            Assert.That(result.Output, Does.Contain("Default").And.Contain("└─Doctor"));
        });
    }

    [Test]
    public async Task Description_shows_each_task_description()
    {
        var result = await new BuildProcess().RunAsync("--description");

        Assert.That(result.Output, Does.Contain("Checks this machine"), result.ToString);
    }

    [Test]
    public async Task Exclusive_runs_only_the_target()
    {
        var result = await new BuildProcess().RunAsync("--target=Default", "--exclusive");

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString);
            Assert.That(result.Output, Does.Match(@"Default\s+\d\d:\d\d:\d\d"), "the report lists the target");
            Assert.That(result.Output, Does.Not.Match(@"Doctor\s+\d\d:\d\d:\d\d"), "the dependency did not run");
        });
    }

    [Test]
    public async Task Dry_run_executes_nothing()
    {
        var result = await new BuildProcess().RunAsync("--target=Default", "--dryrun");

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString);
            Assert.That(result.Output, Does.Contain("1. Doctor").And.Contain("2. Default"));
            Assert.That(result.Output, Does.Contain("No tasks were actually executed"));
            Assert.That(result.Output, Does.Not.Contain("dotnet "), "Doctor's checks did not run");
            Assert.That(result.Output, Does.Not.Contain("Settings:"), "neither did the setup");
        });
    }

    [Test]
    public async Task Unknown_target_fails_with_the_list_of_targets()
    {
        var result = await new BuildProcess().RunAsync("--target=Deploi");

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString);
            Assert.That(result.All, Does.Contain("Unknown target 'Deploi'").And.Contain("Available targets:").And.Contain("Doctor"));
        });
    }

    [TestCase("--target=", "Unknown target ''")]
    [TestCase("--verbosity=bogus", "--verbosity='bogus': expected quiet, minimal, normal, verbose or diagnostic")]
    [TestCase("--verbosity=", "--verbosity='': expected quiet, minimal, normal, verbose or diagnostic")]
    public async Task A_host_option_without_a_usable_value_is_bad_input_named_in_the_message(string argument, string message)
    {
        var result = await new BuildProcess().RunAsync(argument);

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString);
            Assert.That(System.Text.RegularExpressions.Regex.Replace(result.All, @"\s+", " "), Does.Contain(message));
            Assert.That(result.All, Does.Not.Contain("Settings:"), "nothing ran");
        });
    }

    [Test]
    public async Task Report_is_printed_with_durations()
    {
        var result = await new BuildProcess().RunAsync("--target=Default", "--exclusive");

        Assert.That(result.Output, Does.Contain("Task").And.Contain("Duration").And.Match(@"Total:\s+\d\d:\d\d:\d\d"), result.ToString);
    }

    [Test]
    public async Task Version_prints_a_version_and_runs_nothing()
    {
        var result = await new BuildProcess().RunAsync("--version");

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString);
            Assert.That(result.Output.Trim(), Does.Match(@"^\d+\.\d+\.\d+"));
        });
    }

    [Test]
    public async Task Help_lists_the_options()
    {
        var result = await new BuildProcess().RunAsync("--help");

        Assert.That(result.Output, Does.Contain("--target").And.Contain("--exclusive").And.Contain("--dryrun").And.Contain("--tree"), result.ToString);
    }

    [Test]
    public async Task Failing_task_gives_a_non_zero_exit_code()
    {
        var build = new BuildProcess();
        build.Environment["PATH"] = "/nonexistent";

        var result = await build.RunAsync("--target=Doctor");

        Assert.That(result.ExitCode, Is.Not.EqualTo(0), result.ToString);
    }

    [Test]
    public async Task Dry_run_of_Deploy_needs_no_cluster_and_no_credentials()
    {
        var build = new BuildProcess();
        build.Environment["KUBECONFIG"] = "/nonexistent/kubeconfig";

        var result = await build.RunAsync("--target=Deploy", "--dryrun", "--project-id=my-project-1", "--region=europe-west1", "--cluster-name=ml");

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString);
            Assert.That(result.Output, Does.Contain("1. BuildImage").And.Contain("7. WaitReady").And.Contain("8. Prune").And.Contain("9. Deploy"));
        });
    }
}
