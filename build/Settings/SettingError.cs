namespace MlflowGke.Build.Settings;

public sealed record SettingError(SettingDefinition Definition, string? Value, string Problem)
{
    public string Message => Value == null
        ? $"{Definition.Name} is required: {Problem}. Set it with {Definition.HowToSet}."
        : $"{Definition.Name}='{Definition.Printable(Value)}': {Problem}. Set it with {Definition.HowToSet}.";
}
