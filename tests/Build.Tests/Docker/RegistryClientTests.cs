using Cake.Core.Diagnostics;
using MlflowGke.Build.Docker;
using MlflowGke.Build.Tests.Fakes.Registry;

namespace MlflowGke.Build.Tests.Docker;

public sealed class RegistryClientTests
{
    private const string Index = """{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}""";
    private static readonly RetryPolicy Quick = new(3, TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(50));
    private TokenAuthRegistry _registry = null!;

    [SetUp]
    public async Task Start() => _registry = await TokenAuthRegistry.StartAsync();

    [TearDown]
    public async Task Stop() => await _registry.DisposeAsync();

    [Test]
    public async Task Reads_the_digest_through_the_token_service_with_dockers_credentials()
    {
        var expected = _registry.AddManifest("team/mlflow", "in-1", Index);

        var digest = await Client(new TokenAuthCredentials()).GetDigestAsync($"{_registry.Host}/team/mlflow", "in-1", CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(digest, Is.EqualTo(expected));
            Assert.That(_registry.Requests, Is.EqualTo(new[]
            {
                "HEAD /v2/team/mlflow/manifests/in-1",
                "GET /token?scope=repository%3Ateam%2Fmlflow%3Apull&service=fake-registry",
                "HEAD /v2/team/mlflow/manifests/in-1",
            }));
        });
    }

    [Test]
    public async Task An_unknown_tag_is_absent_not_an_error() =>
        Assert.That(await Client(new TokenAuthCredentials()).GetDigestAsync($"{_registry.Host}/team/mlflow", "in-2", CancellationToken.None), Is.Null);

    [Test]
    public void Without_credentials_the_error_names_the_registry_and_how_to_log_in()
    {
        _registry.AddManifest("team/mlflow", "in-1", Index);

        Assert.That(
            () => Client(new NoCredentials()).GetDigestAsync($"{_registry.Host}/team/mlflow", "in-1", CancellationToken.None),
            Throws.TypeOf<RegistryException>().With.Message.Contain($"Not authorized to read team/mlflow in the registry {_registry.Host}").And.Message.Contain("gcloud auth configure-docker"));
    }

    [Test]
    public async Task Service_unavailable_answers_are_retried()
    {
        var expected = _registry.AddManifest("team/mlflow", "in-1", Index);
        _registry.FailNext(2);

        var digest = await Client(new TokenAuthCredentials()).GetDigestAsync($"{_registry.Host}/team/mlflow", "in-1", CancellationToken.None);

        Assert.That(digest, Is.EqualTo(expected));
    }

    [Test]
    public void A_registry_that_stays_unavailable_fails_after_the_retries()
    {
        _registry.FailNext(100);

        Assert.That(
            () => Client(new TokenAuthCredentials()).GetDigestAsync($"{_registry.Host}/team/mlflow", "in-1", CancellationToken.None),
            Throws.TypeOf<RegistryException>().With.Message.Contain($"The registry {_registry.Host} answered 503"));
        Assert.That(_registry.Requests, Has.Count.EqualTo(Quick.MaxRetries + 1));
    }

    [Test]
    public async Task Without_a_digest_header_the_digest_is_the_hash_of_the_manifest_as_served()
    {
        var expected = _registry.AddManifest("team/mlflow", "in-1", Index);
        _registry.SendsDigestHeader = false;

        var digest = await Client(new TokenAuthCredentials()).GetDigestAsync($"{_registry.Host}/team/mlflow", "in-1", CancellationToken.None);

        Assert.That(digest, Is.EqualTo(expected));
    }

    private static RegistryClient Client(IRegistryCredentials credentials) => new(new HttpClient(), credentials, new NullLog(), Quick);

    private sealed class TokenAuthCredentials : IRegistryCredentials
    {
        public RegistryCredential? For(string host) => new(TokenAuthRegistry.Username, TokenAuthRegistry.Password);
    }
}
