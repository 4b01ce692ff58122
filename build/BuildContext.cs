using Cake.Core;
using Cake.Frosting;
using MlflowGke.Build.Changes;
using MlflowGke.Build.Image;
using MlflowGke.Build.Settings;

namespace MlflowGke.Build;

public sealed class BuildContext : FrostingContext
{
    private readonly TaskSkipReasons _skipReasons;

    public BuildContext(ICakeContext context, TaskSkipReasons skipReasons)
        : base(context)
    {
        _skipReasons = skipReasons;
        Settings = new DeploySettings(ResolvedSetting.ResolveAll(context.Arguments, context.Environment, context.Configuration));
        Changes = new ChangeGate(Settings.IsPlan, context.Log);
    }

    public DeploySettings Settings { get; }

    public ChangeGate Changes { get; }

    /// <summary>The image pinned by digest, once a step has pushed or resolved it; for the closing summary only.</summary>
    public ImageReference? DeployedImage { get; set; }

    /// <summary>Criteria helper: returns <paramref name="condition"/>, and when false records why for the report.</summary>
    public bool ShouldRun(bool condition, string reasonToSkip)
    {
        if (!condition)
        {
            _skipReasons.Record(reasonToSkip);
        }

        return condition;
    }
}
