using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Cake.Core;
using Cake.Core.Diagnostics;
using Cake.Core.IO;
using MlflowGke.Build.Changes;
using MlflowGke.Build.Settings;

namespace MlflowGke.Build.Kubernetes;

/// <summary>
/// The cluster Secrets that hold database credentials, each path with its own, so switching paths and back never
/// loses a login:
/// <list type="bullet">
/// <item><c>mlflow-db-credentials</c> (username, password): the in-cluster PostgreSQL's login, generated once, never
/// overwritten, never printed; the postgres image reads it only when it initialises its volume.</item>
/// <item><c>mlflow-backend-store</c> (uri, revision): the whole backend store URI of the current path's login, which MLflow
/// and the migration Job read as MLFLOW_BACKEND_STORE_URI. Rewritten only when the URI changes, with a new random
/// revision that Apply puts on the server's pod template so the pods restart with it.</item>
/// </list>
/// Both are written with kubectl from JSON on standard input (`kubectl create secret` would put values on the command line).
/// </summary>
public sealed class DatabaseCredentials(IKubectl kubectl, ChangeGate changes, ICakeLog log)
{
    public const string LoginSecretName = "mlflow-db-credentials";
    public const string BackendStoreSecretName = "mlflow-backend-store";

    /// <summary>The revision a plan shows for a backend store Secret it would write.</summary>
    public const string PlannedRevision = "planned";

    private const string PasswordAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    /// <summary>32 letters and digits, about 190 bits.</summary>
    public static string GeneratePassword() => RandomNumberGenerator.GetString(PasswordAlphabet, 32);

    /// <summary>
    /// Makes sure the path's login exists and <c>mlflow-backend-store</c> holds its URI; returns the Secret's revision
    /// (<see cref="PlannedRevision"/> when a plan would write it) and the login (null when a plan would generate it).
    /// </summary>
    public async Task<BackendStore> EnsureAsync(DatabaseTarget target, DatabaseLogin login, CancellationToken cancellationToken = default)
    {
        var current = target.Path == DatabasePath.InCluster ? await EnsureGeneratedLoginAsync(login.User, cancellationToken) : login;
        if (current == null)
        {
            await changes.MakeAsync($"create Secret {kubectl.Namespace}/{BackendStoreSecretName} with the URI of the generated login", () => Task.CompletedTask);
            return new BackendStore(PlannedRevision, null);
        }

        return new BackendStore(await EnsureBackendStoreAsync(target.Uri(current), current, cancellationToken), current);
    }

    /// <summary>Deletes both Secrets; only Teardown with --delete-data does, since without them the data cannot be read.</summary>
    public async Task DeleteAsync(CancellationToken cancellationToken = default)
    {
        foreach (var name in new[] { LoginSecretName, BackendStoreSecretName })
        {
            if (await kubectl.GetAsync("secret", name, cancellationToken) != null)
            {
                await changes.MakeAsync(
                    $"delete Secret {kubectl.Namespace}/{name} ({SettingNames.DeleteData}=true)",
                    () => kubectl.RunAsync(new ProcessArgumentBuilder().Append("delete").Append("secret").Append(name).Append("--ignore-not-found"), cancellationToken: cancellationToken));
            }
        }
    }

    /// <summary>The in-cluster login, created when missing; null in plan mode when it would be created.</summary>
    private async Task<DatabaseLogin?> EnsureGeneratedLoginAsync(string user, CancellationToken cancellationToken)
    {
        var existing = await kubectl.GetAsync("secret", LoginSecretName, cancellationToken);
        if (existing != null)
        {
            var stored = new DatabaseLogin(Decode(existing, "username") ?? user, Decode(existing, "password"));
            if (stored.Password != null)
            {
                kubectl.AddSecret(stored.Password);
            }

            log.Information("Secret {0}/{1} exists; keeping it{2}.", kubectl.Namespace, LoginSecretName, stored.User == user ? string.Empty : $" (username {stored.User}: PostgreSQL was initialised with it)");
            return stored;
        }

        var generated = new DatabaseLogin(user, GeneratePassword());
        kubectl.AddSecret(generated.Password!);
        DatabaseLogin? created = null;
        await changes.MakeAsync($"create Secret {kubectl.Namespace}/{LoginSecretName} (username {user}, generated password)", async () =>
        {
            try
            {
                await WriteAsync("create", LoginSecretName, new() { ["username"] = generated.User, ["password"] = generated.Password }, cancellationToken);
                created = generated;
            }
            catch (KubectlException exception) when (exception.IsAlreadyExists)
            {
                log.Information("Secret {0}/{1} appeared meanwhile; keeping it.", kubectl.Namespace, LoginSecretName);
                created = await EnsureGeneratedLoginAsync(user, cancellationToken);
            }
        });
        return created;
    }

    private async Task<string> EnsureBackendStoreAsync(string uri, DatabaseLogin login, CancellationToken cancellationToken)
    {
        kubectl.AddSecret(uri);
        if (login.Password != null)
        {
            kubectl.AddSecret(Uri.EscapeDataString(login.Password));
        }

        var existing = await kubectl.GetAsync("secret", BackendStoreSecretName, cancellationToken);
        if (existing != null && Decode(existing, "uri") == uri && Decode(existing, "revision") is { } revision)
        {
            log.Information("Secret {0}/{1} holds the URI of {2}; keeping it.", kubectl.Namespace, BackendStoreSecretName, login.User);
            return revision;
        }

        var written = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        var verb = existing == null ? "create" : "replace";
        await changes.MakeAsync(
            $"{verb} Secret {kubectl.Namespace}/{BackendStoreSecretName} with the backend store URI of {login.User} (MLflow's pods restart with it)",
            () => WriteAsync(verb, BackendStoreSecretName, new() { ["uri"] = uri, ["revision"] = written }, cancellationToken));
        return changes.IsPlan ? PlannedRevision : written;
    }

    internal static string? Decode(JsonObject secret, string key) =>
        secret["data"]?[key]?.GetValue<string>() is { } encoded ? Encoding.UTF8.GetString(Convert.FromBase64String(encoded)) : null;

    private Task WriteAsync(string verb, string name, JsonObject stringData, CancellationToken cancellationToken) =>
        WriteSecretAsync(kubectl, verb, name, stringData, cancellationToken);

    /// <summary>Creates or replaces a Secret from JSON on standard input, so no value is ever on a command line.</summary>
    internal static async Task WriteSecretAsync(IKubectl kubectl, string verb, string name, JsonObject stringData, CancellationToken cancellationToken)
    {
        var secret = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Secret",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = kubectl.Namespace },
            ["type"] = "Opaque",
            ["stringData"] = stringData,
        };
        await kubectl.RunAsync(new ProcessArgumentBuilder().Append(verb).Append("--filename=-"), secret.ToJsonString(), cancellationToken: cancellationToken);
    }
}

/// <summary>The revision of the Secret mlflow-backend-store and the login its URI holds (null when a plan would generate it).</summary>
public sealed record BackendStore(string Revision, DatabaseLogin? Login);
