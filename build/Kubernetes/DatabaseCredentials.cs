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
/// The Secret mlflow-db-credentials (keys username, password). With a generated password it is created once and then
/// left alone: never overwritten, never printed. With a password from the settings (Cloud SQL) the settings are the
/// source of truth and the Secret is brought in line with them. Written with kubectl from JSON on standard input
/// (`kubectl create secret` would put the password on the command line).
/// </summary>
public sealed class DatabaseCredentials(IKubectl kubectl, ChangeGate changes, ICakeLog log)
{
    public const string SecretName = "mlflow-db-credentials";
    private const string PasswordAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    /// <summary>URL-safe (it goes into the database URI): 32 letters and digits, about 190 bits.</summary>
    public static string GeneratePassword() => RandomNumberGenerator.GetString(PasswordAlphabet, 32);

    public async Task EnsureAsync(DatabaseLogin login, CancellationToken cancellationToken = default)
    {
        if (login.Password != null)
        {
            kubectl.AddSecret(login.Password);
        }

        var existing = await kubectl.GetAsync("secret", SecretName, cancellationToken);
        if (existing == null)
        {
            var source = login.Password == null ? "generated password" : "password from DB_PASSWORD";
            await changes.MakeAsync($"create Secret {kubectl.Namespace}/{SecretName} (username {login.User}, {source})", async () =>
            {
                try
                {
                    await WriteAsync("create", login with { Password = login.Password ?? GeneratePassword() }, cancellationToken);
                }
                catch (KubectlException exception) when (exception.IsAlreadyExists)
                {
                    log.Information("Secret {0}/{1} appeared meanwhile; keeping it.", kubectl.Namespace, SecretName);
                }
            });
            return;
        }

        if (login.Password == null || Matches(existing, login))
        {
            log.Information("Secret {0}/{1} exists; keeping it.", kubectl.Namespace, SecretName);
            return;
        }

        await changes.MakeAsync(
            $"update Secret {kubectl.Namespace}/{SecretName} to the login in DB_USER/DB_PASSWORD (username {login.User})",
            () => WriteAsync("replace", login, cancellationToken));
    }

    /// <summary>Deletes the Secret; only Teardown with --delete-data does, since without it the data cannot be read.</summary>
    public async Task DeleteAsync(CancellationToken cancellationToken = default)
    {
        if (await kubectl.GetAsync("secret", SecretName, cancellationToken) != null)
        {
            await changes.MakeAsync(
                $"delete Secret {kubectl.Namespace}/{SecretName} ({SettingNames.DeleteData}=true)",
                () => kubectl.RunAsync(new ProcessArgumentBuilder().Append("delete").Append("secret").Append(SecretName).Append("--ignore-not-found"), cancellationToken: cancellationToken));
        }
    }

    private static bool Matches(JsonObject secret, DatabaseLogin login) =>
        Decode(secret, "username") == login.User && Decode(secret, "password") == login.Password;

    private static string? Decode(JsonObject secret, string key) =>
        secret["data"]?[key]?.GetValue<string>() is { } encoded ? Encoding.UTF8.GetString(Convert.FromBase64String(encoded)) : null;

    private async Task WriteAsync(string verb, DatabaseLogin login, CancellationToken cancellationToken)
    {
        kubectl.AddSecret(login.Password!);
        var secret = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Secret",
            ["metadata"] = new JsonObject { ["name"] = SecretName, ["namespace"] = kubectl.Namespace },
            ["type"] = "Opaque",
            ["stringData"] = new JsonObject { ["username"] = login.User, ["password"] = login.Password },
        };
        await kubectl.RunAsync(new ProcessArgumentBuilder().Append(verb).Append("--filename=-"), secret.ToJsonString(), cancellationToken: cancellationToken);
    }
}
