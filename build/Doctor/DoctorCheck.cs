namespace MlflowGke.Build.Doctor;

public sealed record DoctorCheck(string Name, bool Passed, string Detail, string Fix, bool Required = true)
{
    public string Status => Passed ? "pass" : Required ? "FAIL" : "warn";
}
