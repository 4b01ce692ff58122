using System.ComponentModel;
using Cake.Cli;
using Cake.Core.Diagnostics;
using Cake.Core.IO;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Cake.Frosting.Internal;

internal sealed class HostCommandSettings : CommandSettings
{
    [CommandOption("--target|-t <TARGET>")]
    [Description("Target task to invoke; repeat to run several.")]
    public string[] Targets { get; set; } = [];

    [CommandOption("--working|-w <PATH>")]
    [TypeConverter(typeof(Cake.Cli.DirectoryPathConverter))]
    [Description("Sets the working directory.")]
    public DirectoryPath? WorkingDirectory { get; set; }

    [CommandOption("--verbosity|-v <VERBOSITY>")]
    [Description("Quiet, Minimal, Normal, Verbose or Diagnostic.")]
    public string? VerbosityName { get; set; }

    /// <summary>The parsed --verbosity; null when not given. Parsed here so a bad value gets a message, not a converter's type name.</summary>
    public Verbosity? Verbosity => VerbosityName?.ToLowerInvariant() switch
    {
        null => null,
        "q" or "quiet" => Cake.Core.Diagnostics.Verbosity.Quiet,
        "m" or "minimal" => Cake.Core.Diagnostics.Verbosity.Minimal,
        "n" or "normal" => Cake.Core.Diagnostics.Verbosity.Normal,
        "v" or "verbose" => Cake.Core.Diagnostics.Verbosity.Verbose,
        "d" or "diagnostic" => Cake.Core.Diagnostics.Verbosity.Diagnostic,
        _ => null,
    };

    public override ValidationResult Validate() => VerbosityName != null && Verbosity == null
        ? ValidationResult.Error($"--verbosity='{VerbosityName}': expected quiet, minimal, normal, verbose or diagnostic.")
        : ValidationResult.Success();

    [CommandOption("--description|--descriptions|--showdescription|--showdescriptions")]
    [Description("Shows the description of each task.")]
    public bool Description { get; set; }

    [CommandOption("--tree|--showtree")]
    [Description("Shows the task dependency tree.")]
    public bool Tree { get; set; }

    [CommandOption("--dryrun|--noop|--whatif")]
    [Description("Shows which tasks would run, in order, and runs none.")]
    public bool DryRun { get; set; }

    [CommandOption("--exclusive|-e")]
    [Description("Runs the target without its dependencies.")]
    public bool Exclusive { get; set; }

    [CommandOption("--version|--ver")]
    [Description("Displays version information.")]
    public bool Version { get; set; }

    [CommandOption("--info")]
    [Description("Displays information about the Cake engine.")]
    public bool Info { get; set; }
}
