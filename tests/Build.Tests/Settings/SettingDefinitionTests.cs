using System.ComponentModel.DataAnnotations;
using System.Reflection;
using MlflowGke.Build.Google;
using MlflowGke.Build.Settings;
using MlflowGke.Build.Tests.Support;
using Polly;
using Polly.Retry;

namespace MlflowGke.Build.Tests.Settings;

/// <summary>Each definition carries its parser and its default; the typed settings, the table and the errors read them.</summary>
public sealed class SettingDefinitionTests
{
    [Test]
    public void Every_default_is_valid_for_its_own_parser()
    {
        // Given nothing set
        var settings = TestSettings.Parse(new Dictionary<string, string>());

        // Then the fixed defaults parse without a single error
        Assert.Multiple(() =>
        {
            Assert.That(settings.Errors.Select(error => error.Message), Is.Empty);
            Assert.That(settings.WaitTimeout, Is.EqualTo(TimeSpan.FromMinutes(10)));
            Assert.That(settings.Namespace, Is.EqualTo("mlflow"));
            Assert.That(settings.Database, Is.EqualTo(DatabasePath.InCluster));
        });
    }

    [Test]
    public void Derived_values_come_from_the_templates_of_their_definitions()
    {
        // Given the three settings the kube context and the image repository are built from
        var settings = TestSettings.Parse(new Dictionary<string, string>
        {
            [SettingNames.ProjectId] = "my-project-1",
            [SettingNames.Region] = "europe-west1",
            [SettingNames.ClusterName] = "ml",
            [SettingNames.ImageContext] = "deployment/mlflow-image",
        });

        // Then the values follow the texts the README shows
        Assert.Multiple(() =>
        {
            Assert.That(SettingNames.Get(SettingNames.KubeContext).DefaultText, Is.EqualTo("gke_PROJECT_ID_REGION_CLUSTER_NAME"));
            Assert.That(settings.KubeContext, Is.EqualTo("gke_my-project-1_europe-west1_ml"));
            Assert.That(settings.ImageRepository, Is.EqualTo("europe-west1-docker.pkg.dev/my-project-1/mlflow/mlflow"));
            Assert.That(settings.Dockerfile, Is.EqualTo("deployment/mlflow-image/Dockerfile"));
        });
    }

    [Test]
    public void Database_path_follows_the_cloud_sql_instance_when_not_given()
    {
        var settings = TestSettings.Parse(new Dictionary<string, string> { [SettingNames.CloudSqlInstanceName] = "my-project-1:europe-west1:db" });

        Assert.That(settings.Database, Is.EqualTo(DatabasePath.CloudSql));
    }

    [TestCase("mlflow-client=true", "mlflow-client", "true")]
    [TestCase("example.com/team=ml", "example.com/team", "ml")]
    [TestCase("kubernetes.io/metadata.name=training", "kubernetes.io/metadata.name", "training")]
    public void A_client_namespace_label_is_read_as_key_and_value(string given, string key, string value)
    {
        var settings = TestSettings.Parse(new Dictionary<string, string> { [SettingNames.ClientNamespaceLabel] = given });

        Assert.That(settings.ClientNamespaceLabel, Is.EqualTo(new NamespaceLabel(key, value)));
    }

    [Test]
    public void Verify_goes_through_https_at_the_hostname_when_the_server_is_exposed()
    {
        // Given
        var settings = TestSettings.Parse(new Dictionary<string, string> { [SettingNames.Expose] = "ingress", [SettingNames.MlflowHostname] = "mlflow.example.org" });

        // Then
        Assert.That(settings.MlflowUrl, Is.EqualTo(new Uri("https://mlflow.example.org")));
    }

    [Test]
    public void Verify_goes_through_kubectl_port_forward_when_the_server_is_not_exposed()
    {
        // Given a hostname that is not used
        var settings = TestSettings.Parse(new Dictionary<string, string> { [SettingNames.MlflowHostname] = "mlflow.example.org" });

        // Then
        Assert.That(settings.MlflowUrl, Is.Null);
    }

    [Test]
    public void A_missing_derived_setting_names_the_settings_it_is_derived_from()
    {
        // Given nothing set
        var settings = TestSettings.Parse(new Dictionary<string, string>());

        // When a task needs the kube context
        var errors = settings.MissingFor([new RequiresSettingsAttribute(SettingNames.KubeContext)]);

        // Then the error says how else to get it, from the definition's template
        Assert.That(errors.Single().Message, Does.Contain("KUBE_CONTEXT is required: give it, or set PROJECT_ID, REGION and CLUSTER_NAME to derive gke_PROJECT_ID_REGION_CLUSTER_NAME"));
    }

    [TestCase("2147483647h")]
    [TestCase("99999999999999999999s")]
    [TestCase("0")]
    [TestCase("25h")]
    public void Out_of_range_wait_timeout_is_a_setting_error_not_an_exception(string value)
    {
        var settings = TestSettings.Parse(new Dictionary<string, string> { [SettingNames.WaitTimeout] = value });

        Assert.That(settings.Errors.Single().Message, Does.StartWith($"WAIT_TIMEOUT='{value}': expected a duration from 1s to 24h"));
    }

    [Test]
    public void Google_retry_delay_is_bounded_by_what_polly_accepts_for_the_capped_delay()
    {
        // Given Polly's own limit on MaxDelay
        var range = typeof(RetryStrategyOptions<object>).GetProperty(nameof(RetryStrategyOptions<object>.MaxDelay))!.GetCustomAttribute<System.ComponentModel.DataAnnotations.RangeAttribute>()!;
        var limit = TimeSpan.Parse((string)range.Maximum, System.Globalization.CultureInfo.InvariantCulture);

        // When the longest accepted first delay sets up the retry pipelines, and 49m is given as the setting
        var atLimit = new GoogleRetry(new GoogleRetryOptions(GoogleRetryOptions.LongestFirstDelay));
        var tooLong = TestSettings.Parse(new Dictionary<string, string> { [SettingNames.GoogleRetryDelay] = "49m" });

        // Then the longest first delay keeps MaxDelay within Polly's limit, and 49m is refused up front
        Assert.Multiple(() =>
        {
            Assert.That(atLimit.Options.MaxDelay, Is.LessThanOrEqualTo(limit));
            Assert.That(() => new ResiliencePipelineBuilder().AddRetry(new RetryStrategyOptions { MaxDelay = limit + TimeSpan.FromTicks(1) }).Build(), Throws.InstanceOf<ValidationException>());
            Assert.That(tooLong.Errors.Single().Message, Does.StartWith("GOOGLE_RETRY_DELAY='49m': expected a duration from 1ms to 48m"));
        });
    }

    [Test]
    public void A_bare_switch_is_true_for_a_flag_only()
    {
        var flag = SettingNames.Get(SettingNames.Plan).Parser.IsFlag;
        var text = SettingNames.Get(SettingNames.Namespace).Parser.IsFlag;

        Assert.That((flag, text), Is.EqualTo((true, false)));
    }

    [Test]
    public void Settings_table_shows_the_default_rule_when_the_value_cannot_be_derived()
    {
        var settings = TestSettings.Parse(new Dictionary<string, string>());

        Assert.Multiple(() =>
        {
            Assert.That(settings.ValueWhenUnset(SettingNames.ImageTag), Is.EqualTo("a digest of the image's build inputs"));
            Assert.That(settings.ValueWhenUnset(SettingNames.KubeContext), Is.Null, "no PROJECT_ID, REGION or CLUSTER_NAME to derive it from");
            Assert.That(settings.ValueWhenUnset(SettingNames.Database), Is.EqualTo("in-cluster"));
        });
    }

    [Test]
    public void A_build_context_that_links_out_of_the_repository_is_refused()
    {
        // Given a symbolic link inside the repository that points at /etc
        using var directory = new TempDirectory(Path.Combine(RepositoryLayout.Root, "artifacts", "test-links"));
        var link = Path.Combine(directory.Path, "context");
        Directory.CreateSymbolicLink(link, "/etc");

        // When it is the image context
        var settings = TestSettings.Parse(new Dictionary<string, string> { [SettingNames.ImageContext] = Path.GetRelativePath(RepositoryLayout.Root, link) });

        // Then the link is followed and the setting refused
        Assert.That(settings.Errors.Single().Message, Does.Contain("IMAGE_CONTEXT=").And.Contain("the path resolves to /etc, outside the repository"));
    }
}
