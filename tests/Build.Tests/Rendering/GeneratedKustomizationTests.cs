using MlflowGke.Build.Image;
using MlflowGke.Build.Rendering;
using MlflowGke.Build.Settings;
using MlflowGke.Build.Tests.Support;

namespace MlflowGke.Build.Tests.Rendering;

public sealed class GeneratedKustomizationTests
{
    [Test]
    public void Allowed_hosts_for_the_committed_namespace_equal_the_committed_value()
    {
        var committed = File.ReadLines(Path.Combine(RepositoryLayout.Deployment, "mlflow", "base", "mlflow.env"))
            .Single(line => line.StartsWith("ALLOWED_HOSTS=", StringComparison.Ordinal))["ALLOWED_HOSTS=".Length..];

        Assert.That(GeneratedKustomization.AllowedHosts(GeneratedKustomization.CommittedNamespace), Is.EqualTo(committed));
    }

    [Test]
    public void The_committed_namespace_is_not_overridden_and_keeps_the_committed_hosts()
    {
        var yaml = For(RenderCase.InCluster.Settings(), RenderCase.InCluster.Image, "../mlflow");

        Assert.That(yaml, Does.Not.Contain("namespace:").And.Not.Contain("ALLOWED_HOSTS"));
    }

    [Test]
    public void A_tag_is_written_as_new_tag_and_a_digest_replaces_it()
    {
        var tagged = For(RenderCase.InCluster.Settings(), RenderCase.InCluster.Image, "../mlflow");
        var pinned = For(RenderCase.InCluster.Settings(), RenderCase.InClusterOtherNamespace.Image, "../mlflow");

        Assert.That(tagged, Does.Contain("    newTag: \"3.6.0-abc123\"\n").And.Not.Contain("digest:"));
        Assert.That(pinned, Does.Contain($"    digest: \"{RenderCase.Digest}\"\n").And.Not.Contain("newTag:"));
    }

    [Test]
    public void Cloud_sql_only_knobs_stay_off_the_in_cluster_path()
    {
        var values = new Dictionary<string, string>(RenderCase.InCluster.Values)
        {
            [SettingNames.Database] = "in-cluster",
            [SettingNames.CloudSqlEngine] = "mysql",
            [SettingNames.CloudSqlPrivateIp] = "true",
        };
        var yaml = For(new RenderCase("in-cluster with cloud-sql knobs", values, RenderCase.InCluster.Image).Settings(), RenderCase.InCluster.Image, "../mlflow");

        Assert.That(yaml, Does.Contain("\"../mlflow/env/gcp\"").And.Not.Contain("cloudsql"));
        Assert.That(yaml, Does.Not.Contain("--private-ip").And.Not.Contain("INSTANCE_CONNECTION_NAME"));
    }

    [Test]
    public void Values_from_settings_are_quoted_yaml_scalars()
    {
        var yaml = For(RenderCase.CloudSqlMySqlPrivate.Settings(), RenderCase.CloudSqlMySqlPrivate.Image, "../../deployment/mlflow");

        Assert.That(yaml, Does.Contain("      - \"INSTANCE_CONNECTION_NAME=my-proj:europe-west1:mlflow-db\"\n"));
        Assert.That(yaml, Does.Contain("namespace: \"ml-prod\"\n"));
        Assert.That(yaml, Does.Contain("  - \"../../deployment/mlflow/components/cloudsql-mysql\"\n"));
    }

    [Test]
    public void Exposure_adds_the_ingress_component_and_puts_the_hostname_in_the_rule_the_certificate_the_hosts_and_the_cors_origin()
    {
        var values = new Dictionary<string, string>(RenderCase.InCluster.Values) { [SettingNames.Expose] = "ingress", [SettingNames.MlflowHostname] = "mlflow.example.org" };

        var yaml = For(new RenderCase("in-cluster exposed", values, RenderCase.InCluster.Image).Settings(), RenderCase.InCluster.Image, "../mlflow");

        Assert.That(yaml, Does.Contain("  - \"../mlflow/components/ingress\"\n").And.Not.Contain("components/iap"));
        Assert.That(yaml, Does.Contain("        path: /spec/rules/0/host\n        value: \"mlflow.example.org\"\n"));
        Assert.That(yaml, Does.Contain("        path: /spec/domains\n        value: [\"mlflow.example.org\"]\n"));
        Assert.That(yaml, Does.Contain($"      - \"ALLOWED_HOSTS={GeneratedKustomization.AllowedHosts(GeneratedKustomization.CommittedNamespace)},mlflow.example.org\"\n"));
        Assert.That(yaml, Does.Contain("      - \"CORS_ALLOWED_ORIGINS=https://mlflow.example.org\"\n"));
    }

    [Test]
    public void The_workload_identity_annotation_is_left_to_Annotate()
    {
        var yaml = For(RenderCase.CloudSqlMySqlPrivate.Settings(), RenderCase.CloudSqlMySqlPrivate.Image, "../mlflow");

        Assert.That(yaml, Does.Not.Contain(Topology.WorkloadIdentityAnnotation).And.Not.Contain("kind: ServiceAccount"));
    }

    private static string For(DeploySettings settings, ImageReference image, string mlflowFolder) =>
        GeneratedKustomization.For(settings, new Topology(settings), image, mlflowFolder);
}
