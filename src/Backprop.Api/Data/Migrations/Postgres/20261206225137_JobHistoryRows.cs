using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Backprop.Api.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class JobHistoryRows : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "HistoryRows",
                table: "TrainingJobs",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            // The history stored before the column existed.
            migrationBuilder.Sql("""
                UPDATE "TrainingJobs" SET "HistoryRows" =
                    (SELECT COUNT(*) FROM "EpochHistory" WHERE "EpochHistory"."JobId" = "TrainingJobs"."Id");
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "HistoryRows",
                table: "TrainingJobs");
        }
    }
}
