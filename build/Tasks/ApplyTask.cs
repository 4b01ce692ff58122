using Cake.Core;
using Cake.Core.IO;
using Cake.Frosting;
using MlflowGke.Build.Kubernetes;
using MlflowGke.Build.Settings;

namespace MlflowGke.Build.Tasks;

[TaskName("Apply")]
[TaskDescription("Creates the database Secret once, removes the other database path's workloads, applies the rendered manifests.")]
[IsDependentOn(typeof(AnnotateTask))]
[RequiresSettings(SettingNames.KubeContext)]
public sealed class ApplyTask : AsyncFrostingTask<BuildContext>
{
    public override async Task RunAsync(BuildContext context)
    {
        var kubernetes = await KubernetesSteps.ConnectAsync(context);
        var manifest = await RenderAsync(context, kubernetes);
        await kubernetes.Deployer.ApplyAsync(manifest, context.Settings.Database, context.Settings.DeleteData);
    }

    // wired at merge: replaced by `new ManifestRenderer(context).RenderAsync(image)` with the pinned image.
    private static async Task<FilePath> RenderAsync(BuildContext context, KubernetesSteps kubernetes)
    {
        var overlay = context.Environment.WorkingDirectory.Combine($"deployment/mlflow/env/{KubernetesSteps.OverlayFor(context.Settings.Database)}");
        var rendered = await kubernetes.Kubectl.RunAsync(new ProcessArgumentBuilder().Append("kustomize").AppendQuoted(overlay.FullPath));
        var manifest = new FilePath(System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"mlflow-{KubernetesSteps.OverlayFor(context.Settings.Database)}.yaml"));
        await File.WriteAllTextAsync(manifest.FullPath, rendered.Output);
        return manifest;
    }
}
