using Cake.Core.Tooling;

namespace MlflowGke.Build.Docker;

/// <summary>Settings of the docker CLI wrapper; ToolPath overrides where docker is found.</summary>
public sealed class DockerToolSettings : ToolSettings;
