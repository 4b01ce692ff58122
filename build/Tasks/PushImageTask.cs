using Cake.Frosting;
using MlflowGke.Build.GitHubActions;
using MlflowGke.Build.Image;
using MlflowGke.Build.Settings;

namespace MlflowGke.Build.Tasks;

[TaskName("PushImage")]
[TaskDescription("Pushes the MLflow image and prints its digest; skips when the registry has the tag with the same digest.")]
[IsDependentOn(typeof(BuildImageTask))]
[RequiresSettings(SettingNames.ImageRepository)]
public sealed class PushImageTask : AsyncFrostingTask<BuildContext>
{
    public override bool ShouldRun(BuildContext context)
    {
        var reason = ImagePublisher.For(context).PushNotNeededBecauseAsync(CancellationToken.None).GetAwaiter().GetResult();
        return context.ShouldRun(reason == null, reason ?? string.Empty);
    }

    public override Task RunAsync(BuildContext context)
    {
        var publisher = ImagePublisher.For(context);
        var tags = string.Join(", ", publisher.Tags);
        return context.Changes.MakeAsync(
            $"push {publisher.Source.Image.Repository} with tags {tags}",
            async () => context.DeployedImage = await publisher.PushAsync(CancellationToken.None));
    }

    // Runs whether this step pushed or found the image already pushed: the deploy workflow's later jobs read the outputs.
    public override void Finally(BuildContext context)
    {
        if (!ActionsReport.IsActive(context) || context.Settings.IsPlan)
        {
            return;
        }

        try
        {
            context.DeployedImage ??= ImageResolver.For(context).ResolvePushedAsync().GetAwaiter().GetResult();
            ActionsReport.SetImageOutputs(context, context.DeployedImage);
        }
        catch (ImageNotPushedException)
        {
            // The push failed; its own error is the one to report.
        }
    }
}
