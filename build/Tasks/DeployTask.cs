using Cake.Frosting;

namespace MlflowGke.Build.Tasks;

[TaskName("Deploy")]
[TaskDescription("BuildImage → PushImage → CreateDatabase → BindWorkloadIdentity → Annotate → Apply → WaitReady → Prune.")]
[IsDependentOn(typeof(PruneTask))]
public sealed class DeployTask : FrostingTask<BuildContext>;
