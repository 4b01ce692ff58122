using Cake.Common.Build;
using Cake.Core;
using Cake.Frosting;

namespace MlflowGke.Build;

/// <summary>Wraps each task's log in a collapsible group when running in GitHub Actions.</summary>
public sealed class BuildTaskLifetime : FrostingTaskLifetime<BuildContext>
{
    public override void Setup(BuildContext context, ITaskSetupContext info)
    {
        var actions = context.GitHubActions();
        if (actions.IsRunningOnGitHubActions)
        {
            actions.Commands.StartGroup(info.Task.Name);
        }
    }

    public override void Teardown(BuildContext context, ITaskTeardownContext info)
    {
        var actions = context.GitHubActions();
        if (actions.IsRunningOnGitHubActions)
        {
            actions.Commands.EndGroup();
        }
    }
}
