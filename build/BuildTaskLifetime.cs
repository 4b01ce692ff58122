using Cake.Common.Build;
using Cake.Core;
using Cake.Frosting;
using MlflowGke.Build.GitHubActions;

namespace MlflowGke.Build;

/// <summary>In GitHub Actions: each task's log in a collapsible group, and a failing task as an error annotation.</summary>
public sealed class BuildTaskLifetime : FrostingTaskLifetime<BuildContext>
{
    public override void Setup(BuildContext context, ITaskSetupContext info)
    {
        if (ActionsReport.IsActive(context))
        {
            context.GitHubActions().Commands.StartGroup(info.Task.Name);
        }
    }

    public override void Teardown(BuildContext context, ITaskTeardownContext info)
    {
        if (!ActionsReport.IsActive(context))
        {
            return;
        }

        context.GitHubActions().Commands.EndGroup();
        if (info.ThrownException != null)
        {
            ActionsReport.AnnotateFailure(context, info.Task.Name, info.ThrownException);
        }
    }
}
