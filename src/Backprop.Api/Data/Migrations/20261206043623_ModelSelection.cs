using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Backprop.Api.Data.Migrations
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
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "FoldCount",
                table: "TrainingJobs",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<Guid>(
                name: "ParentJobId",
                table: "TrainingJobs",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<Guid>(
                name: "SearchId",
                table: "TrainingJobs",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "TrialNumber",
                table: "TrainingJobs",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "Searches",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    TenantId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    Status = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    StopReason = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true),
                    RequestJson = table.Column<string>(type: "TEXT", nullable: false),
                    MaxTrials = table.Column<int>(type: "INTEGER", nullable: false),
                    Metric = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    FinishedAt = table.Column<DateTime>(type: "TEXT", nullable: true)
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
