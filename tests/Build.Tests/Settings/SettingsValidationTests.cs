using MlflowGke.Build.Tests.Support;

namespace MlflowGke.Build.Tests.Settings;

public sealed class SettingsValidationTests
{
    private static readonly object[] BadSettings =
    [
        new object[] { "--project-id=My_Project", "PROJECT_ID='My_Project': a project ID has 6 to 30 lowercase letters" },
        new object[] { "--project-id=abc", "PROJECT_ID='abc'" },
        new object[] { "--region=Europe West", "REGION='Europe West': a region looks like europe-west1" },
        new object[] { "--bucket-name-mlflow=gs://my-bucket/artifacts", "BUCKET_NAME_MLFLOW='gs://my-bucket/artifacts': give the bucket only, without a path (for example gs://my-bucket)" },
        new object[] { "--bucket-name-mlflow=Bad_Bucket", "BUCKET_NAME_MLFLOW='Bad_Bucket': a bucket name has 3 to 63 lowercase letters" },
        new object[] { "--bucket-name-mlflow=google-artifacts", "BUCKET_NAME_MLFLOW='google-artifacts'" },
        new object[] { "--cloudsql-instance-name=my-project.europe-west1.mlflow-db", "CLOUDSQL_INSTANCE_NAME='my-project.europe-west1.mlflow-db': a connection name uses colons, not dots: my-project:europe-west1:mlflow-db" },
        new object[] { "--cloudsql-instance-name=a:b", "CLOUDSQL_INSTANCE_NAME='a:b': expected PROJECT:REGION:INSTANCE" },
        new object[] { "--cloudsql-instance-name=mlflow-db", "CLOUDSQL_INSTANCE_NAME='mlflow-db': a bare instance name needs PROJECT_ID and REGION" },
        new object[] { "--mlflow-service-account-id=mlflow@proj.iam.gserviceaccount.com", "MLFLOW_SERVICE_ACCOUNT_ID='mlflow@proj.iam.gserviceaccount.com': a service account ID has 6 to 30 characters" },
        new object[] { "--mlflow-service-account-id=short", "MLFLOW_SERVICE_ACCOUNT_ID='short'" },
        new object[] { "--namespace=MLflow_NS", "NAMESPACE='MLflow_NS': a namespace is a DNS label" },
        new object[] { "--database=sqlite", "DATABASE='sqlite': expected one of in-cluster, cloud-sql" },
        new object[] { "--cloudsql-engine=oracle", "CLOUDSQL_ENGINE='oracle': expected one of postgres, mysql" },
        new object[] { "--resource-suffix=much-too-long-suffix", "RESOURCE_SUFFIX='much-too-long-suffix'" },
        new object[] { "--wait-timeout=soon", "WAIT_TIMEOUT='soon': expected a duration from 1s to 24h" },
        new object[] { "--wait-scale-up-grace=2h", "WAIT_SCALE_UP_GRACE='2h': expected a duration from 1s to 10m" },
        new object[] { "--wait-restart-limit=0", "WAIT_RESTART_LIMIT='0': expected a whole number from 1 to 20" },
        new object[] { "--plan=maybe", "PLAN='maybe': expected true or false" },
        new object[] { "--lock-timeout=2h", "LOCK_TIMEOUT='2h': expected a duration from 0s to 1h" },
    ];

    [TestCaseSource(nameof(BadSettings))]
    public async Task Bad_setting_is_refused_with_exit_code_2_before_any_task(string argument, string expectedError)
    {
        var result = await new BuildProcess().RunAsync("--target=Doctor", argument);

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString);
            Assert.That(result.All, Does.Contain(expectedError));
            Assert.That(result.All, Does.Contain("Set it with --"), "the error names every way to set the value");
            Assert.That(result.All, Does.Contain("nothing was changed"));
            Assert.That(result.All, Does.Not.Contain("dotnet"), "Doctor must not have run");
        });
    }

    [Test]
    public async Task All_errors_are_reported_together()
    {
        var result = await new BuildProcess().RunAsync("--target=Doctor", "--project-id=X", "--namespace=Y_", "--database=nope");

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString);
            Assert.That(result.All, Does.Contain("3 setting error(s)"));
            Assert.That(result.All, Does.Contain("PROJECT_ID='X'").And.Contain("NAMESPACE='Y_'").And.Contain("DATABASE='nope'"));
        });
    }

    [Test]
    public async Task Error_names_every_way_to_set_the_value()
    {
        var result = await new BuildProcess().RunAsync("--target=Doctor", "--region=x");

        Assert.That(result.All, Does.Contain("Set it with --region=VALUE, the REGION environment variable, or REGION in the [Deploy] section of cake.config."), result.ToString);
    }

    [Test]
    public async Task Valid_forms_are_accepted()
    {
        var result = await new BuildProcess().RunAsync(
            "--target=Default", "--exclusive", "--project-id=my-project-1", "--region=europe-west1",
            "--bucket-name-mlflow=gs://my-bucket", "--cloudsql-instance-name=mlflow-db", "--mlflow-service-account-id=mlflow-sa");

        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString);
    }

    [Test]
    public async Task Settings_the_chosen_targets_need_are_required_and_exclusive_runs_need_only_their_own()
    {
        var withDependencies = await new BuildProcess().RunAsync("--target=WaitReady");
        var alone = await new BuildProcess().RunAsync("--target=WaitReady", "--exclusive");

        Assert.Multiple(() =>
        {
            Assert.That(withDependencies.ExitCode, Is.EqualTo(2), withDependencies.ToString);
            Assert.That(withDependencies.All, Does.Contain("KUBE_CONTEXT is required").And.Contain("BUCKET_NAME_MLFLOW is required").And.Contain("IMAGE_REPOSITORY is required"));
            Assert.That(alone.ExitCode, Is.EqualTo(2), alone.ToString);
            Assert.That(alone.All, Does.Contain("1 setting error(s)").And.Contain("KUBE_CONTEXT is required"));
            Assert.That(alone.All, Does.Not.Contain("BUCKET_NAME_MLFLOW is required"));
        });
    }
}
