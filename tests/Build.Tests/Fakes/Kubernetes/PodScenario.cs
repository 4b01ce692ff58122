using System.Globalization;

namespace MlflowGke.Build.Tests.Fakes.Kubernetes;

/// <summary>What the pods of one app (label app=…) go through once created; see <see cref="PodScenario.Of"/> for the timelines.</summary>
public enum PodBehaviour
{
    /// <summary>Scheduled, the container starts and is Ready after the start delay.</summary>
    BecomeReady,

    /// <summary>Unschedulable ("0/3 nodes are available: 3 Insufficient cpu"), the autoscaler triggers a scale-up 1->2, scheduled on the new node 5 s later, Ready.</summary>
    ScaleUpSucceeds,

    /// <summary>Unschedulable, and the autoscaler answers NotTriggerScaleUp ("max node group size reached").</summary>
    ScaleUpRefused,

    /// <summary>Unschedulable, and no autoscaler ever answers (a cluster without one).</summary>
    NoScaleUp,

    /// <summary>The container exits 1 on "connection refused" twice (while its database is starting), then starts and is Ready.</summary>
    CrashLoopThatHeals,

    /// <summary>The container exits 1 again and again: CrashLoopBackOff, restartCount grows, the previous instance's logs show the error.</summary>
    CrashLoop,

    /// <summary>The first pull answers 403 (permissions not yet propagated): ErrImagePull, ImagePullBackOff, then the retry succeeds.</summary>
    PullErrorThatHeals,

    /// <summary>Every pull answers the same 403: ErrImagePull, ImagePullBackOff, the same error again, ImagePullBackOff.</summary>
    PullErrorRepeated,

    /// <summary>The pinned digest is not in the registry: ErrImagePull "… not found", then ImagePullBackOff.</summary>
    DigestNotFound,

    /// <summary>A referenced Secret is missing: CreateContainerConfigError.</summary>
    ConfigError,

    /// <summary>Pods never become ready and the Deployment reports Progressing=False, reason ProgressDeadlineExceeded.</summary>
    ProgressDeadlineExceeded,
}

/// <summary>One change of a pod at a moment after its creation; <see cref="Label"/> names it in <see cref="WorkloadController.Timeline"/>.</summary>
public sealed record PodStep(TimeSpan At, string Label, Action<PodLife> Change);

/// <summary>
/// A scripted timeline of one pod, with the statuses and events the scheduler, the cluster autoscaler and the
/// kubelet produce in that case. Times are offsets from the pod's creation; <c>start</c> is when the interesting
/// part begins (<see cref="WorkloadController.ReadyDelay"/> unless set per app), the rest follows in seconds, so a
/// test of each case takes seconds and never sleeps: the fake's timeline moves, the real WaitReady polls it.
/// </summary>
public static class PodScenario
{
    public const string Insufficient = "0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.";
    public const string ScaleUpTriggered = "pod triggered scale-up: [{https://www.googleapis.com/compute/v1/projects/test-project/zones/europe-west1-b/instanceGroups/gke-mlflow-test-default-pool-5e1f2c3a-grp 1->2 (max: 6)}]";
    public const string ScaleUpNotTriggered = "pod didn't trigger scale-up: 1 max node group size reached";
    public const string Forbidden = "rpc error: code = Unknown desc = failed to pull and unpack image \"{0}\": failed to resolve reference \"{0}\": failed to authorize: failed to fetch oauth token: unexpected status from GET request to https://europe-west1-docker.pkg.dev/v2/token?scope=repository%3Atest-project%2Fmlflow%2Fmlflow%3Apull&service=europe-west1-docker.pkg.dev: 403 Forbidden";
    public const string NotFound = "rpc error: code = NotFound desc = failed to pull and unpack image \"{0}\": failed to resolve reference \"{0}\": {0}: not found";

    /// <summary>The last lines of a server that exits with <paramref name="error"/> (61 lines: the suite shows the last 50).</summary>
    public static IReadOnlyList<string> CrashLogs(string error) => [.. Enumerable.Range(1, 60).Select(line => $"log line {line}: connecting to database"), error];

    public static IReadOnlyList<string> Listening { get; } = ["Listening at: http://0.0.0.0:5000"];

    /// <param name="crashError">The last log line of each crash.</param>
    public static IReadOnlyList<PodStep> Of(PodBehaviour behaviour, TimeSpan start, string crashError)
    {
        var steps = new List<PodStep>();
        void At(double seconds, string label, Action<PodLife> change) => steps.Add(new PodStep(start + TimeSpan.FromSeconds(seconds), label, change));
        void AtCreation(string label, Action<PodLife> change) => steps.Add(new PodStep(TimeSpan.Zero, label, change));
        void FirstPullFails(string error)
        {
            AtCreation("scheduled", pod => pod.Schedule().Pulling());
            At(0, "pull failed", pod => pod.PullFails(Error(error, pod)));
            At(0.5, "pull back-off", pod => pod.PullBackOff());
        }

        switch (behaviour)
        {
            case PodBehaviour.ScaleUpSucceeds:
                AtCreation("unschedulable", pod => pod.Unschedulable(Insufficient));
                At(0, "scale-up triggered", pod => pod.Event("Normal", "TriggeredScaleUp", ScaleUpTriggered, PodLife.Autoscaler));
                At(5, "scheduled on the new node", pod => pod.Schedule("gke-mlflow-test-default-pool-5e1f2c3a-p9v4").Pulling());
                At(5.3, "ready", pod => pod.Start(Listening).BecomeReady());
                break;
            case PodBehaviour.ScaleUpRefused:
                AtCreation("unschedulable", pod => pod.Unschedulable(Insufficient));
                At(0, "scale-up refused", pod => pod.Event("Normal", "NotTriggerScaleUp", ScaleUpNotTriggered, PodLife.Autoscaler));
                break;
            case PodBehaviour.NoScaleUp:
                AtCreation("unschedulable", pod => pod.Unschedulable(Insufficient));
                break;
            case PodBehaviour.CrashLoopThatHeals:
                AtCreation("scheduled", pod => pod.Schedule().Pulling());
                At(0, "started", pod => pod.Start(["connecting to database"]));
                At(0.3, "crash 1", pod => pod.Crash(CrashLogs(crashError)));
                At(1.3, "restarted", pod => pod.Start(["connecting to database"]));
                At(1.6, "crash 2", pod => pod.Crash(CrashLogs(crashError)));
                At(5, "restarted", pod => pod.Start(Listening));
                At(5.2, "ready", pod => pod.BecomeReady());
                break;
            case PodBehaviour.CrashLoop:
                AtCreation("scheduled", pod => pod.Schedule().Pulling());
                for (var crash = 1; crash <= 20; crash++)
                {
                    var startedAt = crash - 1.0;
                    At(startedAt, crash == 1 ? "started" : "restarted", pod => pod.Start(["connecting to database"]));
                    At(startedAt + 0.3, $"crash {crash}", pod => pod.Crash(CrashLogs(crashError)));
                }

                break;
            case PodBehaviour.PullErrorThatHeals:
                FirstPullFails(Forbidden);
                At(4, "pulling again", pod => pod.Pulling());
                At(4.3, "ready", pod => pod.Start(Listening).BecomeReady());
                break;
            case PodBehaviour.PullErrorRepeated:
                FirstPullFails(Forbidden);
                At(1.5, "pulling again", pod => pod.Pulling());
                At(1.8, "pull failed again", pod => pod.PullFails(Error(Forbidden, pod)));
                At(2.3, "pull back-off again", pod => pod.PullBackOff());
                break;
            case PodBehaviour.DigestNotFound:
                FirstPullFails(NotFound);
                break;
            case PodBehaviour.ConfigError:
                AtCreation("scheduled", pod => pod.Schedule().Pulling());
                At(0, "config error", pod => pod.ConfigError("secret \"mlflow-db-credentials\" not found"));
                break;
            case PodBehaviour.ProgressDeadlineExceeded:
                AtCreation("scheduled", pod => pod.Schedule().Pulling());
                At(0, "progress deadline exceeded", pod => pod.ExceedProgressDeadline());
                break;
            default:
                AtCreation("scheduled", pod => pod.Schedule().Pulling());
                At(0, "ready", pod => pod.Start(Listening).BecomeReady());
                break;
        }

        return steps;
    }

    private static string Error(string template, PodLife pod) => string.Format(CultureInfo.InvariantCulture, template, pod.Image);
}
