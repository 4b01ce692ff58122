using MlflowGke.Build.Docker;

namespace MlflowGke.Build.Tests.Docker;

public sealed class RegistryNameTests
{
    [TestCase("europe-west1-docker.pkg.dev/my-project/mlflow/mlflow", "europe-west1-docker.pkg.dev", "my-project/mlflow/mlflow", "https://europe-west1-docker.pkg.dev/v2/")]
    [TestCase("127.0.0.1:5000/mlflow", "127.0.0.1:5000", "mlflow", "http://127.0.0.1:5000/v2/")]
    [TestCase("localhost:5000/team/mlflow", "localhost:5000", "team/mlflow", "http://localhost:5000/v2/")]
    [TestCase("mlflow", "registry-1.docker.io", "library/mlflow", "https://registry-1.docker.io/v2/")]
    [TestCase("team/mlflow", "registry-1.docker.io", "team/mlflow", "https://registry-1.docker.io/v2/")]
    public void Splits_a_repository_as_docker_does(string repository, string host, string path, string baseUri)
    {
        var name = RegistryName.Parse(repository);

        Assert.Multiple(() =>
        {
            Assert.That(name.Host, Is.EqualTo(host));
            Assert.That(name.Path, Is.EqualTo(path));
            Assert.That(name.BaseUri.ToString(), Is.EqualTo(baseUri));
        });
    }

    [Test]
    public void A_credential_never_shows_its_secret() =>
        Assert.That(new RegistryCredential("oauth2accesstoken", "ya29.secret").ToString(), Does.Not.Contain("ya29"));
}
