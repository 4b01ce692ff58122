using System.Runtime.Versioning;
using MlflowGke.Build.Image;
using MlflowGke.Build.Tests.Support;

namespace MlflowGke.Build.Tests.Image;

public sealed class ImageInputDigestTests
{
    [Test]
    public void The_same_inputs_in_another_folder_give_the_same_tag()
    {
        using var first = Context();
        using var second = Context();

        Assert.That(Tag(second), Is.EqualTo(Tag(first)).And.Match("^in-[0-9a-f]{24}$"));
    }

    [Test]
    public void Changing_a_file_changes_the_tag()
    {
        using var context = Context();
        var before = Tag(context);

        File.AppendAllText(context.Combine("app", "server.py"), "# changed\n");

        Assert.That(Tag(context), Is.Not.EqualTo(before));
    }

    [Test]
    public void Changing_the_Dockerfile_changes_the_tag()
    {
        using var context = Context();
        var before = Tag(context);

        File.AppendAllText(context.Combine("Dockerfile"), "USER 10001\n");

        Assert.That(Tag(context), Is.Not.EqualTo(before));
    }

    [Test]
    public void Adding_a_file_changes_the_tag()
    {
        using var context = Context();
        var before = Tag(context);

        File.WriteAllText(context.Combine("app", "extra.py"), "x = 1\n");

        Assert.That(Tag(context), Is.Not.EqualTo(before));
    }

    [Test]
    [Platform(Exclude = "Win", Reason = "Windows files have no Unix mode.")]
    [UnsupportedOSPlatform("windows")]
    public void Making_a_file_executable_changes_the_tag()
    {
        using var context = Context();
        var before = Tag(context);

        File.SetUnixFileMode(context.Combine("app", "server.py"), File.GetUnixFileMode(context.Combine("app", "server.py")) | UnixFileMode.UserExecute);

        Assert.That(Tag(context), Is.Not.EqualTo(before));
    }

    [Test]
    public void Files_the_dockerignore_excludes_do_not_change_the_tag()
    {
        using var context = Context();
        var before = Tag(context);

        File.WriteAllText(context.Combine("notes.md"), "changed notes\n");
        Directory.CreateDirectory(context.Combine("app", "__pycache__"));
        File.WriteAllText(context.Combine("app", "__pycache__", "server.pyc"), "bytes");

        Assert.That(Tag(context), Is.EqualTo(before));
    }

    [Test]
    public void A_file_the_dockerignore_includes_again_changes_the_tag()
    {
        using var context = Context();
        var before = Tag(context);

        File.WriteAllText(context.Combine("README.md"), "changed readme\n");

        Assert.That(Tag(context), Is.Not.EqualTo(before));
    }

    [Test]
    public void A_missing_context_names_the_setting()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"no-such-context-{Guid.NewGuid():N}");

        Assert.That(() => ImageInputDigest.Tag(missing, Path.Combine(missing, "Dockerfile")), Throws.TypeOf<DirectoryNotFoundException>().With.Message.Contain("IMAGE_CONTEXT"));
    }

    private static string Tag(TempDirectory context) => ImageInputDigest.Tag(context.Path, context.Combine("Dockerfile"));

    private static TempDirectory Context()
    {
        var context = new TempDirectory();
        Directory.CreateDirectory(context.Combine("app"));
        File.WriteAllText(context.Combine("Dockerfile"), "FROM scratch\nCOPY . /srv\n");
        File.WriteAllText(context.Combine("app", "server.py"), "print('hello')\n");
        File.WriteAllText(context.Combine("notes.md"), "notes\n");
        File.WriteAllText(context.Combine("README.md"), "readme\n");
        File.WriteAllText(context.Combine(".dockerignore"), "# local files\n*.md\n!README.md\n**/__pycache__\n");
        return context;
    }
}
