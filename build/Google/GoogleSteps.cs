using Cake.Core.Diagnostics;
using MlflowGke.Build.Changes;
using MlflowGke.Build.Settings;

namespace MlflowGke.Build.Google;

/// <summary>The Google steps of one run, on the run's API clients.</summary>
public sealed class GoogleSteps(GoogleCloud api, ChangeGate changes, ICakeLog log)
{
    private readonly SqlOperationRunner _sqlOperations = new(api.SqlAdmin, api.Retry);

    public GoogleCloud Api { get; } = api;

    public WorkloadIdentityBinder WorkloadIdentity { get; } = new(api.Iam, api.ResourceManager, new IamBindings(api.Retry, changes, log), changes, log);

    public CloudSqlDatabase CloudSqlDatabase => field ??= new(Api.SqlAdmin, _sqlOperations, changes, log);

    public GoogleDrift Drift => new(Api.Iam, Api.ResourceManager, Api.SqlAdmin);

    public CloudSqlBackup BackupOf(CloudSqlInstance instance) => new(Api.SqlAdmin, _sqlOperations, instance);
}
