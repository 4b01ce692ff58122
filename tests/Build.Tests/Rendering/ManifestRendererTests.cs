using System.Text.RegularExpressions;
using k8s.Models;
using MlflowGke.Build.Settings;
using MlflowGke.Build.Tests.Deployment;
using MlflowGke.Build.Tests.Support;

namespace MlflowGke.Build.Tests.Rendering;

[Category("Kubectl")]
[TestFixtureSource(typeof(RenderCase), nameof(RenderCase.All))]
public sealed partial class ManifestRendererTests(RenderCase renderCase)
{
    private static readonly string[] ApplyCreatedSecrets = ["mlflow-db-credentials", "mlflow-backend-store", "mlflow-auth"];

    private TempDirectory _output = null!;
    private RenderedManifest _manifest = null!;
    private DeploySettings _settings = null!;

    private bool IsCloudSql => _settings.Database == DatabasePath.CloudSql;

    private bool IsExposed => _settings.Expose == ExposeMode.Ingress;

    [OneTimeSetUp]
    public async Task RenderOnce()
    {
        KubectlAvailability.Require();
        _settings = renderCase.Settings();
        _output = new TempDirectory();
        _manifest = new RenderedManifest(await Renderer.RenderAsync(renderCase, _output.Path));
    }

    [OneTimeTearDown]
    public void RemoveOutput() => _output?.Dispose();

    [Test]
    public void Renders_exactly_the_objects_of_its_path()
    {
        var budgets = _settings.MlflowReplicas > 1;
        string[] common = ["Namespace/" + _settings.Namespace, "NetworkPolicy/default-deny", "NetworkPolicy/allow-dns", "NetworkPolicy/allow-google-apis", "NetworkPolicy/mlflow", "NetworkPolicy/database-clients", "ServiceAccount/mlflow", "ConfigMap/mlflow-config-HASH", "Service/mlflow", "Deployment/mlflow", "ConfigMap/mlflow-migrate-HASH", "Job/mlflow-migrate-HASH", .. budgets ? ["PodDisruptionBudget/mlflow"] : Array.Empty<string>()];
        string[] database = IsCloudSql
            ? ["ServiceAccount/mlflow-cloudsql-proxy", "Service/cloudsql-proxy", "Deployment/cloudsql-proxy", "NetworkPolicy/cloudsql-proxy", .. budgets ? ["PodDisruptionBudget/cloudsql-proxy"] : Array.Empty<string>()]
            : ["ServiceAccount/postgres", "Service/postgres", "StatefulSet/postgres", "NetworkPolicy/postgres"];

        string[] metrics = _settings.Metrics ? ["PodMonitoring/mlflow", "NetworkPolicy/mlflow-metrics"] : [];
        string[] exposure = IsExposed ? ["Ingress/mlflow", "ManagedCertificate/mlflow", "BackendConfig/mlflow", "FrontendConfig/mlflow", "NetworkPolicy/mlflow-load-balancer"] : [];

        Assert.That(_manifest.KindsAndNames, Is.EquivalentTo(common.Concat(database).Concat(metrics).Concat(exposure)));
    }

    [Test]
    public void Every_rendered_document_is_a_valid_api_object()
    {
        // Loading is strict (see KubernetesSchema): reaching here means no unknown field; none may be dropped either.
        var documents = _manifest.Text.Split("\n---\n").Count(document => document.Trim().Length > 0);

        Assert.That(_manifest.Objects, Has.Count.EqualTo(documents));
        Assert.That(_manifest.Objects.Where(item => item.Kind != "FrontendConfig").Select(item => item.ApiVersion), Has.None.Contains("beta").And.None.Contains("alpha"), "GKE serves FrontendConfig only as v1beta1");
    }

    [Test]
    public void Cloud_sql_path_has_no_postgres_object()
    {
        var postgresObjects = _manifest.Objects.Where(item => item.Metadata.Name.Contains("postgres", StringComparison.Ordinal)
            || (item.Metadata.Labels?.Values.Contains("postgres") ?? false)).Select(item => $"{item.Kind}/{item.Metadata.Name}");
        var postgresImages = _manifest.Workloads.SelectMany(workload => workload.AllContainers).Where(container => container.Image.StartsWith("postgres", StringComparison.Ordinal));

        Assert.That(postgresObjects, IsCloudSql ? Is.Empty : Is.Not.Empty);
        Assert.That(postgresImages, IsCloudSql ? Is.Empty : Is.Not.Empty);
    }

    [Test]
    public void Every_reference_resolves_to_an_object_in_the_output_or_to_the_secret_apply_creates()
    {
        var configMaps = _manifest.All<V1ConfigMap>().ToDictionary(map => map.Metadata.Name, map => map.Data);
        var serviceAccounts = _manifest.All<V1ServiceAccount>().Select(account => account.Metadata.Name).ToHashSet();
        var secrets = _manifest.All<V1Secret>().Select(secret => secret.Metadata.Name).Concat(ApplyCreatedSecrets).ToHashSet();
        var unresolved = new List<string>();
        foreach (var workload in _manifest.Workloads)
        {
            var pod = workload.Template.Spec;
            if (pod.ServiceAccountName != null && !serviceAccounts.Contains(pod.ServiceAccountName))
            {
                unresolved.Add($"{workload.Name}: serviceAccountName {pod.ServiceAccountName}");
            }

            var volumes = (pod.Volumes ?? []).Select(volume => volume.Name).Concat(workload.ClaimTemplates).ToHashSet();
            foreach (var volume in pod.Volumes ?? [])
            {
                if ((volume.ConfigMap != null && !configMaps.ContainsKey(volume.ConfigMap.Name)) || (volume.Secret != null && !secrets.Contains(volume.Secret.SecretName)))
                {
                    unresolved.Add($"{workload.Name}: volume {volume.Name}");
                }

                if (volume.PersistentVolumeClaim != null || volume.HostPath != null)
                {
                    unresolved.Add($"{workload.Name}: volume {volume.Name} uses a source the manifests do not create");
                }
            }

            foreach (var container in workload.AllContainers)
            {
                var where = $"{workload.Name}/{container.Name}";
                foreach (var source in container.EnvFrom ?? [])
                {
                    if ((source.ConfigMapRef != null && !configMaps.ContainsKey(source.ConfigMapRef.Name)) || (source.SecretRef != null && !secrets.Contains(source.SecretRef.Name)))
                    {
                        unresolved.Add($"{where}: envFrom");
                    }
                }

                foreach (var env in container.Env ?? [])
                {
                    var configKey = env.ValueFrom?.ConfigMapKeyRef;
                    if (configKey != null && !(configMaps.TryGetValue(configKey.Name, out var data) && data.ContainsKey(configKey.Key)))
                    {
                        unresolved.Add($"{where}: env {env.Name} from ConfigMap {configKey.Name} key {configKey.Key}");
                    }

                    var secretKey = env.ValueFrom?.SecretKeyRef;
                    if (secretKey != null && !secrets.Contains(secretKey.Name))
                    {
                        unresolved.Add($"{where}: env {env.Name} from Secret {secretKey.Name}");
                    }
                }

                unresolved.AddRange((container.VolumeMounts ?? []).Where(mount => !volumes.Contains(mount.Name)).Select(mount => $"{where}: volumeMount {mount.Name}"));

                // Kubernetes leaves $(NAME) as typed when NAME is not an env var of the container: a silent misconfiguration.
                var defined = (container.Env ?? []).Select(env => env.Name).ToHashSet();
                var used = (container.Command ?? []).Concat(container.Args ?? []).SelectMany(argument => VariableReference().Matches(argument).Select(match => match.Groups[1].Value));
                unresolved.AddRange(used.Where(name => !defined.Contains(name)).Select(name => $"{where}: $({name}) in command/args"));
            }
        }

        Assert.That(unresolved, Is.Empty);
    }

    [Test]
    public void Every_container_has_resources_and_a_locked_down_security_context_and_every_server_has_probes()
    {
        foreach (var workload in _manifest.Workloads)
        {
            Assert.That(workload.Template.Spec.SecurityContext?.RunAsNonRoot, Is.True, $"{workload.Name}: pod runAsNonRoot");
            Assert.That(workload.Template.Spec.AutomountServiceAccountToken, Is.False, $"{workload.Name}: no API token mounted");
            foreach (var container in workload.AllContainers)
            {
                var where = $"{workload.Name}/{container.Name}";
                Assert.That(container.Resources?.Requests?.Keys, Is.SupersetOf(new[] { "cpu", "memory" }), $"{where}: requests");
                Assert.That(container.Resources?.Limits?.Keys, Is.SupersetOf(new[] { "cpu", "memory" }), $"{where}: limits");
                Assert.That(container.SecurityContext?.AllowPrivilegeEscalation, Is.False, $"{where}: allowPrivilegeEscalation");
                Assert.That(container.SecurityContext?.ReadOnlyRootFilesystem, Is.True, $"{where}: readOnlyRootFilesystem");
                Assert.That(container.SecurityContext?.Capabilities?.Drop, Is.EqualTo(new[] { "ALL" }), $"{where}: capabilities");
            }

            foreach (var container in workload.Kind == "Job" ? [] : workload.Template.Spec.Containers)
            {
                var where = $"{workload.Name}/{container.Name}";
                Assert.That(new[] { container.StartupProbe, container.ReadinessProbe, container.LivenessProbe }, Has.None.Null, $"{where}: startup, readiness and liveness probes");
                var probePorts = new[] { container.StartupProbe, container.ReadinessProbe, container.LivenessProbe }.Select(probe => probe.HttpGet?.Port.Value).OfType<string>().Distinct();
                Assert.That(probePorts, Is.SubsetOf((container.Ports ?? []).Select(port => port.Name)), $"{where}: probes use declared ports");
            }
        }
    }

    [Test]
    public void Every_pod_template_passes_the_restricted_pod_security_standard()
    {
        // The schema check Job is the migration Job renamed, with --check added to its arguments (SchemaCheck): the same pod.
        var violations = _manifest.Workloads.SelectMany(workload => RestrictedPodSecurity.Violations($"{workload.Kind}/{workload.Name}", workload.Template.Spec));

        Assert.That(_manifest.Workloads, Has.Count.EqualTo(3), "the server, the database side and the migration Job are checked");
        Assert.That(violations, Is.Empty);
    }

    [Test]
    public void The_namespace_enforces_audits_and_warns_at_the_restricted_level()
    {
        var labels = _manifest.All<V1Namespace>().Single().Metadata.Labels;

        Assert.That(
            new[] { "enforce", "audit", "warn" }.Select(mode => labels[$"pod-security.kubernetes.io/{mode}"]),
            Is.EqualTo(new[] { "restricted", "restricted", "restricted" }));
    }

    [Test]
    public void The_server_and_the_proxy_run_the_set_replicas_spread_across_zones_with_a_disruption_budget_from_two_on()
    {
        var replicated = IsCloudSql ? new[] { "mlflow", "cloudsql-proxy" } : ["mlflow"];
        var budgets = _manifest.All<V1PodDisruptionBudget>().ToList();

        foreach (var deployment in _manifest.All<V1Deployment>())
        {
            var spread = deployment.Spec.Template.Spec.TopologySpreadConstraints.Single();
            Assert.That(deployment.Spec.Replicas, Is.EqualTo(_settings.MlflowReplicas), deployment.Metadata.Name);
            Assert.That((spread.TopologyKey, spread.WhenUnsatisfiable, spread.MaxSkew), Is.EqualTo(("topology.kubernetes.io/zone", "ScheduleAnyway", 1)), deployment.Metadata.Name);
            Assert.That(spread.LabelSelector.MatchLabels, Is.EqualTo(deployment.Spec.Selector.MatchLabels), $"{deployment.Metadata.Name}: spreads its own pods");
        }

        Assert.That(_manifest.All<V1Deployment>().Select(deployment => deployment.Metadata.Name), Is.EquivalentTo(replicated));
        Assert.That(budgets.Select(budget => budget.Metadata.Name), Is.EquivalentTo(_settings.MlflowReplicas > 1 ? replicated : []));
        foreach (var budget in budgets)
        {
            Assert.That(budget.Spec.MinAvailable.Value, Is.EqualTo("1"), budget.Metadata.Name);
            Assert.That(budget.Spec.Selector.MatchLabels, Is.EqualTo(_manifest.All<V1Deployment>().Single(deployment => deployment.Metadata.Name == budget.Metadata.Name).Spec.Selector.MatchLabels), budget.Metadata.Name);
        }
    }

    [Test]
    public void The_namespace_denies_every_connection_that_a_policy_does_not_allow()
    {
        var denyAll = _manifest.Single<V1NetworkPolicy>("default-deny").Spec;

        Assert.That(denyAll.PodSelector.MatchLabels, Is.Null.Or.Empty, "selects every pod");
        Assert.That(denyAll.PodSelector.MatchExpressions, Is.Null.Or.Empty, "selects every pod");
        Assert.That(denyAll.PolicyTypes, Is.EquivalentTo(new[] { "Ingress", "Egress" }));
        Assert.That(denyAll.Ingress, Is.Null.Or.Empty, "admits nothing");
        Assert.That(denyAll.Egress, Is.Null.Or.Empty, "lets nothing out");
        Assert.That(_manifest.All<V1NetworkPolicy>().Select(policy => policy.Metadata.NamespaceProperty), Has.All.EqualTo(_settings.Namespace));
    }

    [Test]
    public void Each_pod_opens_connections_only_to_what_it_needs()
    {
        var policies = new NetworkPolicies(_manifest);
        var database = Database;
        var databaseConnection = $"pods:{database.Name} TCP/{DatabasePort}";
        var google = new[] { "cidr:169.254.169.254/32 TCP/80", "cidr:169.254.169.252/32 TCP/988", "any TCP/443" };
        var migration = _manifest.MigrationJob.Metadata.Name;

        Assert.That(policies.Egress(_manifest.Workload("mlflow")), Is.EquivalentTo(Dns.Concat(google).Append(databaseConnection)), "MLflow");
        Assert.That(policies.Egress(_manifest.Workload(migration)), Is.EquivalentTo(Dns.Append(databaseConnection)), "the migration Job");
        Assert.That(policies.Egress(database), Is.EquivalentTo(IsCloudSql ? Dns.Concat(google).Append("any TCP/3307") : Dns), database.Name);
    }

    [Test]
    public void Only_mlflow_and_its_migration_reach_the_database_port()
    {
        var ingress = new NetworkPolicies(_manifest).Ingress(Database);

        Assert.That(ingress, Is.EquivalentTo(new[] { $"pods:mlflow TCP/{DatabasePort}", $"pods:{_manifest.MigrationJob.Metadata.Name} TCP/{DatabasePort}" }));
    }

    [Test]
    public void Mlflow_accepts_connections_from_its_namespace_and_from_namespaces_with_the_client_label()
    {
        var client = _settings.ClientNamespaceLabel is { } label ? new[] { $"namespace:{label} TCP/5000" } : [];
        var collectors = _settings.Metrics ? new[] { "namespace:kubernetes.io/metadata.name In (gmp-system,gke-gmp-system) TCP/5000" } : [];
        var loadBalancer = IsExposed ? new[] { "cidr:35.191.0.0/16 TCP/5000", "cidr:130.211.0.0/22 TCP/5000" } : [];

        var ingress = new NetworkPolicies(_manifest).Ingress(_manifest.Workload("mlflow"));

        Assert.That(ingress, Is.EquivalentTo(client.Concat(collectors).Concat(loadBalancer).Append("pods:* TCP/5000")));
    }

    [Test]
    public void With_metrics_mlflow_serves_prometheus_metrics_that_a_pod_monitoring_scrapes_on_its_http_port()
    {
        var mlflow = _manifest.Workload("mlflow").Template.Spec.Containers[0];
        var monitors = _manifest.All<PodMonitoring>().ToList();

        Assert.That(mlflow.Args.SkipWhile(argument => argument != "--expose-prometheus").Take(2), Is.EqualTo(_settings.Metrics ? new[] { "--expose-prometheus", "/tmp/prometheus-metrics" } : []));
        Assert.That(monitors.Select(monitor => monitor.Metadata.Name), Is.EqualTo(_settings.Metrics ? new[] { "mlflow" } : []));
        foreach (var monitor in monitors)
        {
            Assert.That(_manifest.Workloads.Where(workload => NetworkPolicies.Matches(monitor.Spec.Selector, workload.PodLabels)).Select(workload => workload.Name), Is.EqualTo(new[] { "mlflow" }));
            Assert.That(monitor.Spec.Endpoints.Select(endpoint => (endpoint.Port, endpoint.Path)), Is.EqualTo(new[] { ("http", "/metrics") }));
            Assert.That(mlflow.Ports.Select(port => port.Name), Does.Contain("http"));
            Assert.That(monitor.Metadata.NamespaceProperty, Is.EqualTo(_settings.Namespace));
            Assert.That(mlflow.VolumeMounts.Select(mount => mount.MountPath), Does.Contain("/tmp"), "the metrics folder is on a writable volume");
        }
    }

    [Test]
    public void Exposed_the_ingress_routes_the_hostname_to_mlflow_and_the_load_balancer_checks_health_where_mlflow_answers_it()
    {
        var ingresses = _manifest.All<V1Ingress>().ToList();
        Assert.That(ingresses, Has.Count.EqualTo(IsExposed ? 1 : 0));
        foreach (var ingress in ingresses)
        {
            var rule = ingress.Spec.Rules.Single();
            var backend = rule.Http.Paths.Single().Backend.Service;
            var mlflow = _manifest.Workload("mlflow").Template.Spec.Containers[0];
            var health = _manifest.Single<BackendConfig>("mlflow").Spec.HealthCheck!;
            var service = _manifest.Single<V1Service>(backend.Name);

            Assert.That(rule.Host, Is.EqualTo(_settings.MlflowHostname));
            Assert.That(_manifest.Single<ManagedCertificate>(ingress.Metadata.Annotations["networking.gke.io/managed-certificates"]).Spec.Domains, Is.EqualTo(new[] { _settings.MlflowHostname }));
            Assert.That(_manifest.Single<FrontendConfig>(ingress.Metadata.Annotations["networking.gke.io/v1beta1.FrontendConfig"]).Spec.RedirectToHttps?.Enabled, Is.True);
            Assert.That(service.Spec.Ports.Select(port => port.Name), Does.Contain(backend.Port.Name));
            Assert.That(service.Metadata.Annotations["cloud.google.com/backend-config"], Is.EqualTo("""{"default": "mlflow"}"""));
            Assert.That((health.RequestPath, health.Port), Is.EqualTo((mlflow.ReadinessProbe.HttpGet.Path, mlflow.Ports.Single(port => port.Name == "http").ContainerPort)), "the probe's open /health on MLflow's port");
            Assert.That(_manifest.Single<BackendConfig>("mlflow").Spec.Iap?.Enabled ?? false, Is.EqualTo(_settings.Auth == AuthMode.Iap));
        }
    }

    [Test]
    public void Services_select_their_pods_and_target_declared_ports()
    {
        foreach (var service in _manifest.All<V1Service>())
        {
            Assert.That(service.Spec.Type, Is.EqualTo("ClusterIP"), $"{service.Metadata.Name}: no public exposure");
            var targets = _manifest.Workloads.Where(workload => service.Spec.Selector.All(pair => workload.PodLabels.TryGetValue(pair.Key, out var value) && value == pair.Value)).ToList();
            Assert.That(targets, Has.Count.EqualTo(1), $"{service.Metadata.Name}: selects one workload");
            var declared = targets[0].Template.Spec.Containers.SelectMany(container => container.Ports ?? []).ToList();
            foreach (var port in service.Spec.Ports)
            {
                var target = declared.SingleOrDefault(candidate => candidate.Name == port.TargetPort.Value);
                Assert.That(target, Is.Not.Null, $"{service.Metadata.Name}: targetPort {port.TargetPort.Value} names a container port");
                Assert.That(target!.ContainerPort, Is.EqualTo(port.Port), $"{service.Metadata.Name}: Service port and container port agree");
            }
        }
    }

    [Test]
    public void No_password_is_written_in_plain_text()
    {
        Assert.That(_manifest.All<V1Secret>(), Is.Empty, "the Secret is created by Apply, not rendered");
        var literalSecrets = _manifest.Workloads.SelectMany(workload => workload.AllContainers)
            .SelectMany(container => container.Env ?? [])
            .Where(env => SecretLikeName().IsMatch(env.Name) && (env.Value != null || env.ValueFrom?.SecretKeyRef == null))
            .Select(env => env.Name);
        Assert.That(literalSecrets, Is.Empty, "password-like variables come from a Secret");
        Assert.That(_manifest.MlflowConfig.Data.Keys.Concat(_manifest.MlflowConfig.Data.Values), Has.None.Match(SecretLikePattern));
        Assert.That(CredentialsInUri().IsMatch(_manifest.Text), Is.False, "no user:password@ in a URI");
        Assert.That(_manifest.Text, Does.Not.Contain("$(DB_"), "no credential is expanded into a command line");
    }

    [Test]
    public void Every_image_is_pinned_and_mlflow_runs_the_rendered_image()
    {
        var images = _manifest.Workloads.SelectMany(workload => workload.AllContainers).Select(container => container.Image).ToList();

        Assert.That(images, Has.All.Match(PinnedImagePattern), "a tag or a digest on every image");
        Assert.That(images, Has.None.EndsWith(":latest"));
        Assert.That(_manifest.Workload("mlflow").AllContainers.Select(container => container.Image), Has.All.EqualTo(renderCase.Image.Pinned));
        Assert.That(_manifest.MigrationJob.Spec.Template.Spec.Containers.Single().Image, Is.EqualTo(renderCase.Image.Pinned), "the migration runs the server's image");
    }

    [Test]
    public void Config_carries_the_bucket_and_the_connection_name()
    {
        var data = _manifest.MlflowConfig.Data;
        var mySql = IsCloudSql && _settings.CloudSqlEngine == CloudSqlEngine.MySql;

        Assert.That(data["ARTIFACTS_DESTINATION"], Is.EqualTo($"gs://{_settings.BucketName}/mlflow"));
        Assert.That(data.Keys.Where(key => key.StartsWith("DB_", StringComparison.Ordinal)), Is.EqualTo(new[] { "DB_NAME" }), "the database address is in the backend store URI that Apply writes");
        if (IsCloudSql)
        {
            Assert.That(data["INSTANCE_CONNECTION_NAME"], Is.EqualTo(_settings.CloudSqlInstance.ConnectionName).And.Match("^[a-z][-a-z0-9]+:[a-z]+-[a-z]+[0-9]+:[-a-z0-9]+$"));
            var proxy = _manifest.Workload("cloudsql-proxy").Template.Spec.Containers[0];
            Assert.That(proxy.Args, Does.Contain("$(INSTANCE_CONNECTION_NAME)").And.Contain(mySql ? "--port=3306" : "--port=5432"));
            Assert.That(proxy.Ports.Single(port => port.Name == "db").ContainerPort, Is.EqualTo(mySql ? 3306 : 5432));
            Assert.That(_manifest.Single<V1Service>("cloudsql-proxy").Spec.Ports.Single().Port, Is.EqualTo(mySql ? 3306 : 5432));
        }
        else
        {
            Assert.That(data.ContainsKey("INSTANCE_CONNECTION_NAME"), Is.False);
        }
    }

    [Test]
    public void The_server_and_the_migration_read_the_backend_store_uri_from_its_Secret_and_no_argument_carries_it()
    {
        var containers = new[] { _manifest.Workload("mlflow"), _manifest.Workload(_manifest.MigrationJob.Metadata.Name) }.SelectMany(workload => workload.AllContainers).ToList();

        Assert.That(containers, Has.Count.EqualTo(2), "no init container: the Job migrates");
        foreach (var container in containers)
        {
            var uri = container.Env.Single(env => env.Name == "MLFLOW_BACKEND_STORE_URI").ValueFrom.SecretKeyRef;
            Assert.That((uri.Name, uri.Key), Is.EqualTo(("mlflow-backend-store", "uri")), container.Name);
            Assert.That(container.Args, Has.None.Contains("backend-store-uri").And.None.Contains("://"), container.Name);
        }
    }

    [Test]
    public void The_migration_Job_runs_the_committed_script_once_with_retries_and_stays_for_the_next_Deploy()
    {
        var job = _manifest.MigrationJob;
        var pod = job.Spec.Template.Spec;
        var script = _manifest.All<V1ConfigMap>().Single(map => map.Metadata.Name == pod.Volumes.Single(volume => volume.Name == "migrate").ConfigMap.Name);

        Assert.That(job.Metadata.Name, Does.Match("^mlflow-migrate-[0-9a-f]{12}$"));
        Assert.That(job.Metadata.Labels["app.kubernetes.io/component"], Is.EqualTo("migration"));
        Assert.That((job.Spec.BackoffLimit, job.Spec.ActiveDeadlineSeconds, job.Spec.TtlSecondsAfterFinished), Is.EqualTo((3, 1800L, (int?)null)));
        Assert.That(pod.RestartPolicy, Is.EqualTo("Never"));
        Assert.That(pod.Containers.Single().Command.Concat(pod.Containers.Single().Args), Is.EqualTo(new[] { "python", "/opt/mlflow-migrate/migrate.py" }));
        Assert.That(pod.Containers.Single().VolumeMounts.Single(mount => mount.Name == "migrate"), Has.Property("MountPath").EqualTo("/opt/mlflow-migrate").And.Property("ReadOnlyProperty").True);
        Assert.That(script.Data["migrate.py"], Is.EqualTo(File.ReadAllText(Path.Combine(RepositoryLayout.Deployment, "mlflow", "base", "migrate.py"))));
    }

    [Test]
    public void Private_ip_flag_follows_the_setting()
    {
        if (!IsCloudSql)
        {
            Assert.That(_manifest.Text, Does.Not.Contain("--private-ip"));
            return;
        }

        var arguments = _manifest.Workload("cloudsql-proxy").Template.Spec.Containers[0].Args;
        Assert.That(arguments.Count(argument => argument == "--private-ip"), Is.EqualTo(_settings.CloudSqlPrivateIp ? 1 : 0));
    }

    [Test]
    public void Service_accounts_are_rendered_without_the_workload_identity_annotation_that_Annotate_owns()
    {
        var expected = new Topology(_settings).ServiceAccounts.Select(pair => pair.KubernetesServiceAccount);

        var accounts = _manifest.All<V1ServiceAccount>().ToList();
        Assert.That(accounts.Select(account => account.Metadata.Name), Is.EquivalentTo(IsCloudSql ? expected : expected.Append("postgres")));
        Assert.That(accounts.Where(account => account.Metadata.Annotations?.ContainsKey(Topology.WorkloadIdentityAnnotation) == true), Is.Empty);
        Assert.That(_manifest.Workload("mlflow").Template.Spec.ServiceAccountName, Is.EqualTo("mlflow"));
        Assert.That(
            _manifest.Workload(IsCloudSql ? "cloudsql-proxy" : "postgres").Template.Spec.ServiceAccountName,
            Is.EqualTo(IsCloudSql ? "mlflow-cloudsql-proxy" : "postgres"),
            "the database side runs under its own account");
    }

    [Test]
    public void No_service_account_mounts_an_api_token()
    {
        Assert.That(_manifest.All<V1ServiceAccount>().Select(account => account.AutomountServiceAccountToken), Has.All.False);
    }

    [Test]
    public void Namespace_and_the_hosts_mlflow_accepts_follow_the_setting()
    {
        var ns = _settings.Namespace;
        var namespaced = _manifest.Objects.Where(item => item is not V1Namespace);
        var allowedHosts = _manifest.MlflowConfig.Data["ALLOWED_HOSTS"].Split(',');

        Assert.That(namespaced.Select(item => item.Metadata.NamespaceProperty), Has.All.EqualTo(ns));
        Assert.That(allowedHosts, Is.SupersetOf(new[] { "mlflow", "mlflow:5000", $"mlflow.{ns}", $"mlflow.{ns}.svc", $"mlflow.{ns}.svc.cluster.local:5000", "localhost:*", "127.0.0.1:*" }));
        Assert.That(allowedHosts.Where(host => host.StartsWith("mlflow.", StringComparison.Ordinal)), Has.All.StartWith($"mlflow.{ns}"));
    }

    private static readonly string[] Dns =
    [
        "namespace:kubernetes.io/metadata.name=kube-system pods:k8s-app In (kube-dns,node-local-dns) UDP/53", "namespace:kubernetes.io/metadata.name=kube-system pods:k8s-app In (kube-dns,node-local-dns) TCP/53",
        "cidr:169.254.169.254/32 UDP/53", "cidr:169.254.169.254/32 TCP/53",
    ];

    private Deployment.Workload Database => _manifest.Workload(IsCloudSql ? "cloudsql-proxy" : "postgres");

    private int DatabasePort => Database.Template.Spec.Containers[0].Ports.Single(port => port.Name is "db" or "postgres").ContainerPort;

    [GeneratedRegex(@"\$\(([A-Za-z_][A-Za-z0-9_]*)\)")]
    private static partial Regex VariableReference();

    private const string SecretLikePattern = "(?i)password|passwd|secret|token";

    private const string PinnedImagePattern = @"^[^\s:@]+(?::[0-9]+)?/?[^\s:@]*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}|@sha256:[0-9a-f]{64})$";

    [GeneratedRegex(SecretLikePattern)]
    private static partial Regex SecretLikeName();

    [GeneratedRegex(@"://[^\s/@:]+:[^\s/@]+@")]
    private static partial Regex CredentialsInUri();
}
