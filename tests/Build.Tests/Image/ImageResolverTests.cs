using Cake.Core.Diagnostics;
using MlflowGke.Build.Docker;
using MlflowGke.Build.Image;
using MlflowGke.Build.Tests.Docker;
using MlflowGke.Build.Tests.Fakes.Registry;

namespace MlflowGke.Build.Tests.Image;

/// <summary>What Apply calls: the pushed image pinned by the digest the registry has.</summary>
[Category("Docker")]
public sealed class ImageResolverTests
{
    [Test]
    public async Task Pins_the_pushed_image_by_its_registry_digest_and_refuses_an_unpushed_one()
    {
        DockerRequirement.Check();
        await using var registry = await LocalRegistry.StartAsync();
        using var context = new BusyboxContext();
        var docker = new DockerCli(CakeContexts.Create());
        var pushed = $"{registry.Host}/mlflow:pushed";
        docker.Build(new DockerBuildRequest(context.Path, Path.Combine(context.Path, "Dockerfile"), [pushed]));
        docker.Push(pushed);
        var client = new RegistryClient(new HttpClient(), new NoCredentials(), new NullLog());

        var pinned = await new ImageResolver(client, new ImageReference($"{registry.Host}/mlflow", "pushed"), isPlan: false, new NullLog()).ResolvePushedAsync();
        var missing = new ImageResolver(client, new ImageReference($"{registry.Host}/mlflow", "never-pushed"), isPlan: false, new NullLog());
        var planned = await new ImageResolver(client, new ImageReference($"{registry.Host}/mlflow", "never-pushed"), isPlan: true, new NullLog()).ResolvePushedAsync();

        Assert.Multiple(async () =>
        {
            Assert.That(pinned.Pinned, Is.EqualTo($"{registry.Host}/mlflow@{await registry.DigestAsync("mlflow", "pushed")}"));
            Assert.That(() => missing.ResolvePushedAsync(), Throws.TypeOf<ImageNotPushedException>().With.Message.Contain("Run PushImage first").And.Message.Contain($"{registry.Host}/mlflow:never-pushed"));
            Assert.That(planned.Digest, Is.Null, "a plan may resolve an image it would push");
        });
    }
}
