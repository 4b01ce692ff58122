using Cake.Core.Diagnostics;
using MlflowGke.Build.Changes;

namespace MlflowGke.Build.Google;

/// <summary>The Google steps of one run, on the run's API clients.</summary>
public sealed class GoogleSteps(GoogleCloud api, ChangeGate changes, ICakeLog log)
{
    public GoogleCloud Api { get; } = api;

    public WorkloadIdentityBinder WorkloadIdentity { get; } = new(api.Iam, api.ResourceManager, new IamBindings(api.Retry, changes, log), changes, log);

    public CloudSqlDatabase CloudSqlDatabase { get; } = new(api.SqlAdmin, api.Retry, changes, log);
}
