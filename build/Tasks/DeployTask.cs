using Cake.Frosting;

namespace MlflowGke.Build.Tasks;

[TaskName("Deploy")]
[TaskDescription("BuildImage → PushImage → CreateDatabase → BindWorkloadIdentity → Annotate → Apply → WaitReady.")]
[IsDependentOn(typeof(WaitReadyTask))]
public sealed class DeployTask : FrostingTask<BuildContext>;
