using System.Text.Json.Serialization;

namespace MlflowGke.Build.Tests.Deployment;

/// <summary>
/// GKE Ingress's custom kinds (ManagedCertificate, BackendConfig, FrontendConfig), the fields the manifests use, so
/// that strict loading (see <see cref="KubernetesSchema"/>) refuses a misspelt one.
/// </summary>
public sealed class ManagedCertificate : CustomObject<ManagedCertificateSpec>
{
    public const string TypeKey = "networking.gke.io/v1/ManagedCertificate";
}

public sealed class ManagedCertificateSpec
{
    [JsonPropertyName("domains")]
    public IList<string> Domains { get; set; } = [];
}

public sealed class BackendConfig : CustomObject<BackendConfigSpec>
{
    public const string TypeKey = "cloud.google.com/v1/BackendConfig";
}

public sealed class BackendConfigSpec
{
    [JsonPropertyName("timeoutSec")]
    public int? TimeoutSec { get; set; }

    [JsonPropertyName("healthCheck")]
    public BackendHealthCheck? HealthCheck { get; set; }

    [JsonPropertyName("iap")]
    public BackendIap? Iap { get; set; }
}

public sealed class BackendHealthCheck
{
    [JsonPropertyName("type")]
    public string Type { get; set; } = string.Empty;

    [JsonPropertyName("requestPath")]
    public string RequestPath { get; set; } = string.Empty;

    [JsonPropertyName("port")]
    public int Port { get; set; }

    [JsonPropertyName("checkIntervalSec")]
    public int? CheckIntervalSec { get; set; }

    [JsonPropertyName("timeoutSec")]
    public int? TimeoutSec { get; set; }
}

public sealed class BackendIap
{
    [JsonPropertyName("enabled")]
    public bool Enabled { get; set; }

    [JsonPropertyName("oauthclientCredentials")]
    public IapOAuthClientCredentials? OauthclientCredentials { get; set; }
}

public sealed class IapOAuthClientCredentials
{
    [JsonPropertyName("secretName")]
    public string SecretName { get; set; } = string.Empty;
}

/// <summary>GKE serves FrontendConfig only as networking.gke.io/v1beta1.</summary>
public sealed class FrontendConfig : CustomObject<FrontendConfigSpec>
{
    public const string TypeKey = "networking.gke.io/v1beta1/FrontendConfig";
}

public sealed class FrontendConfigSpec
{
    [JsonPropertyName("redirectToHttps")]
    public HttpsRedirect? RedirectToHttps { get; set; }
}

public sealed class HttpsRedirect
{
    [JsonPropertyName("enabled")]
    public bool Enabled { get; set; }

    [JsonPropertyName("responseCodeName")]
    public string ResponseCodeName { get; set; } = string.Empty;
}
