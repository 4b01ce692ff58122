using MlflowGke.Build.Image;
using MlflowGke.Build.Tests.Fakes.Registry;
using MlflowGke.Build.Tests.Support;

namespace MlflowGke.Build.Tests.Docker;

/// <summary>BuildImage and PushImage run as a user runs them (Build.dll), with the real daemon and a real registry.</summary>
[Category("Docker")]
public sealed class ImageStepsTests
{
    private LocalRegistry _registry = null!;

    [OneTimeSetUp]
    public async Task StartRegistry()
    {
        DockerRequirement.Check();
        _registry = await LocalRegistry.StartAsync();
    }

    [OneTimeTearDown]
    public async Task StopRegistry()
    {
        if (_registry != null)
        {
            await _registry.DisposeAsync();
        }
    }

    [Test]
    public async Task Build_and_push_then_a_second_run_skips_both()
    {
        using var context = new BusyboxContext();
        var name = UniqueName();
        var tag = ImageInputDigest.Tag(context.Path, Path.Combine(context.Path, "Dockerfile"));

        var first = await PushImage(name, context.Path);
        var digest = await _registry.DigestAsync(name, tag);
        var second = await PushImage(name, context.Path);

        Assert.Multiple(() =>
        {
            Assert.That(first.ExitCode, Is.EqualTo(0), first.ToString);
            Assert.That(digest, Does.StartWith("sha256:"), "the content tag is in the registry");
            Assert.That(first.Output, Does.Contain($"Pushed {_registry.Host}/{name}:{tag}: digest {digest}"));
            Assert.That(first.Output, Does.Contain($"deployments pin {_registry.Host}/{name}@{digest}"));
            Assert.That(second.ExitCode, Is.EqualTo(0), second.ToString);
            Assert.That(second.Output, Does.Not.Contain("Change:"), "the second run builds and pushes nothing");
            Assert.That(second.Output, Does.Contain("No changes"));
            Assert.That(second.Output, Does.Match(@"BuildImage\s+-\s+Skipped"), "the report shows BuildImage skipped");
            Assert.That(second.Output, Does.Contain($"Nothing to do: the registry already has {tag} with the same digest ({digest})"));
        });
    }

    [Test]
    public async Task Plan_says_what_each_step_would_do_and_changes_nothing()
    {
        using var context = new BusyboxContext();
        var name = UniqueName();
        var tag = ImageInputDigest.Tag(context.Path, Path.Combine(context.Path, "Dockerfile"));

        var plan = await PushImage(name, context.Path, "--plan");

        Assert.Multiple(async () =>
        {
            Assert.That(plan.ExitCode, Is.EqualTo(0), plan.ToString);
            Assert.That(plan.Output, Does.Contain($"PLAN would build {_registry.Host}/{name}:{tag}"));
            Assert.That(plan.Output, Does.Contain($"PLAN would push {_registry.Host}/{name} with tags"));
            Assert.That(await _registry.DigestAsync(name, tag), Is.Null, "nothing was pushed");
        });
    }

    [Test]
    public async Task A_changed_context_gives_a_new_tag_and_keeps_the_old_one()
    {
        using var context = new BusyboxContext();
        var name = UniqueName();
        var oldTag = ImageInputDigest.Tag(context.Path, Path.Combine(context.Path, "Dockerfile"));
        var first = await PushImage(name, context.Path);
        var oldDigest = await _registry.DigestAsync(name, oldTag);

        context.ChangeMarker("second\n");
        var newTag = ImageInputDigest.Tag(context.Path, Path.Combine(context.Path, "Dockerfile"));
        var second = await PushImage(name, context.Path);

        Assert.Multiple(async () =>
        {
            Assert.That(first.ExitCode, Is.EqualTo(0), first.ToString);
            Assert.That(second.ExitCode, Is.EqualTo(0), second.ToString);
            Assert.That(newTag, Is.Not.EqualTo(oldTag));
            Assert.That(second.Output, Does.Contain($"Change: build {_registry.Host}/{name}:{newTag}"));
            var newDigest = await _registry.DigestAsync(name, newTag);
            Assert.That(newDigest, Does.StartWith("sha256:").And.Not.EqualTo(oldDigest));
            Assert.That(await _registry.DigestAsync(name, oldTag), Is.EqualTo(oldDigest), "the old tag still names the old image");
        });
    }

    [Test]
    public async Task An_unreachable_registry_fails_with_an_error_naming_it()
    {
        using var context = new BusyboxContext();
        var unreachable = $"127.0.0.1:{LocalRegistry.FreePort()}";

        var result = await new BuildProcess().RunAsync("--target=PushImage", $"--image-repository={unreachable}/mlflow", $"--image-context={context.Path}");

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.Not.EqualTo(0), result.ToString);
            Assert.That(result.All, Does.Contain($"Cannot reach the registry {unreachable}"));
            Assert.That(result.All, Does.Contain("IMAGE_REPOSITORY"));
        });
    }

    [Test]
    public async Task A_Dockerfile_error_fails_BuildImage_with_dockers_message()
    {
        using var context = new BusyboxContext("FROMM scratch\nCOPY busybox /bin/busybox\n");
        var name = UniqueName();

        var result = await PushImage(name, context.Path);

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.Not.EqualTo(0), result.ToString);
            Assert.That(result.All, Does.Contain("'docker build' failed").And.Contain("unknown instruction: FROMM").IgnoreCase);
            Assert.That(result.Output, Does.Not.Contain("Change: push"), "nothing is pushed after a failed build");
        });
    }

    [Test]
    public async Task An_image_tag_setting_overrides_the_content_tag()
    {
        using var context = new BusyboxContext();
        var name = UniqueName();

        var result = await PushImage(name, context.Path, "--image-tag=release-1");

        Assert.Multiple(async () =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString);
            Assert.That(await _registry.DigestAsync(name, "release-1"), Does.StartWith("sha256:"));
            Assert.That(await _registry.DigestAsync(name, ImageInputDigest.Tag(context.Path, Path.Combine(context.Path, "Dockerfile"))), Is.Null);
        });
    }

    private static string UniqueName() => $"mlflow-{Guid.NewGuid():N}"[..20];

    private Task<BuildResult> PushImage(string name, string contextDirectory, params string[] extra) =>
        new BuildProcess().RunAsync(["--target=PushImage", $"--image-repository={_registry.Host}/{name}", $"--image-context={contextDirectory}", .. extra]);
}
