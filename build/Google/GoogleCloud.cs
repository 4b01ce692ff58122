using Cake.Core;
using Cake.Core.Diagnostics;

namespace MlflowGke.Build.Google;

/// <summary>The Google API clients of one run, sharing an HttpClient, the credentials and the retry policy.</summary>
public sealed class GoogleCloud : IDisposable
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(60);
    private readonly HttpClient _http;

    public GoogleCloud(GoogleEndpoints endpoints, IGoogleAccessToken token, GoogleRetryOptions retryOptions)
    {
        _http = new HttpClient { Timeout = RequestTimeout };
        Retry = new GoogleRetry(retryOptions);
        var client = new GoogleRestClient(_http, token, Retry);
        Iam = new IamApi(client, endpoints.Iam);
        ResourceManager = new ResourceManagerApi(client, endpoints.ResourceManager);
        SqlAdmin = new SqlAdminApi(client, endpoints.SqlAdmin);
    }

    public IIamApi Iam { get; }

    public IResourceManagerApi ResourceManager { get; }

    public ISqlAdminApi SqlAdmin { get; }

    public GoogleRetry Retry { get; }

    /// <summary>Endpoints and credentials from the environment (the one place that reads them), retry delays from settings.</summary>
    public static GoogleCloud Create(BuildContext context)
    {
        context.Log.Verbose("Google API endpoints:");
        var endpoints = GoogleEndpoints.FromEnvironment(context.Environment, context.Log);
        var token = GoogleAccessToken.FromEnvironment(context.Environment);
        context.Log.Verbose("Google credentials: {0}", token);
        return new GoogleCloud(endpoints, token, new GoogleRetryOptions(context.Settings.GoogleRetryDelay));
    }

    public void Dispose() => _http.Dispose();
}
