using System.ComponentModel;
using Cake.Cli;
using Cake.Core.Diagnostics;
using Cake.Core.IO;
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
    [TypeConverter(typeof(VerbosityConverter))]
    [Description("Quiet, Minimal, Normal, Verbose or Diagnostic.")]
    public Verbosity? Verbosity { get; set; }

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
