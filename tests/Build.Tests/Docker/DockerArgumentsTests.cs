using MlflowGke.Build.Docker;

namespace MlflowGke.Build.Tests.Docker;

public sealed class DockerArgumentsTests
{
    [Test]
    public void Build_renders_file_tags_build_args_labels_cache_and_context()
    {
        var request = new DockerBuildRequest("/src/my image", "/src/my image/Dockerfile", ["r.example/p/mlflow:in-1", "r.example/p/mlflow:latest"])
        {
            BuildArgs = new Dictionary<string, string> { ["MLFLOW_VERSION"] = "3.6.0", ["BUILD_DATE"] = "2026-01-01T00:00:00Z" },
            Labels = new Dictionary<string, string> { ["org.opencontainers.image.revision"] = "abc" },
            CacheFrom = ["r.example/p/mlflow:latest"],
        };

        Assert.That(DockerArguments.Build(request).Render(), Is.EqualTo(
            "build --file \"/src/my image/Dockerfile\" --tag \"r.example/p/mlflow:in-1\" --tag \"r.example/p/mlflow:latest\" "
            + "--build-arg \"BUILD_DATE=2026-01-01T00:00:00Z\" --build-arg \"MLFLOW_VERSION=3.6.0\" "
            + "--label \"org.opencontainers.image.revision=abc\" --cache-from \"r.example/p/mlflow:latest\" \"/src/my image\""));
    }

    [Test]
    public void Build_without_cache_or_labels_renders_no_empty_switches() =>
        Assert.That(DockerArguments.Build(new DockerBuildRequest("ctx", "ctx/Dockerfile", ["r/m:t"])).Render(), Is.EqualTo("build --file \"ctx/Dockerfile\" --tag \"r/m:t\" \"ctx\""));

    [Test]
    public void Push_tag_pull_and_inspect_render_one_image_each()
    {
        Assert.Multiple(() =>
        {
            Assert.That(DockerArguments.Push("r/m:t").Render(), Is.EqualTo("push \"r/m:t\""));
            Assert.That(DockerArguments.Tag("a:1", "r/m:t").Render(), Is.EqualTo("tag \"a:1\" \"r/m:t\""));
            Assert.That(DockerArguments.Pull("r/m:latest").Render(), Is.EqualTo("pull \"r/m:latest\""));
            Assert.That(DockerArguments.RepoDigests("r/m:t").Render(), Is.EqualTo("image inspect --format \"{{json .RepoDigests}}\" \"r/m:t\""));
        });
    }

    [TestCase("Get \"http://127.0.0.1:5000/v2/\": dial tcp 127.0.0.1:5000: connect: connection refused", true)]
    [TestCase("received unexpected HTTP status: 503 Service Unavailable", true)]
    [TestCase("toomanyrequests: quota exceeded", true)]
    [TestCase("denied: Permission \"artifactregistry.repositories.uploadArtifacts\" denied", false)]
    [TestCase("unauthorized: authentication required", false)]
    [TestCase("An image does not exist locally with the tag: r/m", false)]
    public void Push_failures_are_transient_only_when_a_retry_can_help(string error, bool transient) =>
        Assert.That(new DockerCommandException("push r/m:t", 1, [error]).IsTransient, Is.EqualTo(transient));

    [Test]
    public void A_failure_message_carries_dockers_own_error() =>
        Assert.That(new DockerCommandException("build", 1, ["dockerfile parse error line 1: unknown instruction: FROMM"]).Message, Does.Contain("unknown instruction: FROMM").And.Contain("'docker build'"));
}
