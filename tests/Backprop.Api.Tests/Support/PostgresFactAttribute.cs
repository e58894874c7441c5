namespace Backprop.Api.Tests.Support;

/// <summary>
/// A test that needs PostgreSQL (replicas sharing one database, which only PostgreSQL supports, unless <see
/// cref="Needs"/> says otherwise): it runs in the suite's PostgreSQL pass (BACKPROP_TEST_POSTGRES set, as .ci/run does)
/// and is reported as skipped in the SQLite pass.
/// </summary>
public sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute()
    {
        if (TestDatabase.PostgresServer is null) Skip = SkipMessage("Replicas need PostgreSQL");
    }

    /// <summary>What the test needs PostgreSQL for, shown when it is skipped.</summary>
    public string Needs
    {
        get => field;
        set
        {
            field = value;
            if (TestDatabase.PostgresServer is null) Skip = SkipMessage(value);
        }
    } = "Replicas need PostgreSQL";

    private static string SkipMessage(string needs) =>
        $"{needs}: set {TestDatabase.ServerVariable} (see .ci/postgres.sh).";
}
