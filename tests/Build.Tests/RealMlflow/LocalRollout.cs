using System.Diagnostics;
using System.Text.Json.Nodes;

namespace MlflowGke.Build.Tests.RealMlflow;

/// <summary>
/// One rollout run locally: each Job in the namespace (a migration step, if the manifests have one) runs to
/// completion first, then the pods of the MLflow Deployment start together and must become ready.
/// </summary>
public sealed class LocalRollout : IAsyncDisposable
{
    public const string DeploymentName = "mlflow";
    public static readonly TimeSpan JobTimeout = TimeSpan.FromMinutes(3);
    public static readonly TimeSpan ReadyTimeout = TimeSpan.FromMinutes(2);
    private readonly List<LocalPod> _jobPods = [];
    private readonly List<LocalPod> _pods = [];
    private readonly Dictionary<string, TimeSpan> _jobDurations = new(StringComparer.Ordinal);

    private LocalRollout()
    {
    }

    public IReadOnlyList<LocalPod> Pods => _pods;

    /// <summary>The pods the Jobs ran, in order; their output holds what the Jobs printed.</summary>
    public IReadOnlyList<LocalPod> JobPods => _jobPods;

    /// <summary>How long each Job took, by name.</summary>
    public IReadOnlyDictionary<string, TimeSpan> JobDurations => _jobDurations;

    /// <summary>How long the server pods took from start to ready (all of them).</summary>
    public TimeSpan StartDuration { get; private set; }

    /// <summary>The command lines of every process the rollout started (Jobs included) and of those still running.</summary>
    public IReadOnlyList<string> CommandLines() => [.. _jobPods.Concat(_pods).SelectMany(pod => pod.CommandLines())];

    /// <param name="replicas">How many server pods start at once; 0 runs only the Jobs.</param>
    /// <param name="jobCopies">How many pods of each Job run at once, as when two rollouts race.</param>
    public static async Task<LocalRollout> StartAsync(LocalKubelet kubelet, AppliedObjects objects, string ns, int replicas, int jobCopies, CancellationToken cancellationToken)
    {
        var rollout = new LocalRollout();
        try
        {
            await rollout.RunJobsAsync(kubelet, objects, ns, jobCopies, cancellationToken);
            if (replicas > 0)
            {
                await rollout.StartPodsAsync(kubelet, objects, ns, replicas, cancellationToken);
            }

            return rollout;
        }
        catch
        {
            await rollout.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var pod in _pods.Concat(_jobPods))
        {
            await pod.DisposeAsync();
        }
    }

    private async Task RunJobsAsync(LocalKubelet kubelet, AppliedObjects objects, string ns, int copies, CancellationToken cancellationToken)
    {
        foreach (var job in objects.All("Job", ns))
        {
            var name = job["metadata"]!["name"]!.GetValue<string>();
            var clock = Stopwatch.StartNew();
            await StartAllAsync(
                _jobPods,
                Enumerable.Range(1, copies).Select(copy => kubelet.StartPodAsync($"{name}-local-{copy}", job["spec"]!["template"]!.DeepClone().AsObject(), ns, objects, cancellationToken)));
            await Task.WhenAll(_jobPods.Select(pod => pod.WaitForCompletionAsync(JobTimeout, cancellationToken)));
            _jobDurations[name] = clock.Elapsed;
        }
    }

    private async Task StartPodsAsync(LocalKubelet kubelet, AppliedObjects objects, string ns, int replicas, CancellationToken cancellationToken)
    {
        var template = objects.Get("Deployment", ns, DeploymentName)["spec"]!["template"]!.AsObject();
        var clock = Stopwatch.StartNew();
        await StartAllAsync(
            _pods,
            Enumerable.Range(1, replicas).Select(index => kubelet.StartPodAsync($"{DeploymentName}-local-{index}", template.DeepClone().AsObject(), ns, objects, cancellationToken)));
        await Task.WhenAll(_pods.Select(pod => pod.WaitReadyAsync(ReadyTimeout, cancellationToken)));
        StartDuration = clock.Elapsed;
    }

    /// <summary>Starts the pods at once and keeps every one that started (to be disposed), even when another failed.</summary>
    private static async Task StartAllAsync(List<LocalPod> started, IEnumerable<Task<LocalPod>> starting)
    {
        var starts = starting.ToList();
        try
        {
            await Task.WhenAll(starts);
        }
        finally
        {
            started.AddRange(starts.Where(start => start.IsCompletedSuccessfully).Select(start => start.Result));
        }
    }
}
