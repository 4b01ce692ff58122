using MlflowGke.Build.Tests.Support;

namespace MlflowGke.Build.Tests.Image;

public sealed class ImageSettingsTests
{
    [TestCase("BuildImage")]
    [TestCase("PushImage")]
    public async Task The_image_steps_require_an_image_repository_before_anything_runs(string target)
    {
        var result = await new BuildProcess().RunAsync($"--target={target}");

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString);
            Assert.That(result.All, Does.Contain("IMAGE_REPOSITORY").And.Contain("PROJECT_ID and REGION"));
            Assert.That(result.All, Does.Not.Contain("Change:"));
        });
    }
}
