using Cake.Frosting;
using MlflowGke.Build.Preflight;
using MlflowGke.Build.Settings;

namespace MlflowGke.Build.Tasks;

[TaskName("BuildImage")]
[TaskDescription("Builds the MLflow image, tagged by a digest of its build inputs; skips when the registry has that tag.")]
[RequiresSettings(SettingNames.ImageRepository)]
[Preflight(PreflightCheck.ImageRegistry)]
public sealed class BuildImageTask : AsyncFrostingTask<BuildContext>
{
    public override bool ShouldRun(BuildContext context) =>
        context.ShouldRun(context.Images.RegistryDigest == null, $"the registry already has {context.Images.Source.Image.Tag} ({context.Images.RegistryDigest})");

    public override Task RunAsync(BuildContext context)
    {
        var publisher = context.Images;
        return context.Changes.MakeAsync(
            $"build {publisher.Source.Image.Tagged} from {publisher.Source.ContextDirectory}",
            () => publisher.BuildAsync(DateTimeOffset.UtcNow, context.Cancellation));
    }
}
