using System.Globalization;
using System.Text.Json.Nodes;

namespace MlflowGke.Build.Tests.Fakes.Kubernetes;

/// <summary>
/// The job controller, collapsed: writing a Job starts one pod (labelled job-name=JOB, owned by the Job, scheduled at
/// once); after <see cref="JobPodRunTime"/> the pod follows its app's <see cref="PodBehaviour"/>: <see cref="PodBehaviour.BecomeReady"/>
/// succeeds (logs <see cref="JobLogs"/>, Job Complete), <see cref="PodBehaviour.CrashLoop"/> fails (restartPolicy Never:
/// exit 1, logs <see cref="FailedJobLogs"/>) and the next attempt starts at once, until more than backoffLimit attempts
/// failed and the Job is Failed with reason BackoffLimitExceeded. Other behaviours leave the pod Pending
/// (ContainerCreating) and the Job active.
/// </summary>
public sealed partial class WorkloadController
{
    private int _jobPodCounter;

    /// <summary>How long a Job's pod runs before it succeeds or fails; <see cref="ReadyDelay"/> when null.</summary>
    public TimeSpan? JobPodRunTime { get; set; }

    /// <summary>What a succeeding Job pod prints (migrate.py's format).</summary>
    public IReadOnlyList<string> JobLogs { get; set; } = ["waiting for the postgresql migration lock", "schema before: none", "schema head: bf29a5ff90ea", "schema after: bf29a5ff90ea"];

    /// <summary>What a failing Job pod prints.</summary>
    public IReadOnlyList<string> FailedJobLogs { get; set; } =
    [
        "waiting for the postgresql migration lock",
        "Traceback (most recent call last):",
        "sqlalchemy.exc.OperationalError: (psycopg2.OperationalError) connection to server at \"postgres\" (10.96.0.12), port 5432 failed: FATAL:  password authentication failed for user \"mlflow\"",
    ];

    /// <summary>Called after every write of a Job: starts its first pod.</summary>
    public void ReconcileJob(string ns, string name)
    {
        var job = store.Get(catalog.ByKind("Job"), ns, name);
        if (job == null || job["status"]?["startTime"] != null)
        {
            return;
        }

        store.Write(catalog.ByKind("Job"), ns, name, live => live == null ? null : SetStatus(live, new JsonObject { ["startTime"] = ObjectStore.Timestamp(), ["active"] = 1 }));
        StartJobPod(job);
    }

    private void StartJobPod(JsonObject job)
    {
        var template = job["spec"]!["template"]!.AsObject();
        var name = $"{job["metadata"]!["name"]}-{Interlocked.Increment(ref _jobPodCounter).ToString("x5", CultureInfo.InvariantCulture)}";
        var ns = job["metadata"]!["namespace"]!.GetValue<string>();
        var containers = template["spec"]!["containers"]!.AsArray().OfType<JsonObject>().ToList();
        var life = new PodLife(name, ns, containers[0]).Schedule();
        _pods[name] = life;
        var (pod, _) = store.Write(Pods, ns, name, _ => new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Pod",
            ["metadata"] = new JsonObject
            {
                ["name"] = name,
                ["namespace"] = ns,
                ["labels"] = template["metadata"]?["labels"]?.DeepClone() ?? new JsonObject(),
                ["ownerReferences"] = new JsonArray(new JsonObject
                {
                    ["apiVersion"] = "batch/v1",
                    ["kind"] = "Job",
                    ["name"] = job["metadata"]!["name"]!.DeepClone(),
                    ["uid"] = job["metadata"]!["uid"]!.DeepClone(),
                    ["controller"] = true,
                }),
            },
            ["spec"] = template["spec"]!.DeepClone(),
            ["status"] = life.Status(),
        });
        Recorded(pod!, life, ["scheduled"]);
        var app = template["metadata"]?["labels"]?["app"]?.GetValue<string>() ?? string.Empty;
        var behaviour = _behaviours.GetValueOrDefault(app, (PodBehaviour.BecomeReady, null)).Behaviour;
        _ = Task.Delay(JobPodRunTime ?? ReadyDelay, stopping).ContinueWith(_ => FinishJobPod(job, name, life, behaviour), stopping, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
    }

    private void FinishJobPod(JsonObject job, string podName, PodLife life, PodBehaviour behaviour)
    {
        var ns = job["metadata"]!["namespace"]!.GetValue<string>();
        if (behaviour is not (PodBehaviour.BecomeReady or PodBehaviour.CrashLoop))
        {
            return;
        }

        var succeeded = behaviour == PodBehaviour.BecomeReady;
        life.Finish(succeeded, succeeded ? JobLogs : FailedJobLogs);
        var (pod, _) = store.Write(Pods, ns, podName, live => live == null ? null : SetStatus(live, life.Status()));
        if (pod == null)
        {
            return; // deleted meanwhile
        }

        Recorded(pod, life, [succeeded ? "succeeded" : "failed"]);
        var jobName = job["metadata"]!["name"]!.GetValue<string>();
        var backoffLimit = job["spec"]!["backoffLimit"]?.GetValue<int>() ?? 6;
        var retry = false;
        var (stored, _) = store.Write(catalog.ByKind("Job"), ns, jobName, live =>
        {
            if (live == null)
            {
                return null;
            }

            var status = live["status"]?.DeepClone().AsObject() ?? [];
            var failed = (status["failed"]?.GetValue<int>() ?? 0) + (succeeded ? 0 : 1);
            status["active"] = 0;
            if (succeeded)
            {
                status["succeeded"] = 1;
                status["completionTime"] = ObjectStore.Timestamp();
                status["conditions"] = new JsonArray(PodLife.Condition("SuccessCriteriaMet", true, "CompletionsReached", "Reached expected number of succeeded pods"), PodLife.Condition("Complete", true, "CompletionsReached", "Reached expected number of succeeded pods"));
            }
            else if (failed > backoffLimit)
            {
                status["failed"] = failed;
                status["conditions"] = new JsonArray(PodLife.Condition("FailureTarget", true, "BackoffLimitExceeded", "Job has reached the specified backoff limit"), PodLife.Condition("Failed", true, "BackoffLimitExceeded", "Job has reached the specified backoff limit"));
            }
            else
            {
                status["failed"] = failed;
                status["active"] = 1;
                retry = true;
            }

            return SetStatus(live, status);
        });
        if (stored == null)
        {
            return;
        }

        if (stored["status"]?["conditions"]?.AsArray().Any(condition => condition?["reason"]?.GetValue<string>() == "BackoffLimitExceeded") == true)
        {
            RecordEvent(stored, new PodEvent("Warning", "BackoffLimitExceeded", "Job has reached the specified backoff limit", PodLife.JobController));
        }
        else if (succeeded)
        {
            RecordEvent(stored, new PodEvent("Normal", "Completed", "Job completed", PodLife.JobController));
        }

        if (retry)
        {
            StartJobPod(stored);
        }
    }
}
