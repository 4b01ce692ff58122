namespace MlflowGke.Build.Verify;

/// <summary>The smoke test's steps, in order; each names what a failure there proves broken.</summary>
public enum SmokeStep
{
    Health,
    Experiment,
    CreateRun,
    LogParameterAndMetric,
    UploadArtifact,
    ReadArtifact,
    DeleteRun,
}

public static class SmokeStepText
{
    public static string Describe(this SmokeStep step) => step switch
    {
        SmokeStep.Health => "checking /health",
        SmokeStep.Experiment => "finding or creating the experiment",
        SmokeStep.CreateRun => "creating a run",
        SmokeStep.LogParameterAndMetric => "logging a parameter and a metric",
        SmokeStep.UploadArtifact => "uploading an artifact",
        SmokeStep.ReadArtifact => "reading the artifact back",
        SmokeStep.DeleteRun => "deleting the run",
        _ => step.ToString(),
    };
}
