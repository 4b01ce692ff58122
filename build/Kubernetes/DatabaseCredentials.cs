using Cake.Core;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Cake.Core.Diagnostics;
using Cake.Core.IO;
using MlflowGke.Build.Changes;

namespace MlflowGke.Build.Kubernetes;

/// <summary>
/// The Secret mlflow-db-credentials (keys username, password) is created once with a generated password and
/// then left alone: never overwritten, never printed. Created with `kubectl create --filename=-` from JSON on
/// standard input (`kubectl create secret` would put the password on the command line).
/// </summary>
public sealed class DatabaseCredentials(IKubectl kubectl, ChangeGate changes, ICakeLog log)
{
    public const string SecretName = "mlflow-db-credentials";
    public const string UserName = "mlflow";
    private const string PasswordAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    /// <summary>URL-safe (it goes into the database URI): 32 letters and digits, about 190 bits.</summary>
    public static string GeneratePassword() => RandomNumberGenerator.GetString(PasswordAlphabet, 32);

    public async Task EnsureAsync(CancellationToken cancellationToken = default)
    {
        var existing = await kubectl.NamesAsync(new ProcessArgumentBuilder().Append("get").Append("secret").Append(SecretName).Append("--ignore-not-found"), cancellationToken);
        if (existing.Count > 0)
        {
            log.Information("Secret {0}/{1} exists; keeping its password.", kubectl.Namespace, SecretName);
            return;
        }

        await changes.MakeAsync($"create Secret {kubectl.Namespace}/{SecretName} (username {UserName}, generated password)", async () =>
        {
            var password = GeneratePassword();
            kubectl.AddSecret(password);
            var secret = new JsonObject
            {
                ["apiVersion"] = "v1",
                ["kind"] = "Secret",
                ["metadata"] = new JsonObject { ["name"] = SecretName, ["namespace"] = kubectl.Namespace },
                ["type"] = "Opaque",
                ["stringData"] = new JsonObject { ["username"] = UserName, ["password"] = password },
            };
            try
            {
                await kubectl.RunAsync(new ProcessArgumentBuilder().Append("create").Append("--filename=-"), secret.ToJsonString(), cancellationToken: cancellationToken);
            }
            catch (KubectlException exception) when (exception.IsAlreadyExists)
            {
                log.Information("Secret {0}/{1} appeared meanwhile; keeping it.", kubectl.Namespace, SecretName);
            }
        });
    }
}
