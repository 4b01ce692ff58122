using Cake.Core.Diagnostics;
using MlflowGke.Build.Docker;
using MlflowGke.Build.Image;
using MlflowGke.Build.Tests.Fakes.Registry;

namespace MlflowGke.Build.Tests.Docker;

/// <summary>The push path in-process, so the test can restart the registry exactly when the first push has failed.</summary>
[Category("Docker")]
public sealed class PushRetryTests
{
    private static readonly RetryPolicy Quick = new(5, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(2));

    [Test]
    public async Task A_push_to_a_stopped_registry_is_retried_and_succeeds_once_it_is_back()
    {
        DockerRequirement.Check();
        await using var registry = await LocalRegistry.StartAsync();
        using var context = new BusyboxContext();
        var cake = CakeContexts.Create();
        var docker = new DockerCli(cake);
        var client = new RegistryClient(new HttpClient(), new NoCredentials(), new NullLog(), Quick);
        var image = new ImageReference($"{registry.Host}/mlflow", ImageInputDigest.Tag(context.Path, Path.Combine(context.Path, "Dockerfile")));
        var publisher = new ImagePublisher(docker, client, new ImageSource(context.Path, Path.Combine(context.Path, "Dockerfile"), image), () => new SourceRevision(null, false, null), new NullLog(), Quick);
        await publisher.BuildAsync(DateTimeOffset.UtcNow, CancellationToken.None);
        await registry.StopAsync();
        var retries = new List<int>();

        var pushed = await publisher.PushAsync(CancellationToken.None, attempt =>
        {
            retries.Add(attempt);
            if (retries.Count == 1)
            {
                registry.StartAgainAsync().GetAwaiter().GetResult();
            }
        });

        Assert.Multiple(async () =>
        {
            Assert.That(retries, Is.EqualTo(new[] { 1 }), "one failed attempt while the registry was down, then success");
            Assert.That(pushed.Digest, Is.EqualTo(await registry.DigestAsync("mlflow", image.Tag)));
            Assert.That(pushed.Pinned, Is.EqualTo($"{registry.Host}/mlflow@{pushed.Digest}"));
        });
    }

    [Test]
    public void A_permanent_push_failure_is_not_retried()
    {
        DockerRequirement.Check();
        var docker = new DockerCli(CakeContexts.Create());
        var retries = 0;
        var pipeline = Quick.Create("Pushing", exception => exception is DockerCommandException { IsTransient: true }, new NullLog(), _ => retries++);

        var failure = Assert.Throws<DockerCommandException>(() => pipeline.Execute(() => docker.Push($"127.0.0.1:1/never-built-{Guid.NewGuid():N}:t")));

        Assert.Multiple(() =>
        {
            Assert.That(failure!.Errors, Has.Some.Contain("does not exist locally"));
            Assert.That(retries, Is.EqualTo(0));
        });
    }
}
