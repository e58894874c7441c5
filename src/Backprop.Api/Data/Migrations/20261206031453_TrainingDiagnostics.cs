using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Backprop.Api.Data.Migrations
{
    /// <inheritdoc />
    public partial class TrainingDiagnostics : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "DiagnosticsJson",
                table: "TrainingJobs",
                type: "TEXT",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "DiagnosticsJson",
                table: "TrainingJobs");
        }
    }
}
