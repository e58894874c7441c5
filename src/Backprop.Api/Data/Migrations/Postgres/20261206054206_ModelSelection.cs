using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Backprop.Api.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class ModelSelection : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "Fold",
                table: "TrainingJobs",
                type: "integer",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "FoldCount",
                table: "TrainingJobs",
                type: "integer",
                nullable: true);

            migrationBuilder.AddColumn<Guid>(
                name: "ParentJobId",
                table: "TrainingJobs",
                type: "uuid",
                nullable: true);

            migrationBuilder.AddColumn<Guid>(
                name: "SearchId",
                table: "TrainingJobs",
                type: "uuid",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "TrialNumber",
                table: "TrainingJobs",
                type: "integer",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "Searches",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    TenantId = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    Status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    StopReason = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true),
                    RequestJson = table.Column<string>(type: "text", nullable: false),
                    MaxTrials = table.Column<int>(type: "integer", nullable: false),
                    Metric = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    FinishedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Searches", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_TrainingJobs_ParentJobId",
                table: "TrainingJobs",
                column: "ParentJobId");

            migrationBuilder.CreateIndex(
                name: "IX_TrainingJobs_SearchId_TrialNumber",
                table: "TrainingJobs",
                columns: new[] { "SearchId", "TrialNumber" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_Searches_Status",
                table: "Searches",
                column: "Status");

            migrationBuilder.CreateIndex(
                name: "IX_Searches_TenantId_CreatedAt",
                table: "Searches",
                columns: new[] { "TenantId", "CreatedAt" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "Searches");

            migrationBuilder.DropIndex(
                name: "IX_TrainingJobs_ParentJobId",
                table: "TrainingJobs");

            migrationBuilder.DropIndex(
                name: "IX_TrainingJobs_SearchId_TrialNumber",
                table: "TrainingJobs");

            migrationBuilder.DropColumn(
                name: "Fold",
                table: "TrainingJobs");

            migrationBuilder.DropColumn(
                name: "FoldCount",
                table: "TrainingJobs");

            migrationBuilder.DropColumn(
                name: "ParentJobId",
                table: "TrainingJobs");

            migrationBuilder.DropColumn(
                name: "SearchId",
                table: "TrainingJobs");

            migrationBuilder.DropColumn(
                name: "TrialNumber",
                table: "TrainingJobs");
        }
    }
}
