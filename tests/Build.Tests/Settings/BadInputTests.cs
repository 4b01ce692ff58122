using System.Text.RegularExpressions;
using MlflowGke.Build.Tests.Support;

namespace MlflowGke.Build.Tests.Settings;

/// <summary>
/// The security review's bad inputs and more: each is refused with exit code 2, names its setting, starts no task,
/// and echoes nothing that GitHub Actions would read as a command or that floods the log.
/// </summary>
public sealed partial class BadInputTests
{
    private static readonly string Long = new('a', 10_000);

    private static IEnumerable<TestCaseData> Cases()
    {
        TestCaseData Argument(string setting, string argument) =>
            new TestCaseData(setting, new[] { argument }, new Dictionary<string, string>(), null).SetName($"{setting}: argument {Shorten(argument)}");
        TestCaseData Environment(string setting, string name, string value) =>
            new TestCaseData(setting, Array.Empty<string>(), new Dictionary<string, string> { [name] = value }, null).SetName($"{setting}: environment {name}={Shorten(value)}");

        yield return Argument("PROJECT_ID", "--project-id=My_Project");
        yield return Argument("PROJECT_ID", "--project-id=abc");
        yield return Argument("PROJECT_ID", "--project-id=-project-1");
        yield return Argument("PROJECT_ID", "--project-id=project-");
        yield return Argument("PROJECT_ID", $"--project-id={new string('p', 31)}");
        yield return Argument("PROJECT_ID", "--project-id=");
        yield return Argument("PROJECT_ID", $"--project-id={Long}");
        yield return Argument("REGION", "--region=Europe West");
        yield return Argument("REGION", "--region=europe");
        yield return Argument("REGION", "--region=EUROPE-WEST1");
        yield return Argument("REGION", "--region");
        yield return Environment("REGION", "REGION", "europe-west1\n::error title=forged::workflow command injected");
        yield return Argument("CLUSTER_NAME", "--cluster-name=Cluster");
        yield return Argument("CLUSTER_NAME", $"--cluster-name={new string('c', 41)}");
        yield return Argument("CLUSTER_NAME", "--cluster-name=ml_cluster");
        yield return Argument("KUBE_CONTEXT", "--kube-context=my context");
        yield return Argument("KUBE_CONTEXT", "--kube-context=ctx;rm -rf /");
        yield return Environment("KUBE_CONTEXT", "KUBE_CONTEXT", Long);
        yield return Argument("NAMESPACE", "--namespace=MLflow_NS");
        yield return Argument("NAMESPACE", "--namespace=kube-system");
        yield return Argument("NAMESPACE", "--namespace=kube-public");
        yield return Argument("NAMESPACE", "--namespace=default");
        yield return Argument("NAMESPACE", $"--namespace={new string('n', 64)}");
        yield return Argument("NAMESPACE", "--namespace=");
        yield return Argument("NAMESPACE", "--namespace");
        yield return Environment("NAMESPACE", "NAMESPACE", "ml\rflow");
        yield return Argument("DATABASE", "--database=sqlite");
        yield return Argument("DATABASE", "--database=");
        yield return Argument("BUCKET_NAME_MLFLOW", "--bucket-name-mlflow=gs://my-bucket/artifacts");
        yield return Argument("BUCKET_NAME_MLFLOW", "--bucket-name-mlflow=Bad_Bucket");
        yield return Argument("BUCKET_NAME_MLFLOW", "--bucket-name-mlflow=google-artifacts");
        yield return Argument("BUCKET_NAME_MLFLOW", "--bucket-name-mlflow=goog-artifacts");
        yield return Argument("BUCKET_NAME_MLFLOW", "--bucket-name-mlflow=ab");
        yield return Argument("CLOUDSQL_INSTANCE_NAME", "--cloudsql-instance-name=my-project.europe-west1.mlflow-db");
        yield return Argument("CLOUDSQL_INSTANCE_NAME", "--cloudsql-instance-name=a:b");
        yield return Argument("CLOUDSQL_INSTANCE_NAME", "--cloudsql-instance-name=mlflow-db");
        yield return Argument("CLOUDSQL_INSTANCE_NAME", "--cloudsql-instance-name=my-project-1:europe-west1:db:extra");
        yield return Argument("CLOUDSQL_ENGINE", "--cloudsql-engine=oracle");
        yield return Argument("CLOUDSQL_PRIVATE_IP", "--cloudsql-private-ip=maybe");
        yield return Argument("MLFLOW_SERVICE_ACCOUNT_ID", "--mlflow-service-account-id=mlflow@proj.iam.gserviceaccount.com");
        yield return Argument("MLFLOW_SERVICE_ACCOUNT_ID", "--mlflow-service-account-id=short");
        yield return Argument("RESOURCE_SUFFIX", "--resource-suffix=much-too-long-suffix");
        yield return Argument("RESOURCE_SUFFIX", "--resource-suffix=UP");
        yield return Argument("ARTIFACT_REGISTRY_REPOSITORY", "--artifact-registry-repository=My_Repo");
        yield return Argument("IMAGE_REPOSITORY", "--image-repository=Registry/MLflow");
        yield return Argument("IMAGE_REPOSITORY", "--image-repository=registry.example.com/mlflow:tag");
        yield return Argument("IMAGE_TAG", "--image-tag=.hidden");
        yield return Argument("IMAGE_TAG", $"--image-tag={new string('t', 129)}");
        yield return Environment("IMAGE_TAG", "IMAGE_TAG", "v1\u001b[31mred");
        yield return Argument("IMAGE_CONTEXT", "--image-context=../../../etc");
        yield return Argument("IMAGE_CONTEXT", "--image-context=/etc");
        yield return Argument("DOCKERFILE", "--dockerfile=/etc/shadow");
        yield return Argument("DOCKERFILE", "--dockerfile=../outside/Dockerfile");
        yield return Argument("MLFLOW_REPLICAS", "--mlflow-replicas=0");
        yield return Argument("MLFLOW_REPLICAS", "--mlflow-replicas=two");
        yield return Argument("CLIENT_NAMESPACE_LABEL", "--client-namespace-label=mlflow-client");
        yield return Argument("CLIENT_NAMESPACE_LABEL", "--client-namespace-label=team=ml=x");
        yield return Argument("CLIENT_NAMESPACE_LABEL", "--client-namespace-label=-team=ml");
        yield return Argument("CLIENT_NAMESPACE_LABEL", "--client-namespace-label=Example_Com/team=ml");
        yield return Argument("DB_USER", "--db-user=Mlflow");
        yield return Argument("DB_USER", "--db-user=db-user");
        yield return Argument("DB_PASSWORD", "--db-password=s3cret");
        yield return Argument("DB_PASSWORD", "--db-password");
        yield return Environment("DB_PASSWORD", "DB_PASSWORD", " s3cret ");
        yield return Environment("DB_PASSWORD", "DB_PASSWORD_FILE", "/nonexistent/db-password");
        yield return new TestCaseData("DB_PASSWORD", Array.Empty<string>(), new Dictionary<string, string> { ["DB_PASSWORD"] = "s3cret", ["DB_PASSWORD_FILE"] = "/etc/hostname" }, null)
            .SetName("DB_PASSWORD: both the variable and the file");
        yield return new TestCaseData("DB_PASSWORD", Array.Empty<string>(), new Dictionary<string, string>(), "[Deploy]\nDB_PASSWORD=s3cret\n")
            .SetName("DB_PASSWORD: in cake.config");
        yield return Argument("GOOGLE_RETRY_DELAY", "--google-retry-delay=49m");
        yield return Argument("GOOGLE_RETRY_DELAY", "--google-retry-delay=2147483647h");
        yield return Argument("GOOGLE_RETRY_DELAY", "--google-retry-delay=0");
        yield return Argument("GOOGLE_RETRY_DELAY", "--google-retry-delay=-1s");
        yield return Argument("GOOGLE_RETRY_DELAY", "--google-retry-delay=1d");
        yield return Argument("GOOGLE_RETRY_DELAY", "--google-retry-delay=1.5s");
        yield return Argument("WAIT_TIMEOUT", "--wait-timeout=soon");
        yield return Argument("WAIT_TIMEOUT", "--wait-timeout=2147483647h");
        yield return Argument("WAIT_TIMEOUT", "--wait-timeout=99999999999999999999s");
        yield return Argument("WAIT_TIMEOUT", "--wait-timeout=25h");
        yield return Argument("WAIT_TIMEOUT", "--wait-timeout=0");
        yield return Argument("WAIT_TIMEOUT", "--wait-timeout=");
        yield return Argument("LOCK_TIMEOUT", "--lock-timeout=2h");
        yield return Argument("LOCK_TIMEOUT", "--lock-timeout=-1s");
        yield return Argument("BREAK_LOCK", "--break-lock=please");
        yield return Argument("MLFLOW_URL", "--mlflow-url=ftp://mlflow.example.com");
        yield return Argument("MLFLOW_URL", "--mlflow-url=mlflow.example.com");
        yield return Argument("MLFLOW_URL", "--mlflow-url=https://user:pw@mlflow.example.com");
        yield return Argument("DELETE_DATA", "--delete-data=maybe");
        yield return Argument("DELETE_DATA", "--delete-data=");
        yield return Argument("NO_ROLLBACK", "--no-rollback=maybe");
        yield return Argument("PLAN", "--plan=maybe");
        yield return new TestCaseData("AUTH", new[] { "--auth=none", "--expose=ingress", "--mlflow-hostname=mlflow.example.com" }, new Dictionary<string, string>(), null)
            .SetName("AUTH: none while EXPOSE=ingress publishes the server");
        yield return Argument("AUTH", "--auth=iap");
        yield return Argument("AUTH", "--auth=oauth");
        yield return Argument("EXPOSE", "--expose=ingress");
        yield return Argument("EXPOSE", "--expose=loadbalancer");
        yield return Argument("MLFLOW_HOSTNAME", "--mlflow-hostname=https://mlflow.example.com");
        yield return Argument("MLFLOW_HOSTNAME", "--mlflow-hostname=*.example.com");
        yield return Argument("MLFLOW_HOSTNAME", "--mlflow-hostname=mlflow");
        yield return Argument("MLFLOW_HOSTNAME", "--mlflow-hostname=MLflow.Example.com");
        yield return Argument("IAP_CLIENT_ID", "--iap-client-id=my-client");
        yield return Argument("IAP_CLIENT_SECRET", "--iap-client-secret=GOCSPX-secret");
        yield return Argument("PLAN", "--plan=");
    }

    [TestCaseSource(nameof(Cases))]
    public async Task Bad_input_is_refused_with_exit_code_2_naming_the_setting_before_any_task(string setting, string[] arguments, Dictionary<string, string> environment, string? config)
    {
        // Given the bad input, as an argument, in the environment or in cake.config
        using var workDirectory = new TempDirectory(Path.Combine(RepositoryLayout.Root, "artifacts", "test-work"));
        var build = new BuildProcess();
        if (config != null)
        {
            File.WriteAllText(workDirectory.Combine("cake.config"), config);
            build.WorkingDirectory = workDirectory.Path;
        }

        foreach (var (name, value) in environment)
        {
            build.Environment[name] = value;
        }

        // When Doctor, a target that reads nothing else, is asked for
        var result = await build.RunAsync(["--target=Doctor", .. arguments]);

        // Then the run stops with exit 2 before Doctor starts, naming the setting, and echoes nothing harmful
        var lines = result.All.Split('\n');
        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString);
            Assert.That(lines, Has.Some.StartsWith($"  - {setting}"), "an error line names the setting");
            Assert.That(lines, Has.None.Match(TaskLine()), "Doctor did not start");
            Assert.That(lines, Has.None.Match("^\\s*::"), "no line GitHub Actions would read as a workflow command");
            Assert.That(lines, Has.All.Length.LessThan(600), "long values are shortened");
            Assert.That(result.All, Does.Not.Contain("s3cret"), "secrets are never echoed");
            Assert.That(result.All, Does.Not.Contain("Exception"), "no exception type reaches the user");
        });
    }

    private static string Shorten(string text) => text.Length > 40 ? $"{text[..30]}…({text.Length})" : text.Replace("\n", "\\n").Replace("\r", "\\r").Replace("\u001b", "\\e");

    [GeneratedRegex(@"^\s*Doctor(\s|$)")]
    private static partial Regex TaskLine();
}
