using System.Reflection;
using Cake.Core.IO;
using Cake.Frosting.Internal;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Cake.Frosting;

/// <summary>
/// Builds and runs a Frosting-style build on the Cake 7 engine. The surface matches Cake.Frosting's
/// <c>CakeHost</c>, so task code does not change when this folder is swapped for the package.
/// </summary>
public sealed class CakeHost
{
    /// <summary>The exit code of a command line the host cannot parse, the same as for bad settings.</summary>
    public const int InvalidArgumentsExitCode = 2;

    private readonly IServiceCollection _services = new ServiceCollection();
    private readonly Dictionary<string, string> _cakeSettings = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<Assembly> _taskAssemblies = [];
    private Type _contextType = typeof(FrostingContext);
    private DirectoryPath? _workingDirectory;

    public CakeHost()
    {
        var entry = Assembly.GetEntryAssembly();
        if (entry != null)
        {
            _taskAssemblies.Add(entry);
        }
    }

    public CakeHost UseContext<TContext>()
        where TContext : class, IFrostingContext
    {
        _contextType = typeof(TContext);
        return this;
    }

    public CakeHost UseLifetime<TLifetime>()
        where TLifetime : class, IFrostingLifetime
    {
        _services.AddSingleton<IFrostingLifetime, TLifetime>();
        return this;
    }

    public CakeHost UseTaskLifetime<TLifetime>()
        where TLifetime : class, IFrostingTaskLifetime
    {
        _services.AddSingleton<IFrostingTaskLifetime, TLifetime>();
        return this;
    }

    public CakeHost UseCakeSetting(string key, string value)
    {
        _cakeSettings[key] = value;
        return this;
    }

    public CakeHost UseWorkingDirectory(DirectoryPath path)
    {
        _workingDirectory = path;
        return this;
    }

    /// <summary>Adds the tasks of another assembly (the entry assembly is always scanned).</summary>
    public CakeHost AddAssembly(Assembly assembly)
    {
        if (!_taskAssemblies.Contains(assembly))
        {
            _taskAssemblies.Add(assembly);
        }

        return this;
    }

    public CakeHost ConfigureServices(Action<IServiceCollection> configure)
    {
        configure(_services);
        return this;
    }

    public int Run(IEnumerable<string> args)
    {
        var blueprint = new HostBlueprint(_services, _cakeSettings, _taskAssemblies, _contextType, _workingDirectory);
        var registrations = new ServiceCollection();
        registrations.AddSingleton(blueprint);

        var app = new CommandApp<HostCommand>(new CommandTypeRegistrar(registrations));
        app.Configure(config =>
        {
            config.SetApplicationName("build.sh");
            config.Settings.StrictParsing = false;
            config.Settings.CaseSensitivity = CaseSensitivity.None;
            config.SetExceptionHandler((exception, _) =>
            {
                AnsiConsole.MarkupLineInterpolated($"[red]Error:[/] {exception.Message}");
                return InvalidArgumentsExitCode;
            });
        });
        return app.Run(args.SelectMany(SplitEmptyValue));
    }

    /// <summary>
    /// Spectre.Console.Cli refuses "--name=" ("Expected an option value") while it takes "--name ''"; splitting the
    /// first into the second lets an empty value reach the build, which names the setting in its error.
    /// </summary>
    private static IEnumerable<string> SplitEmptyValue(string argument) =>
        argument.StartsWith('-') && argument.IndexOf('=') == argument.Length - 1 ? [argument[..^1], string.Empty] : [argument];
}
