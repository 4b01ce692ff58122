using MlflowGke.Build.Preflight;
using MlflowGke.Build.Settings;
using MlflowGke.Build.Tests.Rendering;

namespace MlflowGke.Build.Tests;

public sealed class TopologyTests
{
    [Test]
    public void In_cluster_runs_postgres_and_mlflow_under_mlflows_own_account()
    {
        // Given
        var settings = RenderCase.InCluster.Settings();

        // When
        var topology = new Topology(settings);

        // Then
        Assert.Multiple(() =>
        {
            Assert.That(topology.Overlay, Is.EqualTo("env/gcp"));
            Assert.That(topology.Components, Is.EqualTo(new[] { "components/basic-auth" }), "AUTH=basic by default");
            Assert.That(topology.AuthDatabaseTarget?.Database, Is.EqualTo("mlflow_auth"));
            Assert.That(topology.IsExposed, Is.False, "nothing exposes the server yet");
            Assert.That(topology.Workloads.Select(workload => workload.Resource), Is.EqualTo(new[] { "statefulset.apps/postgres", "deployment.apps/mlflow" }));
            Assert.That(topology.Replicated.Select(workload => workload.Name), Is.EqualTo(new[] { "mlflow" }), "PostgreSQL is one pod");
            Assert.That((topology.Replicas, topology.HasDisruptionBudgets), Is.EqualTo((2, true)), "two replicas by default");
            Assert.That(topology.ServiceAccounts.Select(pair => (pair.KubernetesServiceAccount, pair.Google.Email, pair.Google.Creation)), Is.EqualTo(new[] { ("mlflow", settings.MlflowServiceAccountEmail, (AccountCreation?)null) }));
            Assert.That(topology.CloudSql, Is.Null);
            Assert.That(topology.DatabaseLogin.Password, Is.Null, "the password is generated into the Secret");
        });
    }

    [Test]
    public void Cloud_sql_adds_the_proxy_with_its_own_accounts_and_never_postgres()
    {
        // Given
        var values = new Dictionary<string, string>(RenderCase.CloudSqlMySqlPrivate.Values) { [SettingNames.DatabasePassword] = "from-settings" };
        var settings = new RenderCase("cloud-sql with a password", values, RenderCase.CloudSqlMySqlPrivate.Image).Settings();

        // When
        var topology = new Topology(settings);

        // Then
        var proxy = topology.ServiceAccounts.Single(pair => pair.KubernetesServiceAccount == "mlflow-cloudsql-proxy");
        Assert.Multiple(() =>
        {
            Assert.That(topology.Overlay, Is.EqualTo("env/gcp-cloudsql"));
            Assert.That(topology.Components, Is.EqualTo(new[] { "components/cloudsql-mysql", "components/metrics", "components/basic-auth" }), "the case sets METRICS=true; AUTH=basic by default");
            Assert.That(topology.Workloads.Select(workload => workload.Resource), Is.EqualTo(new[] { "deployment.apps/cloudsql-proxy", "deployment.apps/mlflow" }));
            Assert.That(topology.Replicated.Select(workload => workload.Name), Is.EquivalentTo(new[] { "mlflow", "cloudsql-proxy" }), "the proxy runs as many replicas as MLflow");
            Assert.That((topology.Replicas, topology.HasDisruptionBudgets), Is.EqualTo((1, false)), "the case sets MLFLOW_REPLICAS=1");
            Assert.That(proxy.Google.Email, Is.EqualTo(settings.ProxyServiceAccountEmail));
            Assert.That(proxy.Google.Creation?.AccountId, Is.EqualTo(settings.ProxyServiceAccountId), "the suite creates the proxy's Google account");
            Assert.That(proxy.ProjectRoles, Is.EqualTo(new[] { "roles/cloudsql.client" }));
            Assert.That(topology.CloudSql, Is.EqualTo(new CloudSqlTarget(settings.CloudSqlInstance, CloudSqlEngine.MySql, true, "mlflowdb", CloudSqlUser.BuiltIn("mlflow"), "mlflow_auth")));
            Assert.That(topology.CloudSql!.Databases, Is.EqualTo(new[] { "mlflowdb", "mlflow_auth" }));
            Assert.That(topology.CloudSql!.ProxyArguments, Is.EqualTo(new[] { "--private-ip" }));
            Assert.That(topology.DatabaseLogin, Is.EqualTo(new DatabaseLogin("mlflow", "from-settings")));
        });
    }

    [TestCase("postgres", "mlflow-csql-proxy-dev@my-proj.iam")]
    [TestCase("mysql", "mlflow-csql-proxy-dev")]
    public void Iam_auth_logs_in_as_the_proxys_service_account_without_a_password(string engine, string login)
    {
        // Given
        var values = new Dictionary<string, string>(RenderCase.CloudSqlPostgres.Values) { [SettingNames.CloudSqlAuth] = "iam", [SettingNames.CloudSqlEngine] = engine };
        var settings = new RenderCase("cloud-sql with IAM", values, RenderCase.CloudSqlPostgres.Image).Settings();

        // When
        var topology = new Topology(settings);

        // Then
        var proxy = topology.ServiceAccounts.Single(pair => pair.KubernetesServiceAccount == "mlflow-cloudsql-proxy");
        Assert.Multiple(() =>
        {
            Assert.That(topology.DatabaseLogin, Is.EqualTo(new DatabaseLogin(login, null)));
            Assert.That(topology.CloudSql!.User, Has.Property("IsIam").True);
            Assert.That(topology.CloudSql.ProxyArguments, Is.EqualTo(new[] { "--auto-iam-authn" }));
            Assert.That(proxy.ProjectRoles, Is.EqualTo(new[] { "roles/cloudsql.client", "roles/cloudsql.instanceUser" }));
        });
    }

    [Test]
    public void Auth_none_has_no_auth_component_and_no_auth_database()
    {
        // Given
        var values = new Dictionary<string, string>(RenderCase.CloudSqlPostgres.Values) { [SettingNames.Auth] = "none" };
        var settings = new RenderCase("cloud-sql without auth", values, RenderCase.CloudSqlPostgres.Image).Settings();

        // When
        var topology = new Topology(settings);

        // Then
        Assert.Multiple(() =>
        {
            Assert.That(topology.Components, Is.EqualTo(new[] { "components/metrics" }), "the case sets METRICS=true; no basic-auth");
            Assert.That(topology.AuthDatabaseTarget, Is.Null);
            Assert.That(topology.CloudSql!.Databases, Is.EqualTo(new[] { "mlflowdb" }));
        });
    }

    [Test]
    public void Iap_exposes_the_server_behind_identity_aware_proxy_without_mlflows_own_login()
    {
        // Given
        var values = new Dictionary<string, string>(RenderCase.InCluster.Values)
        {
            [SettingNames.Auth] = "iap",
            [SettingNames.Expose] = "ingress",
            [SettingNames.MlflowHostname] = "mlflow.example.org",
        };
        var settings = new RenderCase("in-cluster behind IAP", values, RenderCase.InCluster.Image).Settings();

        // When
        var topology = new Topology(settings);

        // Then
        Assert.Multiple(() =>
        {
            Assert.That(topology.Components, Is.EqualTo(new[] { "components/ingress", "components/iap" }), "the iap component patches the ingress component's BackendConfig");
            Assert.That(topology.IsExposed, Is.True);
            Assert.That(topology.Hostname, Is.EqualTo("mlflow.example.org"));
            Assert.That(topology.AuthDatabaseTarget, Is.Null);
        });
    }

    [Test]
    public void Parts_that_need_no_setting_are_read_without_the_settings_other_parts_need()
    {
        // Given: only what WaitReady alone needs
        var settings = new RenderCase("kube context only", new Dictionary<string, string> { [SettingNames.KubeContext] = "ctx" }, RenderCase.InCluster.Image).Settings();

        // When
        var topology = new Topology(settings);

        // Then
        Assert.That(topology.Workloads, Has.Count.EqualTo(2));
    }

    [Test]
    public void Preflight_checks_declared_for_one_path_apply_on_that_path_only()
    {
        // Given
        PreflightAttribute[] declared = [new(PreflightCheck.KubeContext), new(PreflightCheck.GoogleCredentials) { OnlyOn = [DatabasePath.CloudSql] }];

        // When
        var inCluster = new Topology(RenderCase.InCluster.Settings()).PreflightChecks(declared);
        var cloudSql = new Topology(RenderCase.CloudSqlPostgres.Settings()).PreflightChecks(declared);

        // Then
        Assert.That(inCluster, Is.EquivalentTo(new[] { PreflightCheck.KubeContext }));
        Assert.That(cloudSql, Is.EquivalentTo(new[] { PreflightCheck.KubeContext, PreflightCheck.GoogleCredentials }));
    }
}
