using Cake.Core.Diagnostics;
using Cake.Frosting;
using MlflowGke.Build.Docker;
using MlflowGke.Build.Image;
using MlflowGke.Build.Tests.Docker;
using MlflowGke.Build.Tests.Fakes.Registry;

namespace MlflowGke.Build.Tests.Image;

/// <summary>What Apply does to the images the manifests name by tag: pins them to what the real registry serves.</summary>
[Category("Docker")]
public sealed class ImagePinnerTests
{
    private LocalRegistry _registry = null!;

    [SetUp]
    public async Task Start()
    {
        DockerRequirement.Check();
        _registry = await LocalRegistry.StartAsync();
    }

    [TearDown]
    public async Task Stop() => await _registry.DisposeAsync();

    [Test]
    public async Task Tags_are_pinned_to_the_digests_the_mirror_serves_under_their_own_paths()
    {
        // Given the mirror holds postgres (a Docker Hub library image) and the proxy (a gcr.io image)
        var postgres = await _registry.PushSyntheticImageAsync("library/postgres", "16.4-bookworm");
        var proxy = await _registry.PushSyntheticImageAsync("cloud-sql-connectors/cloud-sql-proxy", "2.14.1");

        // When
        var pinned = await Pinner().PinAsync(["postgres:16.4-bookworm", "gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.14.1", "postgres:16.4-bookworm"]);

        // Then
        Assert.That(pinned.Select(image => (image.Name, image.Pinned)), Is.EqualTo(new[]
        {
            ("gcr.io/cloud-sql-connectors/cloud-sql-proxy", $"{_registry.Host}/cloud-sql-connectors/cloud-sql-proxy@{proxy}"),
            ("postgres", $"{_registry.Host}/library/postgres@{postgres}"),
        }));
    }

    [Test]
    public async Task A_reference_with_a_digest_is_left_as_it_is()
    {
        var pinned = await Pinner().PinAsync(["postgres@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"]);

        Assert.That(pinned, Is.Empty);
    }

    [Test]
    public void A_tag_the_registry_lacks_is_bad_input_named_with_the_place_it_was_looked_for()
    {
        var failure = Assert.ThrowsAsync<ImagePinException>(() => Pinner().PinAsync(["postgres:99-missing"]));

        Assert.That(((IExitCodeException)failure!).ExitCode, Is.EqualTo(2));
        Assert.That(failure.Message, Does.Contain($"postgres:99-missing, but the registry has no {_registry.Host}/library/postgres:99-missing").And.Contain("nothing was changed"));
    }

    [Test]
    public void An_unreachable_registry_is_a_named_failure()
    {
        var port = LocalRegistry.FreePort();
        var pinner = new ImagePinner(new RegistryClient(new HttpClient(), new NoCredentials(), new NullLog(), new RetryPolicy(1, TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(1))), $"127.0.0.1:{port}", new NullLog());

        var failure = Assert.ThrowsAsync<RegistryException>(() => pinner.PinAsync(["postgres:16.4-bookworm"]));

        Assert.That(failure!.Message, Does.StartWith("Cannot pin postgres:16.4-bookworm to a digest before applying anything: Cannot reach the registry 127.0.0.1:"));
    }

    private ImagePinner Pinner() => new(new RegistryClient(new HttpClient(), new NoCredentials(), new NullLog()), _registry.Host, new NullLog());
}
