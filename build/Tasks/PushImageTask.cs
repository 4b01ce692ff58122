using Cake.Frosting;
using MlflowGke.Build.GitHubActions;
using MlflowGke.Build.Preflight;
using MlflowGke.Build.Settings;

namespace MlflowGke.Build.Tasks;

[TaskName("PushImage")]
[TaskDescription("Pushes the MLflow image and prints its digest; skips when the registry has the tag with the same digest.")]
[IsDependentOn(typeof(BuildImageTask))]
[RequiresSettings(SettingNames.ImageRepository)]
[Preflight(PreflightCheck.ImageRegistry)]
public sealed class PushImageTask : AsyncFrostingTask<BuildContext>
{
    public override bool ShouldRun(BuildContext context)
    {
        var reason = context.Images.PushNotNeededBecause();
        return context.ShouldRun(reason == null, reason ?? string.Empty);
    }

    public override Task RunAsync(BuildContext context)
    {
        var publisher = context.Images;
        var tags = string.Join(", ", publisher.Tags);
        return context.Changes.MakeAsync(
            $"push {publisher.Source.Image.Repository} with tags {tags}",
            async () => context.DeployedImage = await publisher.PushAsync(context.Cancellation));
    }

    // Runs whether this step pushed or found the image already pushed: the deploy workflow's later jobs read the outputs.
    public override void Finally(BuildContext context)
    {
        if (!ActionsReport.IsActive(context) || context.Settings.IsPlan)
        {
            return;
        }

        // Without a push in this run, the registry's digest read before the first task is the pushed image's.
        context.DeployedImage ??= context.Images.Pushed;
        if (context.DeployedImage != null)
        {
            ActionsReport.SetImageOutputs(context, context.DeployedImage);
        }
    }
}
