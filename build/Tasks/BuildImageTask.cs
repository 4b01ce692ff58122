using Cake.Frosting;
using MlflowGke.Build.Image;
using MlflowGke.Build.Settings;

namespace MlflowGke.Build.Tasks;

[TaskName("BuildImage")]
[TaskDescription("Builds the MLflow image, tagged by a digest of its build inputs; skips when the registry has that tag.")]
[RequiresSettings(SettingNames.ImageRepository)]
public sealed class BuildImageTask : AsyncFrostingTask<BuildContext>
{
    public override bool ShouldRun(BuildContext context)
    {
        var publisher = ImagePublisher.For(context);
        var digest = publisher.RegistryDigestAsync(CancellationToken.None).GetAwaiter().GetResult();
        return context.ShouldRun(digest == null, $"the registry already has {publisher.Source.Image.Tag} ({digest})");
    }

    public override Task RunAsync(BuildContext context)
    {
        var publisher = ImagePublisher.For(context);
        return context.Changes.MakeAsync(
            $"build {publisher.Source.Image.Tagged} from {publisher.Source.ContextDirectory}",
            () => publisher.BuildAsync(DateTimeOffset.UtcNow, CancellationToken.None));
    }
}
