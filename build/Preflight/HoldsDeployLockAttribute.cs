namespace MlflowGke.Build.Preflight;

/// <summary>
/// Marks a task that changes the cluster: a run with such a task (and not in plan mode) holds the deploy lock
/// (<see cref="Kubernetes.DeployLock"/>) from before its first task to after its last.
/// </summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class HoldsDeployLockAttribute : Attribute;
