using MlflowGke.Build.Image;

namespace MlflowGke.Build.Tests.Image;

public sealed class SourceRevisionTests
{
    [TestCase("https://user:ghp_x@github.com/example/mlflow-gke.git", "https://github.com/example/mlflow-gke.git")]
    [TestCase("https://x-access-token:ghs_abc@github.com/example/repo", "https://github.com/example/repo")]
    [TestCase("https://oauth2:glpat-123@gitlab.example.com/group/repo.git?private_token=glpat-123", "https://gitlab.example.com/group/repo.git")]
    [TestCase("ssh://git@github.com/example/repo.git", "ssh://github.com/example/repo.git")]
    [TestCase("git@github.com:example/repo.git", "github.com:example/repo.git")]
    [TestCase("https://github.com/example/repo", "https://github.com/example/repo")]
    public void Source_url_never_carries_credentials(string remote, string expected)
    {
        // Given a git remote as `git config remote.origin.url` prints it
        // When it becomes the image's source
        var revision = new SourceRevision("0123456789abcdef", false, remote);

        // Then the user, password and query are gone
        Assert.That(revision.SourceUrl, Is.EqualTo(expected));
    }
}
