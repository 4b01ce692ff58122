using System.Net;
using System.Text.Json.Nodes;
using MlflowGke.Build.Google;
using MlflowGke.Build.Settings;
using MlflowGke.Build.Tests.Fakes.Google;
using static MlflowGke.Build.Tests.Google.GoogleTestSetup;

namespace MlflowGke.Build.Tests.Google;

/// <summary>The IAM read-modify-write and its failures, in process against the fake.</summary>
[TestFixture]
public sealed class IamBindingsTests : GoogleClientTests
{
    private const string Member = $"serviceAccount:{MlflowEmail}";

    private static string ProjectPolicy => FakeGoogleCloud.ProjectResource(Project);

    private IReadOnlyList<RecordedRequest> Sets => FakeCloud.Requests.Where(request => request.Path.EndsWith(":setIamPolicy", StringComparison.Ordinal)).ToList();

    [Test]
    public async Task StaleEtag_RestartsTheWholeCycle_AndKeepsTheOtherWritersMembers()
    {
        FakeCloud.Atomically(() => FakeCloud.Faults.ConcurrentWritesBeforeNextSets = 3);

        await EnsureOnProjectAsync("roles/cloudsql.client");

        Assert.Multiple(() =>
        {
            Assert.That(FakeCloud.Policies.Members(ProjectPolicy, "roles/cloudsql.client"), Is.EqualTo(new[] { Member }));
            Assert.That(FakeCloud.Policies.Members(ProjectPolicy, "roles/viewer"), Has.Count.EqualTo(3));
            Assert.That(Sets, Has.Count.EqualTo(4));
            Assert.That(FakeCloud.Requests.Count(request => request.Path.EndsWith(":getIamPolicy", StringComparison.Ordinal)), Is.EqualTo(1 + 3 + 1), "one read, one per restart, one to see the result");
        });
    }

    [Test]
    public void StaleEtagEveryTime_GivesUpAfterTheRetryLimit()
    {
        FakeCloud.Atomically(() => FakeCloud.Faults.ConcurrentWritesBeforeNextSets = 1000);

        var exception = Assert.ThrowsAsync<GoogleApiException>(() => EnsureOnProjectAsync("roles/cloudsql.client"));

        Assert.That(exception.IsEtagConflict, Is.True);
        Assert.That(Sets, Has.Count.EqualTo(Api.Retry.Options.EtagConflictRetries + 1));
    }

    [Test]
    public async Task ConditionalBindingsAndOtherMembers_ArePreserved_AtPolicyVersion3()
    {
        var condition = new JsonObject { ["title"] = "business-hours", ["expression"] = "request.time.getHours('Europe/Berlin') < 18" };
        FakeCloud.Atomically(() => FakeCloud.Policies.Set(ProjectPolicy, new JsonObject
        {
            ["version"] = 3,
            ["bindings"] = new JsonArray(
                new JsonObject { ["role"] = "roles/cloudsql.client", ["members"] = new JsonArray("user:alice@example.com"), ["condition"] = condition },
                new JsonObject { ["role"] = "roles/owner", ["members"] = new JsonArray("user:bob@example.com") }),
        }));

        await EnsureOnProjectAsync("roles/cloudsql.client");

        var bindings = FakeCloud.Policies.AllBindings(ProjectPolicy);
        Assert.Multiple(() =>
        {
            Assert.That(bindings.Single(binding => binding["condition"] != null).ToJsonString(), Is.EqualTo(new JsonObject { ["role"] = "roles/cloudsql.client", ["members"] = new JsonArray("user:alice@example.com"), ["condition"] = condition.DeepClone() }.ToJsonString()));
            Assert.That(FakeCloud.Policies.Members(ProjectPolicy, "roles/owner"), Is.EqualTo(new[] { "user:bob@example.com" }));
            Assert.That(FakeCloud.Policies.Members(ProjectPolicy, "roles/cloudsql.client"), Is.EqualTo(new[] { Member }));
            Assert.That((int?)JsonNode.Parse(Sets.Single().Body)?["policy"]?["version"], Is.EqualTo(3));
        });
    }

    [Test]
    public async Task MemberAlreadyPresent_NoWrite()
    {
        FakeCloud.Atomically(() => FakeCloud.Policies.Set(ProjectPolicy, new JsonObject { ["bindings"] = new JsonArray(new JsonObject { ["role"] = "roles/cloudsql.client", ["members"] = new JsonArray("user:x@example.com", Member) }) }));

        await EnsureOnProjectAsync("roles/cloudsql.client");

        Assert.That(FakeCloud.MutatingRequests, Is.Empty);
    }

    [Test]
    public async Task TransientBursts_429And503_AreRetried()
    {
        FakeCloud.Atomically(() =>
        {
            FakeCloud.Faults.Burst(2, HttpStatusCode.TooManyRequests);
            FakeCloud.Faults.Burst(3, HttpStatusCode.ServiceUnavailable);
            return 0;
        });

        await EnsureOnProjectAsync("roles/cloudsql.client");

        Assert.That(FakeCloud.Policies.Members(ProjectPolicy, "roles/cloudsql.client"), Is.EqualTo(new[] { Member }));
        Assert.That(FakeCloud.Requests.Count(request => request.Path.EndsWith(":getIamPolicy", StringComparison.Ordinal)), Is.EqualTo(2 + 3 + 2));
    }

    [Test]
    public void TransientBurstLongerThanTheRetries_FailsWithTheLastAnswer()
    {
        FakeCloud.Atomically(() =>
        {
            FakeCloud.Faults.Burst(Api.Retry.Options.TransientRetries + 1, HttpStatusCode.ServiceUnavailable);
            return 0;
        });

        var exception = Assert.ThrowsAsync<GoogleApiException>(() => EnsureOnProjectAsync("roles/cloudsql.client"));

        Assert.That(exception.Message, Does.Contain("503 The service is currently unavailable.").And.Contain($"still failing after {Api.Retry.Options.TransientRetries} retries"));
        Assert.That(FakeCloud.Requests, Has.Count.EqualTo(Api.Retry.Options.TransientRetries + 1));
    }

    [Test]
    public void PermissionDenied_NamesThePermissionAndARole_AndIsNotRetried()
    {
        FakeCloud.Atomically(() => FakeCloud.Faults.DeniedPermissions.Add("resourcemanager.projects.setIamPolicy"));

        var exception = Assert.ThrowsAsync<GoogleApiException>(() => EnsureOnProjectAsync("roles/cloudsql.client"));

        Assert.That(exception.Message, Does.Contain("lacks the permission resourcemanager.projects.setIamPolicy").And.Contain("roles/resourcemanager.projectIamAdmin"));
        Assert.That(Sets, Has.Count.EqualTo(1));
    }

    [Test]
    public void DisabledApi_NamesTheApiAndTheCommandThatEnablesIt()
    {
        FakeCloud.Atomically(() => FakeCloud.Faults.DisabledApis.Add("cloudresourcemanager.googleapis.com"));

        var exception = Assert.ThrowsAsync<GoogleApiException>(() => EnsureOnProjectAsync("roles/cloudsql.client"));

        Assert.That(exception.Message, Does.Contain($"gcloud services enable cloudresourcemanager.googleapis.com --project={Project}"));
        Assert.That(FakeCloud.Requests, Has.Count.EqualTo(1));
    }

    [Test]
    public void NewAccountThatNeverBecomesVisible_StopsAfterThePropagationWindow()
    {
        FakeCloud.Atomically(() => FakeCloud.Faults.PropagationDelayRequests = int.MaxValue);
        var workloadIdentity = WorkloadIdentity();
        var settings = DeploySettingsOf(SettingValues());

        var exception = Assert.ThrowsAsync<GoogleSetupException>(() => workloadIdentity.BindAsync(new Topology(settings).ServiceAccounts, settings.Namespace, CancellationToken.None));

        Assert.That(exception.Message, Does.Contain("IAM still does not see it"));
    }

    [Test]
    public void MissingMlflowAccount_IsExplainedWithItsSetting()
    {
        var values = SettingValues();
        values[SettingNames.MlflowServiceAccountId] = "not-there";

        var settings = DeploySettingsOf(values);

        var exception = Assert.ThrowsAsync<GoogleSetupException>(() => WorkloadIdentity().BindAsync(new Topology(settings).ServiceAccounts, settings.Namespace, CancellationToken.None));

        Assert.That(exception.Message, Does.Contain($"not-there@{Project}.iam.gserviceaccount.com does not exist").And.Contain(SettingNames.MlflowServiceAccountId));
        Assert.That(FakeCloud.MutatingRequests, Is.Empty);
    }

    [Test]
    public void RejectedToken_SaysHowToRefreshCredentials()
    {
        using var google = Clients(FakeCloud, token: "expired");

        var exception = Assert.ThrowsAsync<GoogleApiException>(() => google.Iam.GetServiceAccountAsync(Project, MlflowEmail, CancellationToken.None));

        Assert.That(exception.Message, Does.Contain("credentials were rejected").And.Not.Contain("expired"));
    }

    [Test]
    public void UnreachableEndpoint_IsRetried_ThenExplained()
    {
        var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var closed = new Uri($"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/");
        listener.Stop();
        using var google = new GoogleCloud(new GoogleEndpoints(closed, closed, closed, closed), GoogleAccessToken.Static(FakeGoogleCloud.AccessToken), new GoogleRetryOptions(TimeSpan.FromMilliseconds(1)));

        var exception = Assert.ThrowsAsync<GoogleSetupException>(() => google.Iam.GetServiceAccountAsync(Project, MlflowEmail, CancellationToken.None));

        Assert.That(exception.Message, Does.Contain($"{closed.GetLeftPart(UriPartial.Authority)} did not answer after 6 retries").And.Contain("CLOUDSDK_API_ENDPOINT_OVERRIDES_"));
    }

    private WorkloadIdentityBinder WorkloadIdentity() =>
        new(Api.Iam, Api.ResourceManager, new IamBindings(Api.Retry, Log.Gate(), Log), Log.Gate(), Log);

    private Task EnsureOnProjectAsync(string role) =>
        new IamBindings(Api.Retry, Log.Gate(), Log).EnsureMemberAsync(PolicyTarget.Project(Api.ResourceManager, Project, AccountFreshness.Existing), role, Member, CancellationToken.None);
}
