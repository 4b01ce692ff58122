using System.Runtime.Versioning;
using System.Text;
using MlflowGke.Build.Docker;
using MlflowGke.Build.Tests.Support;

namespace MlflowGke.Build.Tests.Docker;

/// <summary>Credentials come from docker's config as docker reads it; the tests point DOCKER_CONFIG at their own folder.</summary>
[NonParallelizable]
public sealed class DockerConfigCredentialsTests
{
    private readonly Dictionary<string, string?> _saved = [];
    private TempDirectory _config = null!;

    [SetUp]
    public void PointDockerConfigHere()
    {
        _config = new TempDirectory();
        Set("DOCKER_CONFIG", _config.Path);
    }

    [TearDown]
    public void Restore()
    {
        foreach (var (name, value) in _saved)
        {
            Environment.SetEnvironmentVariable(name, value);
        }

        _saved.Clear();
        _config.Dispose();
    }

    [Test]
    public void Reads_an_auths_entry()
    {
        var auth = Convert.ToBase64String(Encoding.UTF8.GetBytes("oauth2accesstoken:ya29.token:with-colon"));
        WriteConfig("""{"auths":{"europe-west1-docker.pkg.dev":{"auth":"AUTH"}}}""".Replace("AUTH", auth));

        var credential = new DockerConfigCredentials(CakeContexts.Create()).For("europe-west1-docker.pkg.dev");

        Assert.That(credential, Is.EqualTo(new RegistryCredential("oauth2accesstoken", "ya29.token:with-colon")));
    }

    [Test]
    [Platform(Exclude = "Win", Reason = "The fake helper is a shell script.")]
    [UnsupportedOSPlatform("windows")]
    public void Asks_the_credential_helper_named_for_the_host_giving_the_host_on_standard_input()
    {
        var helpers = _config.Combine("bin");
        Directory.CreateDirectory(helpers);
        var helper = Path.Combine(helpers, "docker-credential-fake");
        File.WriteAllText(helper, "#!/bin/sh\n[ \"$1\" = get ] || exit 1\nread host\nprintf '{\"ServerURL\":\"%s\",\"Username\":\"_token\",\"Secret\":\"secret-for-%s\"}\\n' \"$host\" \"$host\"\n");
        File.SetUnixFileMode(helper, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Set("PATH", $"{helpers}:{Environment.GetEnvironmentVariable("PATH")}");
        WriteConfig("""{"auths":{"europe-west1-docker.pkg.dev":{}},"credHelpers":{"europe-west1-docker.pkg.dev":"fake"}}""");

        var credential = new DockerConfigCredentials(CakeContexts.Create()).For("europe-west1-docker.pkg.dev");

        Assert.That(credential, Is.EqualTo(new RegistryCredential("_token", "secret-for-europe-west1-docker.pkg.dev")));
    }

    [Test]
    public void A_missing_helper_is_named_with_how_to_fix_it()
    {
        WriteConfig("""{"credHelpers":{"europe-west1-docker.pkg.dev":"not-installed"}}""");

        Assert.That(
            () => new DockerConfigCredentials(CakeContexts.Create()).For("europe-west1-docker.pkg.dev"),
            Throws.InvalidOperationException.With.Message.Contain("docker-credential-not-installed"));
    }

    [Test]
    public void Other_hosts_and_a_missing_config_read_anonymously()
    {
        var context = CakeContexts.Create();
        var before = new DockerConfigCredentials(context).For("registry.example");
        WriteConfig("""{"auths":{"europe-west1-docker.pkg.dev":{"auth":"dTpw"}}}""");

        Assert.Multiple(() =>
        {
            Assert.That(before, Is.Null);
            Assert.That(new DockerConfigCredentials(context).For("registry.example"), Is.Null);
        });
    }

    private void WriteConfig(string json) => File.WriteAllText(_config.Combine("config.json"), json);

    private void Set(string name, string value)
    {
        _saved.TryAdd(name, Environment.GetEnvironmentVariable(name));
        Environment.SetEnvironmentVariable(name, value);
    }
}
