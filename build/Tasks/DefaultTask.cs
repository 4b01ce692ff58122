using Cake.Frosting;

namespace MlflowGke.Build.Tasks;

[TaskName("Default")]
[TaskDescription("Runs Doctor; name a target with --target (see --tree).")]
[IsDependentOn(typeof(DoctorTask))]
public sealed class DefaultTask : FrostingTask<BuildContext>;
