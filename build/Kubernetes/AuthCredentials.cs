using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Cake.Core.Diagnostics;
using MlflowGke.Build.Changes;

namespace MlflowGke.Build.Kubernetes;

/// <summary>
/// The Secret <c>mlflow-auth</c> of MLflow's basic-auth app: the admin's user name and password and the Flask secret key,
/// generated once and never overwritten (every replica reads the same key), the auth database's URI (the migration Job
/// reads it), and the app's config file <c>basic_auth.ini</c> the server mounts. When the database URI changes (a new
/// login or path), only the URI and the file are rewritten; the admin and the key stay.
/// </summary>
public sealed class AuthCredentials(IKubectl kubectl, ChangeGate changes, ICakeLog log)
{
    public const string SecretName = "mlflow-auth";
    public const string AdminUsername = "admin";
    public const string UsernameKey = "admin-username";
    public const string PasswordKey = "admin-password";
    public const string SecretKeyKey = "flask-secret-key";
    public const string DatabaseUriKey = "database-uri";
    public const string ConfigFileKey = "basic_auth.ini";

    /// <summary>What a user without a permission of their own may do: MLflow's default, read everything.</summary>
    public const string DefaultPermission = "READ";

    /// <summary>Makes sure the Secret exists and holds <paramref name="databaseUri"/>.</summary>
    public async Task EnsureAsync(string databaseUri, CancellationToken cancellationToken = default)
    {
        kubectl.AddSecret(databaseUri);
        var existing = await kubectl.GetAsync("secret", SecretName, cancellationToken);
        var admin = existing == null ? null : AdminOf(existing);
        var secretKey = existing == null ? null : DatabaseCredentials.Decode(existing, SecretKeyKey);
        if (admin != null && secretKey != null && DatabaseCredentials.Decode(existing!, DatabaseUriKey) == databaseUri)
        {
            kubectl.AddSecret(admin.Password);
            kubectl.AddSecret(secretKey);
            log.Information("Secret {0}/{1} holds the admin {2} and the auth database's URI; keeping it.", kubectl.Namespace, SecretName, admin.Username);
            return;
        }

        var kept = admin != null && secretKey != null;
        admin ??= new MlflowCredentials(AdminUsername, DatabaseCredentials.GeneratePassword());
        secretKey ??= Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        kubectl.AddSecret(admin.Password);
        kubectl.AddSecret(secretKey);
        var verb = existing == null ? "create" : "replace";
        var data = new JsonObject
        {
            [UsernameKey] = admin.Username,
            [PasswordKey] = admin.Password,
            [SecretKeyKey] = secretKey,
            [DatabaseUriKey] = databaseUri,
            [ConfigFileKey] = ConfigFile(admin, databaseUri),
        };
        await changes.MakeAsync(
            kept
                ? $"replace Secret {kubectl.Namespace}/{SecretName} with the new auth database URI (admin and secret key kept)"
                : $"create Secret {kubectl.Namespace}/{SecretName} (admin {admin.Username}, generated password and Flask secret key)",
            () => DatabaseCredentials.WriteSecretAsync(kubectl, verb, SecretName, data, cancellationToken));
    }

    /// <summary>The admin's login as the Secret holds it; null when the Secret does not exist.</summary>
    public async Task<MlflowCredentials?> ReadAdminAsync(CancellationToken cancellationToken = default)
    {
        var existing = await kubectl.GetAsync("secret", SecretName, cancellationToken);
        var admin = existing == null ? null : AdminOf(existing);
        if (admin != null)
        {
            kubectl.AddSecret(admin.Password);
        }

        return admin;
    }

    /// <summary>
    /// MLflow reads the file with configparser, whose interpolation gives '%' a meaning: a percent-encoded URI is written with '%%'.
    /// The admin is created from it at the server's first start only; later changes to the file do not change the admin.
    /// </summary>
    internal static string ConfigFile(MlflowCredentials admin, string databaseUri) => new StringBuilder()
        .Append("[mlflow]\n")
        .Append($"default_permission = {DefaultPermission}\n")
        .Append($"database_uri = {databaseUri.Replace("%", "%%", StringComparison.Ordinal)}\n")
        .Append($"admin_username = {admin.Username}\n")
        .Append($"admin_password = {admin.Password}\n")
        .ToString();

    private static MlflowCredentials? AdminOf(JsonObject secret) =>
        DatabaseCredentials.Decode(secret, UsernameKey) is { } username && DatabaseCredentials.Decode(secret, PasswordKey) is { } password
            ? new MlflowCredentials(username, password)
            : null;
}

/// <summary>A login to MLflow's basic-auth app.</summary>
public sealed record MlflowCredentials(string Username, string Password)
{
    /// <summary>The HTTP basic Authorization header MLflow's basic-auth app reads.</summary>
    public AuthenticationHeaderValue Authorization() => new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Username}:{Password}")));
}
