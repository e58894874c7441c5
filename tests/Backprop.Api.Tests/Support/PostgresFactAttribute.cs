namespace Backprop.Api.Tests.Support;

/// <summary>
/// A test of replicas sharing one database, which only PostgreSQL supports: it runs in the suite's PostgreSQL pass
/// (BACKPROP_TEST_POSTGRES set, as .ci/run does) and is reported as skipped in the SQLite pass.
/// </summary>
public sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute()
    {
        if (TestDatabase.PostgresServer is null)
            Skip = $"Replicas need PostgreSQL: set {TestDatabase.ServerVariable} (see .ci/postgres.sh).";
    }
}
