using System.Text.RegularExpressions;
using MlflowGke.Build.Tests.Support;

namespace MlflowGke.Build.Tests.Deployment;

public sealed partial class DockerfileTests
{
    private const string PinnedRequirementPattern = @"^[A-Za-z0-9][A-Za-z0-9._-]*(\[[A-Za-z0-9,._-]+\])?==[0-9][A-Za-z0-9.+!-]*$";

    private static readonly string ImageFolder = Path.Combine(RepositoryLayout.Deployment, "mlflow-image");

    private static readonly string[] RequiredLabels =
    [
        "org.opencontainers.image.source", "org.opencontainers.image.title", "org.opencontainers.image.version",
        "org.opencontainers.image.revision", "org.opencontainers.image.created",
    ];

    private static Dockerfile Committed => Dockerfile.Parse(File.ReadAllText(Path.Combine(ImageFolder, "Dockerfile")));

    [Test]
    public void Every_stage_starts_from_a_pinned_image_or_an_earlier_stage()
    {
        var dockerfile = Committed;

        Assert.That(dockerfile.Stages, Has.Count.EqualTo(2));
        Assert.That(dockerfile.Stages.Select(stage => BaseImageProblem(stage.BaseImage, dockerfile)), Has.All.Null);
        Assert.That(dockerfile.Final.BaseImage, Does.StartWith("python:3.12"));
    }

    [Test]
    public void The_final_stage_runs_as_a_non_root_user_and_exposes_mlflows_port()
    {
        var final = Committed.Final;

        Assert.That(final.Arguments("USER").ToList(), Has.Count.EqualTo(1));
        Assert.That(IsNonRoot(final.Arguments("USER").Last()), Is.True);
        Assert.That(final.Arguments("EXPOSE").SelectMany(ports => ports.Split(' ')), Does.Contain("5000"));
        Assert.That(Dockerfile.ExecForm(final.Arguments("ENTRYPOINT").Single()), Is.EqualTo(new[] { "mlflow" }));
        Assert.That(Dockerfile.ExecForm(final.Arguments("CMD").Single()), Does.Contain("5000"));
    }

    [Test]
    public void The_final_stage_carries_the_oci_labels()
    {
        var labels = Dockerfile.Labels(Committed.Final);

        Assert.That(labels.Keys, Is.SupersetOf(RequiredLabels));
        Assert.That(labels.Values, Has.None.Empty);
    }

    [Test]
    public void Every_requirement_is_pinned_and_mlflow_matches_the_labelled_and_deployed_version()
    {
        var requirements = File.ReadLines(Path.Combine(ImageFolder, "requirements.txt"))
            .Select(line => line.Split('#')[0].Trim()).Where(line => line.Length > 0).ToList();
        var mlflow = requirements.Single(line => line.StartsWith("mlflow==", StringComparison.Ordinal))["mlflow==".Length..];
        var labelledVersion = Committed.Final.Arguments("ARG").Single(argument => argument.StartsWith("MLFLOW_VERSION=", StringComparison.Ordinal))["MLFLOW_VERSION=".Length..];
        var deployment = File.ReadAllText(Path.Combine(RepositoryLayout.Deployment, "mlflow", "base", "deployment.yaml"));

        Assert.That(requirements, Is.Not.Empty.And.All.Match(PinnedRequirementPattern));
        Assert.That(labelledVersion, Is.EqualTo(mlflow));
        Assert.That(deployment, Does.Contain($"image: mlflow-tracking-server:{mlflow}"));
    }

    [Test]
    public void Copied_files_exist_and_pass_the_dockerignore()
    {
        var ignore = File.ReadLines(Path.Combine(ImageFolder, ".dockerignore")).Select(line => line.Trim()).Where(line => line.Length > 0 && !line.StartsWith('#')).ToList();
        var sources = Committed.Stages.SelectMany(stage => stage.Arguments("COPY"))
            .Where(arguments => !arguments.StartsWith("--from=", StringComparison.Ordinal))
            .SelectMany(arguments => arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries).SkipLast(1))
            .ToList();

        Assert.That(sources, Is.Not.Empty);
        foreach (var source in sources)
        {
            Assert.That(File.Exists(Path.Combine(ImageFolder, source)), Is.True, $"{source} exists in the build context");
            Assert.That(IsSentToDocker(source, ignore), Is.True, $"{source} is not excluded by .dockerignore");
        }
    }

    [TestCase("FORM python:3.12.8-slim", "unknown instruction 'FORM'")]
    [TestCase("from python:3.12.8-slim", "unknown instruction 'from'")]
    [TestCase("RUN true", "starts with FROM")]
    [TestCase("FROM ${BASE}", "no ARG before the first FROM declares")]
    [TestCase("FROM python:3.12.8-slim \\", "ends with a line continuation")]
    public void The_parser_rejects_what_docker_would_not_build_as_meant(string text, string problem)
    {
        var failure = Assert.Throws<FormatException>(() => Dockerfile.Parse(text));
        Assert.That(failure!.Message, Does.Contain(problem));
    }

    [Test]
    public void The_parser_joins_continued_lines_and_skips_comments_inside_them()
    {
        var dockerfile = Dockerfile.Parse("# syntax=docker/dockerfile:1\nARG BASE=python:3.12.8-slim\nFROM $BASE AS build\nRUN a \\\n# note\n && b\nFROM build\n");

        Assert.That(dockerfile.Stages.Select(stage => (stage.BaseImage, stage.Alias)), Is.EqualTo(new[] { ("python:3.12.8-slim", (string?)"build"), ("build", null) }));
        Assert.That(dockerfile.Stages[0].Arguments("RUN").Single(), Is.EqualTo("a && b"));
    }

    [TestCase("python", "no tag")]
    [TestCase("python:latest", "latest")]
    [TestCase("python:3", "not a specific version")]
    [TestCase("python:slim", "not a specific version")]
    public void Floating_base_images_are_flagged(string image, string problem)
    {
        Assert.That(BaseImageProblem(image, Dockerfile.Parse($"FROM {image}")), Does.Contain(problem));
    }

    [TestCase("root", false)]
    [TestCase("0:0", false)]
    [TestCase("10001:10001", true)]
    [TestCase("mlflow", true)]
    public void Root_users_are_flagged(string user, bool nonRoot)
    {
        Assert.That(IsNonRoot(user), Is.EqualTo(nonRoot));
    }

    /// <summary>Null when the image is an earlier stage, a digest, or a tag naming a specific version (major.minor at least).</summary>
    private static string? BaseImageProblem(string image, Dockerfile dockerfile)
    {
        if (dockerfile.Stages.Any(stage => stage.Alias == image) || image.Contains("@sha256:", StringComparison.Ordinal))
        {
            return null;
        }

        var colon = image.LastIndexOf(':');
        var tag = colon > image.LastIndexOf('/') ? image[(colon + 1)..] : null;
        return tag switch
        {
            null => $"{image}: no tag",
            "latest" => $"{image}: latest",
            _ when !SpecificVersion().IsMatch(tag) => $"{image}: '{tag}' is not a specific version",
            _ => null,
        };
    }

    private static bool IsNonRoot(string user) => user.Split(':')[0] is not ("root" or "0");

    /// <summary>.dockerignore semantics for top-level names: the last matching pattern wins, '!' re-includes.</summary>
    private static bool IsSentToDocker(string path, IEnumerable<string> patterns)
    {
        var sent = true;
        foreach (var pattern in patterns)
        {
            var include = pattern.StartsWith('!');
            var glob = "^" + Regex.Escape(include ? pattern[1..] : pattern).Replace("\\*", "[^/]*").Replace("\\?", "[^/]") + "$";
            if (Regex.IsMatch(path, glob))
            {
                sent = include;
            }
        }

        return sent;
    }

    [GeneratedRegex(@"^v?[0-9]+\.[0-9]+")]
    private static partial Regex SpecificVersion();
}
