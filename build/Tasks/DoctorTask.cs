using Cake.Core.Diagnostics;
using Cake.Frosting;
using MlflowGke.Build.Doctor;

namespace MlflowGke.Build.Tasks;

[TaskName("Doctor")]
[TaskDescription("Checks this machine: dotnet, docker, kubectl, diff, the kube context and Google credentials; whether the cluster enforces NetworkPolicy; with EXPOSE=ingress the Ingress's address and the DNS record it needs.")]
public sealed class DoctorTask : AsyncFrostingTask<BuildContext>
{
    public override async Task RunAsync(BuildContext context)
    {
        var local = new DoctorChecks(context, context.Settings).Run();
        var haveCredentials = local.Any(check => check is { Name: DoctorChecks.GoogleCredentials, Passed: true });
        IReadOnlyList<DoctorCheck> checks = [.. local, await NetworkPolicyCheck.RunAsync(context.Settings, haveCredentials, () => context.Google.Api.Container, context.Cancellation)];
        var width = checks.Max(check => check.Name.Length);
        foreach (var check in checks)
        {
            context.Log.Information("  {0} {1}  {2}", check.Status.PadRight(4), check.Name.PadRight(width), check.Detail);
            if (!check.Passed)
            {
                context.Log.Information("  {0} {1}  fix: {2}", string.Empty.PadRight(4), string.Empty.PadRight(width), check.Fix);
            }
        }

        var failed = checks.Where(check => check is { Passed: false, Required: true }).Select(check => check.Name).ToList();
        if (failed.Count > 0)
        {
            throw new InvalidOperationException($"Doctor: {failed.Count} required check(s) failed: {string.Join(", ", failed)}. See the fixes above.");
        }
    }
}
