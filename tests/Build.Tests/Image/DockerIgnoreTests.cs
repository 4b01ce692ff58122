using MlflowGke.Build.Image;

namespace MlflowGke.Build.Tests.Image;

public sealed class DockerIgnoreTests
{
    [TestCase("*.md", "README.md", true)]
    [TestCase("*.md", "docs/README.md", false)]
    [TestCase("**/*.md", "docs/guide/README.md", true)]
    [TestCase("**/*.md", "README.md", true)]
    [TestCase("docs", "docs/guide/index.html", true)]
    [TestCase("/docs/", "docs/index.html", true)]
    [TestCase("./build", "build/out.bin", true)]
    [TestCase("docs", "documentation/index.html", false)]
    [TestCase("file?.txt", "file1.txt", true)]
    [TestCase("file?.txt", "file12.txt", false)]
    [TestCase("[a-c].txt", "b.txt", true)]
    [TestCase("[a-c].txt", "d.txt", false)]
    [TestCase("a.b", "aXb", false)]
    [TestCase("# a comment", "# a comment", false)]
    public void Matches_like_docker(string pattern, string path, bool excluded) =>
        Assert.That(DockerIgnore.Parse(pattern).Excludes(path), Is.EqualTo(excluded));

    [Test]
    public void The_last_matching_line_wins()
    {
        var ignore = DockerIgnore.Parse("*.md\n!README.md\n");

        Assert.Multiple(() =>
        {
            Assert.That(ignore.Excludes("CHANGES.md"), Is.True);
            Assert.That(ignore.Excludes("README.md"), Is.False);
            Assert.That(DockerIgnore.Parse("!README.md\n*.md\n").Excludes("README.md"), Is.True);
            Assert.That(DockerIgnore.Parse("docs\n!docs/keep.md\n").Excludes("docs/keep.md"), Is.False);
            Assert.That(DockerIgnore.Parse("!docs/keep.md\ndocs\n").Excludes("docs/keep.md"), Is.True, "a later pattern matching a parent folder wins");
        });
    }
}
