using Cake.Cli;
using Cake.Cli.Infrastructure;
using Cake.Core;
using Cake.Core.Configuration;
using Cake.Core.Diagnostics;
using Cake.Core.IO;
using Cake.Core.Scripting;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Cake.Frosting.Internal;

internal sealed class HostCommand(HostBlueprint blueprint) : AsyncCommand<HostCommandSettings>
{
    private const string DefaultTarget = "Default";

    public override async Task<int> ExecuteAsync(CommandContext context, HostCommandSettings settings, CancellationToken cancellationToken)
    {
        var targets = settings.Targets.Length == 0 ? [DefaultTarget] : settings.Targets;
        using var provider = BuildServices(context.Remaining, targets);
        var log = provider.GetRequiredService<ICakeLog>();
        var run = provider.GetRequiredService<RunCancellation>();
        try
        {
            if (settings.Version || settings.Info)
            {
                var console = provider.GetRequiredService<IConsole>();
                if (settings.Version)
                {
                    provider.GetRequiredService<VersionFeature>().Run(console);
                }
                else
                {
                    provider.GetRequiredService<InfoFeature>().Run(console);
                }

                return 0;
            }

            log.Verbosity = settings.Verbosity ?? Verbosity.Normal;
            SetWorkingDirectory(provider, settings.WorkingDirectory);
            log.Verbosity = provider.GetRequiredService<ICakeConfiguration>().GetVerbosity(settings.Verbosity);

            var engine = provider.GetRequiredService<ICakeEngine>();
            var frostingContext = provider.GetRequiredService<IFrostingContext>();
            var lifetime = provider.GetService<IFrostingLifetime>();
            var asyncSetup = provider.GetRequiredService<AsyncSetupRunner>();
            var registered = new TaskRegistrar(engine, frostingContext, provider.GetRequiredService<TaskSkipReasons>(), asyncSetup, log, targets, settings.Exclusive, settings.DryRun).Register(
                provider.GetServices<IFrostingTask>(),
                lifetime,
                provider.GetService<IFrostingTaskLifetime>());

            var unknown = targets.Where(target => !registered.Contains(target, StringComparer.OrdinalIgnoreCase)).ToList();
            if (unknown.Count > 0)
            {
                log.Error("Unknown target {0}. Available targets: {1}.", string.Join(", ", unknown.Select(t => $"'{t}'")), string.Join(", ", registered.Order(StringComparer.Ordinal)));
                return 2;
            }

            var host = CreateScriptHost(provider, settings, frostingContext);
            if (settings.Exclusive)
            {
                host.Settings.UseExclusiveTarget();
            }

            if (host is BuildScriptHost<ICakeContext> && lifetime is IAsyncFrostingSetup awaitedSetup)
            {
                await asyncSetup.RunAsync(awaitedSetup, engine, frostingContext, targets, settings.Exclusive);
            }

            await host.RunTargetsAsync(targets);
            return run.Signal == null ? 0 : Interrupted(log, run);
        }
        catch (Exception exception)
        {
            return run.Signal == null ? Report(log, exception) : Interrupted(log, run);
        }
    }

    private ServiceProvider BuildServices(IRemainingArguments remaining, string[] targets)
    {
        IServiceCollection services = new ServiceCollection();
        foreach (var descriptor in blueprint.Services)
        {
            services.Add(descriptor);
        }

        services.AddCakeDiagnostics().UseCakeDefaultModules();
        var arguments = remaining.ToCakeArguments(false, targets, null);
        services.AddSingleton<ICakeArguments>(arguments);
        services.AddSingleton<ICakeConfiguration>(provider => CreateConfiguration(provider, arguments));
        services.AddSingleton(blueprint.ContextType);
        services.AddSingleton(provider => (IFrostingContext)provider.GetRequiredService(blueprint.ContextType));
        foreach (var taskType in blueprint.TaskTypes)
        {
            services.AddSingleton(typeof(IFrostingTask), taskType);
        }

        services.AddSingleton<TaskSkipReasons>();
        services.AddSingleton<RunCancellation>();
        services.AddSingleton<AsyncSetupRunner>();
        services.AddSingleton<ICakeReportPrinter>(provider => new RunReportPrinter(
            new CakeSpectreReportPrinter(provider.GetRequiredService<IAnsiConsole>()),
            provider.GetRequiredService<TaskSkipReasons>(),
            provider.GetRequiredService<AsyncSetupRunner>(),
            Console.Out));
        services.AddSingleton<VersionFeature>().AddSingleton<InfoFeature>().AddSingleton<IVersionResolver, HostVersionResolver>();
        return services.BuildServiceProvider();
    }

    private ICakeConfiguration CreateConfiguration(IServiceProvider provider, ICakeArguments arguments)
    {
        var environment = provider.GetRequiredService<ICakeEnvironment>();
        var configurationProvider = new CakeConfigurationProvider(provider.GetRequiredService<IFileSystem>(), environment);
        var argumentValues = arguments.GetArguments().ToDictionary(pair => pair.Key, pair => pair.Value.LastOrDefault() ?? string.Empty, StringComparer.OrdinalIgnoreCase);
        return configurationProvider.CreateConfiguration(environment.WorkingDirectory, blueprint.CakeSettings, argumentValues);
    }

    private void SetWorkingDirectory(IServiceProvider provider, DirectoryPath? requested)
    {
        var environment = provider.GetRequiredService<ICakeEnvironment>();
        var directory = (requested ?? blueprint.WorkingDirectory)?.MakeAbsolute(environment) ?? environment.WorkingDirectory;
        if (!provider.GetRequiredService<IFileSystem>().Exist(directory))
        {
            throw new InvalidOperationException($"The working directory '{directory.FullPath}' does not exist.");
        }

        environment.WorkingDirectory = directory;
    }

    private static IScriptHost CreateScriptHost(IServiceProvider provider, HostCommandSettings settings, ICakeContext context)
    {
        var engine = provider.GetRequiredService<ICakeEngine>();
        var log = provider.GetRequiredService<ICakeLog>();
        if (settings.DryRun)
        {
            return new DryRunScriptHost<ICakeContext>(engine, context, log);
        }

        if (settings.Tree)
        {
            return new TreeScriptHost(engine, context, provider.GetRequiredService<IConsole>());
        }

        if (settings.Description)
        {
            return new DescriptionScriptHost(engine, context, provider.GetRequiredService<IAnsiConsole>());
        }

        return new BuildScriptHost<ICakeContext>(
            engine,
            provider.GetRequiredService<IExecutionStrategy>(),
            context,
            provider.GetRequiredService<ICakeReportPrinter>(),
            provider.GetRequiredService<ICakeConfiguration>(),
            log);
    }

    private static int Interrupted(ICakeLog log, RunCancellation run)
    {
        log.Error("Interrupted by {0}.", run.Signal!);
        return RunCancellation.InterruptedExitCode;
    }

    private static int Report(ICakeLog log, Exception exception)
    {
        // An error may quote what it read (pod logs, API answers); on GitHub Actions no line of it may run as a workflow command.
        var resumeToken = Environment.GetEnvironmentVariable("GITHUB_ACTIONS") == "true" ? Guid.NewGuid().ToString("N") : null;
        if (resumeToken != null)
        {
            Console.Error.WriteLine($"::stop-commands::{resumeToken}");
        }

        try
        {
            return ReportCause(log, exception);
        }
        finally
        {
            if (resumeToken != null)
            {
                Console.Error.WriteLine($"::{resumeToken}::");
            }
        }
    }

    private static int ReportCause(ICakeLog log, Exception exception)
    {
        var root = exception is AggregateException aggregate ? aggregate.Flatten().InnerExceptions.First() : exception;
        for (var cause = root; cause != null; cause = cause.InnerException)
        {
            if (cause is IExitCodeException withExitCode)
            {
                log.Error(cause.Message);
                return withExitCode.ExitCode;
            }
        }

        return ExceptionLogger.LogException(log, root);
    }
}
