using System.Diagnostics;
using System.Text.Json;
using Cake.Core.Diagnostics;
using MlflowGke.Build.Docker;
using MlflowGke.Build.Image;
using MlflowGke.Build.Tests.Fakes.Registry;

namespace MlflowGke.Build.Tests.Docker;

[Category("Docker")]
public sealed class ImagePublisherTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);
    private LocalRegistry _registry = null!;
    private BusyboxContext _context = null!;

    [SetUp]
    public async Task Start()
    {
        DockerRequirement.Check();
        _registry = await LocalRegistry.StartAsync();
        _context = new BusyboxContext();
    }

    [TearDown]
    public async Task Stop()
    {
        _context?.Dispose();
        if (_registry != null)
        {
            await _registry.DisposeAsync();
        }
    }

    [Test]
    public async Task Build_labels_the_image_with_its_source_revision_without_credentials_and_creation_time_and_tags_the_commit()
    {
        var publisher = Publisher(new SourceRevision("0123456789abcdef0123456789abcdef01234567", false, "https://ci:ghp_tokenInTheRemote@github.com/example/mlflow-gke"));

        await publisher.BuildAsync(Now, CancellationToken.None);

        var labels = Labels($"{_registry.Host}/mlflow:git-0123456789ab");
        Assert.Multiple(() =>
        {
            Assert.That(labels["org.opencontainers.image.revision"], Is.EqualTo("0123456789abcdef0123456789abcdef01234567"));
            Assert.That(labels["org.opencontainers.image.source"], Is.EqualTo("https://github.com/example/mlflow-gke"));
            Assert.That(labels["org.opencontainers.image.created"], Is.EqualTo("2026-11-28T12:00:00Z"));
            Assert.That(publisher.Tags, Is.EqualTo(new[] { "git-0123456789ab", "latest", publisher.Source.Image.Tag }), "the content tag is pushed last");
        });
    }

    [Test]
    public void A_dirty_checkout_gets_no_commit_tag() =>
        Assert.That(Publisher(new SourceRevision("0123456789abcdef", true, null)).Tags, Has.None.StartsWith("git-"));

    [Test]
    public async Task A_local_build_that_differs_from_the_pushed_image_is_pushed_again()
    {
        var first = Publisher(new SourceRevision(null, false, null));
        await first.BuildAsync(Now, CancellationToken.None);
        var pushed = await first.PushAsync(CancellationToken.None);

        var rebuilt = Publisher(new SourceRevision(null, false, null));
        await rebuilt.BuildAsync(Now.AddHours(1), CancellationToken.None);
        var beforePush = await rebuilt.PushNotNeededBecauseAsync(CancellationToken.None);
        var repushed = await rebuilt.PushAsync(CancellationToken.None);
        var afterPush = await Publisher(new SourceRevision(null, false, null)).PushNotNeededBecauseAsync(CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(beforePush, Is.Null, "a different local image under the same tag needs a push");
            Assert.That(repushed.Digest, Is.Not.EqualTo(pushed.Digest));
            Assert.That(afterPush, Does.Contain("with the same digest"));
        });
    }

    private ImagePublisher Publisher(SourceRevision revision)
    {
        var dockerfile = Path.Combine(_context.Path, "Dockerfile");
        var image = new ImageReference($"{_registry.Host}/mlflow", ImageInputDigest.Tag(_context.Path, dockerfile));
        var registry = new RegistryClient(new HttpClient(), new NoCredentials(), new NullLog());
        return new ImagePublisher(new DockerCli(CakeContexts.Create()), registry, new ImageSource(_context.Path, dockerfile, image), () => revision, new NullLog(), RetryPolicy.Push);
    }

    private static Dictionary<string, string> Labels(string image)
    {
        var start = new ProcessStartInfo("docker") { RedirectStandardOutput = true };
        foreach (var argument in new[] { "image", "inspect", "--format", "{{json .Config.Labels}}", image })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return JsonSerializer.Deserialize<Dictionary<string, string>>(output) ?? [];
    }
}
