using System.Reflection;

namespace Cake.Frosting.Internal;

internal static class TaskNames
{
    public static string Of(Type taskType) => taskType.GetCustomAttribute<TaskNameAttribute>()?.Name ?? taskType.Name;

    public static IEnumerable<Type> DependenciesOf(Type taskType) =>
        taskType.GetCustomAttributes<IsDependentOnAttribute>().Select(attribute => attribute.Task);

    public static IEnumerable<Type> DependeesOf(Type taskType) =>
        taskType.GetCustomAttributes<IsDependeeOfAttribute>().Select(attribute => attribute.Task);
}
