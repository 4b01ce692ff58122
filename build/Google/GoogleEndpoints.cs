using Cake.Core;
using Cake.Core.Diagnostics;
using MlflowGke.Build.Settings;

namespace MlflowGke.Build.Google;

/// <summary>
/// Base URLs of the REST APIs. Overridable with the variables gcloud itself reads, so a test double
/// or a private endpoint works for the suite and for gcloud alike.
/// </summary>
public sealed record GoogleEndpoints(Uri Iam, Uri ResourceManager, Uri SqlAdmin, Uri Container)
{
    public const string IamOverride = "CLOUDSDK_API_ENDPOINT_OVERRIDES_IAM";
    public const string ResourceManagerOverride = "CLOUDSDK_API_ENDPOINT_OVERRIDES_CLOUDRESOURCEMANAGER";
    public const string SqlAdminOverride = "CLOUDSDK_API_ENDPOINT_OVERRIDES_SQL";
    public const string ContainerOverride = "CLOUDSDK_API_ENDPOINT_OVERRIDES_CONTAINER";

    public static GoogleEndpoints FromEnvironment(ICakeEnvironment environment, ICakeLog log) => new(
        Read(environment, log, IamOverride, "https://iam.googleapis.com/"),
        Read(environment, log, ResourceManagerOverride, "https://cloudresourcemanager.googleapis.com/"),
        Read(environment, log, SqlAdminOverride, "https://sqladmin.googleapis.com/"),
        Read(environment, log, ContainerOverride, "https://container.googleapis.com/"));

    private static Uri Read(ICakeEnvironment environment, ICakeLog log, string variable, string defaultUrl)
    {
        var value = environment.GetEnvironmentVariable(variable);
        if (string.IsNullOrWhiteSpace(value))
        {
            log.Verbose("  {0} {1} (default)", variable, defaultUrl);
            return new Uri(defaultUrl);
        }

        var shown = PrintableText.Of(value);
        if (!Uri.TryCreate(value.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new EndpointOverrideException($"{variable}='{shown}' is not a base URL; expected something like https://iam.googleapis.com/ or http://127.0.0.1:8080/.");
        }

        // Every request carries the bearer token: over plain http only to this machine.
        if (uri.Scheme != Uri.UriSchemeHttps && !uri.IsLoopback)
        {
            throw new EndpointOverrideException($"{variable}='{shown}' uses http to another host, which would send the Google access token in clear text; use https, or http only to localhost/127.0.0.1.");
        }

        if (uri.UserInfo.Length > 0)
        {
            throw new EndpointOverrideException($"{variable} contains credentials (user:password@); remove them, the suite authenticates with the Google access token.");
        }

        // gcloud's overrides end with '/'; without it a relative path would replace the last segment.
        var withSlash = uri.AbsoluteUri.EndsWith('/') ? uri : new Uri(uri.AbsoluteUri + "/");
        log.Verbose("  {0} {1} (environment)", variable, withSlash);
        return withSlash;
    }
}
