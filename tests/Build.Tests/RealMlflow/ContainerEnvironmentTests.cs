using System.Text;
using System.Text.Json.Nodes;

namespace MlflowGke.Build.Tests.RealMlflow;

public sealed class ContainerEnvironmentTests
{
    private static readonly AppliedObjects Objects = new([
        Item("ConfigMap", "config", new JsonObject { ["DB_HOST"] = "postgres", ["PORT"] = "5432" }),
        Item("Secret", "credentials", new JsonObject { ["password"] = Convert.ToBase64String(Encoding.UTF8.GetBytes("p@ss $(X)")) }),
        new JsonObject
        {
            ["kind"] = "Service",
            ["metadata"] = new JsonObject { ["name"] = "cloudsql-proxy", ["namespace"] = "mlflow" },
            ["spec"] = new JsonObject { ["clusterIP"] = "10.0.0.7", ["ports"] = new JsonArray(new JsonObject { ["name"] = "db", ["port"] = 5432 }) },
        },
    ]);

    [Test]
    public void Key_references_are_taken_as_they_are_and_literal_values_expand_earlier_variables()
    {
        // Given
        var container = Container("""
            [
              {"name": "HOST", "valueFrom": {"configMapKeyRef": {"name": "config", "key": "DB_HOST"}}},
              {"name": "PASSWORD", "valueFrom": {"secretKeyRef": {"name": "credentials", "key": "password"}}},
              {"name": "ADDRESS", "value": "$(HOST):$(LATER)"},
              {"name": "LATER", "value": "1"}
            ]
            """);

        // When
        var environment = ContainerEnvironment.Resolve(new JsonObject(), container, "mlflow", Objects);

        // Then
        Assert.That(
            new[] { environment["HOST"], environment["PASSWORD"], environment["ADDRESS"] },
            Is.EqualTo(new[] { "postgres", "p@ss $(X)", "postgres:$(LATER)" }));
    }

    [Test]
    public void Services_of_the_namespace_become_docker_link_variables()
    {
        // When
        var environment = ContainerEnvironment.Resolve(new JsonObject(), Container("[]"), "mlflow", Objects);

        // Then
        Assert.That(environment, Is.EquivalentTo(new Dictionary<string, string>
        {
            ["CLOUDSQL_PROXY_SERVICE_HOST"] = "10.0.0.7",
            ["CLOUDSQL_PROXY_SERVICE_PORT"] = "5432",
            ["CLOUDSQL_PROXY_SERVICE_PORT_DB"] = "5432",
            ["CLOUDSQL_PROXY_PORT"] = "tcp://10.0.0.7:5432",
            ["CLOUDSQL_PROXY_PORT_5432_TCP"] = "tcp://10.0.0.7:5432",
            ["CLOUDSQL_PROXY_PORT_5432_TCP_PROTO"] = "tcp",
            ["CLOUDSQL_PROXY_PORT_5432_TCP_PORT"] = "5432",
            ["CLOUDSQL_PROXY_PORT_5432_TCP_ADDR"] = "10.0.0.7",
        }));
    }

    [Test]
    public void Without_service_links_only_the_containers_own_variables_are_set()
    {
        // When
        var environment = ContainerEnvironment.Resolve(new JsonObject { ["enableServiceLinks"] = false }, Container("""[{"name": "A", "value": "1"}]"""), "mlflow", Objects);

        // Then
        Assert.That(environment.Keys, Is.EqualTo(new[] { "A" }));
    }

    [Test]
    public void A_missing_key_stops_the_container_as_CreateContainerConfigError()
    {
        // Given
        var container = Container("""[{"name": "X", "valueFrom": {"configMapKeyRef": {"name": "config", "key": "MISSING"}}}]""");

        // When
        var failure = Assert.Throws<InvalidOperationException>(() => ContainerEnvironment.Resolve(new JsonObject(), container, "mlflow", Objects));

        // Then
        Assert.That(failure!.Message, Is.EqualTo("CreateContainerConfigError: couldn't find key MISSING in ConfigMap mlflow/config"));
    }

    private static JsonObject Container(string env) => new() { ["name"] = "c", ["env"] = JsonNode.Parse(env) };

    private static JsonObject Item(string kind, string name, JsonObject data) => new()
    {
        ["kind"] = kind,
        ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = "mlflow" },
        ["data"] = data,
    };
}
