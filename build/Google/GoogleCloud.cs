namespace MlflowGke.Build.Google;

/// <summary>The Google API clients of one run, sharing an HttpClient, the credentials and the retry policy.</summary>
public sealed class GoogleCloud : IDisposable
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(60);
    private readonly HttpClient _http;

    public GoogleCloud(GoogleEndpoints endpoints, IGoogleAccessToken token, GoogleRetryOptions retryOptions)
    {
        _http = new HttpClient { Timeout = RequestTimeout };
        Token = token;
        Retry = new GoogleRetry(retryOptions);
        var client = new GoogleRestClient(_http, token, Retry);
        Iam = new IamApi(client, endpoints.Iam);
        ResourceManager = new ResourceManagerApi(client, endpoints.ResourceManager);
        SqlAdmin = new SqlAdminApi(client, endpoints.SqlAdmin);
        Container = new ContainerApi(client, endpoints.Container);
    }

    public IIamApi Iam { get; }

    public IResourceManagerApi ResourceManager { get; }

    public ISqlAdminApi SqlAdmin { get; }

    public IContainerApi Container { get; }

    public GoogleRetry Retry { get; }

    /// <summary>The credentials every call uses; the preflight asks it for a token before the first task.</summary>
    public IGoogleAccessToken Token { get; }

    public void Dispose() => _http.Dispose();
}
