using System;
using System.Collections.Generic;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Backprop.Api.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "ApiKeys",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    TenantId = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    Prefix = table.Column<string>(type: "character varying(12)", maxLength: 12, nullable: false),
                    Hash = table.Column<byte[]>(type: "bytea", maxLength: 32, nullable: false),
                    IsDevelopment = table.Column<bool>(type: "boolean", nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    RevokedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ApiKeys", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "Datasets",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    TenantId = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    Task = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    TargetColumn = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    FeatureNames = table.Column<List<string>>(type: "text[]", nullable: false),
                    ClassNames = table.Column<List<string>>(type: "text[]", nullable: true),
                    RowCount = table.Column<int>(type: "integer", nullable: false),
                    FeatureCount = table.Column<int>(type: "integer", nullable: false),
                    ClassCount = table.Column<int>(type: "integer", nullable: false),
                    SizeBytes = table.Column<long>(type: "bigint", nullable: false),
                    ProfileJson = table.Column<string>(type: "text", nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Datasets", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "Models",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    TenantId = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    Source = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    Task = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    InputWidth = table.Column<int>(type: "integer", nullable: false),
                    OutputWidth = table.Column<int>(type: "integer", nullable: false),
                    ParameterCount = table.Column<long>(type: "bigint", nullable: false),
                    ArchitectureJson = table.Column<string>(type: "text", nullable: false),
                    DetailsJson = table.Column<string>(type: "text", nullable: false),
                    JobId = table.Column<Guid>(type: "uuid", nullable: true),
                    DatasetId = table.Column<Guid>(type: "uuid", nullable: true),
                    NetworkId = table.Column<Guid>(type: "uuid", nullable: true),
                    WarmStartModelId = table.Column<Guid>(type: "uuid", nullable: true),
                    Seed = table.Column<long>(type: "bigint", nullable: true),
                    Epochs = table.Column<int>(type: "integer", nullable: true),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Models", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "Networks",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    TenantId = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    InputWidth = table.Column<int>(type: "integer", nullable: false),
                    OutputWidth = table.Column<int>(type: "integer", nullable: false),
                    LayerCount = table.Column<int>(type: "integer", nullable: false),
                    ParameterCount = table.Column<long>(type: "bigint", nullable: false),
                    DefinitionJson = table.Column<string>(type: "text", nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Networks", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "TrainingJobs",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    TenantId = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    NetworkId = table.Column<Guid>(type: "uuid", nullable: false),
                    DatasetId = table.Column<Guid>(type: "uuid", nullable: false),
                    WarmStartModelId = table.Column<Guid>(type: "uuid", nullable: true),
                    Status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    Epoch = table.Column<int>(type: "integer", nullable: false),
                    Epochs = table.Column<int>(type: "integer", nullable: false),
                    TrainLoss = table.Column<double>(type: "double precision", nullable: true),
                    ValidationLoss = table.Column<double>(type: "double precision", nullable: true),
                    BestTrainLoss = table.Column<double>(type: "double precision", nullable: true),
                    BestValidationLoss = table.Column<double>(type: "double precision", nullable: true),
                    BestEpoch = table.Column<int>(type: "integer", nullable: true),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    StartedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    FinishedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    FailureReason = table.Column<string>(type: "text", nullable: true),
                    StopReason = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true),
                    ModelId = table.Column<Guid>(type: "uuid", nullable: true),
                    RequestJson = table.Column<string>(type: "text", nullable: false),
                    NetworkJson = table.Column<string>(type: "text", nullable: false),
                    Seed = table.Column<long>(type: "bigint", nullable: false),
                    Attempt = table.Column<int>(type: "integer", nullable: false),
                    StalledAttempts = table.Column<int>(type: "integer", nullable: false),
                    LeaseOwner = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: true),
                    LeaseExpiresAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    CancelRequested = table.Column<bool>(type: "boolean", nullable: false),
                    ContinuesModelId = table.Column<Guid>(type: "uuid", nullable: true),
                    InitialEpoch = table.Column<int>(type: "integer", nullable: false),
                    DiagnosticsJson = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_TrainingJobs", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "DatasetContents",
                columns: table => new
                {
                    DatasetId = table.Column<Guid>(type: "uuid", nullable: false),
                    Data = table.Column<byte[]>(type: "bytea", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_DatasetContents", x => x.DatasetId);
                    table.ForeignKey(
                        name: "FK_DatasetContents_Datasets_DatasetId",
                        column: x => x.DatasetId,
                        principalTable: "Datasets",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "ModelBlobs",
                columns: table => new
                {
                    ModelId = table.Column<Guid>(type: "uuid", nullable: false),
                    Model = table.Column<byte[]>(type: "bytea", nullable: false),
                    Snapshot = table.Column<byte[]>(type: "bytea", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ModelBlobs", x => x.ModelId);
                    table.ForeignKey(
                        name: "FK_ModelBlobs_Models_ModelId",
                        column: x => x.ModelId,
                        principalTable: "Models",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "EpochHistory",
                columns: table => new
                {
                    JobId = table.Column<Guid>(type: "uuid", nullable: false),
                    Epoch = table.Column<int>(type: "integer", nullable: false),
                    TenantId = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    TrainLoss = table.Column<double>(type: "double precision", nullable: true),
                    ValidationLoss = table.Column<double>(type: "double precision", nullable: true),
                    TrainAccuracy = table.Column<double>(type: "double precision", nullable: true),
                    ValidationAccuracy = table.Column<double>(type: "double precision", nullable: true),
                    TrainRmse = table.Column<double>(type: "double precision", nullable: true),
                    ValidationRmse = table.Column<double>(type: "double precision", nullable: true),
                    TrainR2 = table.Column<double>(type: "double precision", nullable: true),
                    ValidationR2 = table.Column<double>(type: "double precision", nullable: true),
                    LearningRate = table.Column<double>(type: "double precision", nullable: true),
                    LayersJson = table.Column<string>(type: "text", nullable: false),
                    DurationMs = table.Column<double>(type: "double precision", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_EpochHistory", x => new { x.JobId, x.Epoch });
                    table.ForeignKey(
                        name: "FK_EpochHistory_TrainingJobs_JobId",
                        column: x => x.JobId,
                        principalTable: "TrainingJobs",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "JobCheckpoints",
                columns: table => new
                {
                    JobId = table.Column<Guid>(type: "uuid", nullable: false),
                    TenantId = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Epoch = table.Column<int>(type: "integer", nullable: false),
                    Snapshot = table.Column<byte[]>(type: "bytea", nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_JobCheckpoints", x => x.JobId);
                    table.ForeignKey(
                        name: "FK_JobCheckpoints_TrainingJobs_JobId",
                        column: x => x.JobId,
                        principalTable: "TrainingJobs",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_ApiKeys_Prefix",
                table: "ApiKeys",
                column: "Prefix");

            migrationBuilder.CreateIndex(
                name: "IX_ApiKeys_TenantId_CreatedAt",
                table: "ApiKeys",
                columns: new[] { "TenantId", "CreatedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_Datasets_TenantId_CreatedAt",
                table: "Datasets",
                columns: new[] { "TenantId", "CreatedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_Models_TenantId_CreatedAt",
                table: "Models",
                columns: new[] { "TenantId", "CreatedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_Networks_TenantId_CreatedAt",
                table: "Networks",
                columns: new[] { "TenantId", "CreatedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_TrainingJobs_DatasetId",
                table: "TrainingJobs",
                column: "DatasetId");

            migrationBuilder.CreateIndex(
                name: "IX_TrainingJobs_Status",
                table: "TrainingJobs",
                column: "Status");

            migrationBuilder.CreateIndex(
                name: "IX_TrainingJobs_TenantId_CreatedAt",
                table: "TrainingJobs",
                columns: new[] { "TenantId", "CreatedAt" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "ApiKeys");

            migrationBuilder.DropTable(
                name: "DatasetContents");

            migrationBuilder.DropTable(
                name: "EpochHistory");

            migrationBuilder.DropTable(
                name: "JobCheckpoints");

            migrationBuilder.DropTable(
                name: "ModelBlobs");

            migrationBuilder.DropTable(
                name: "Networks");

            migrationBuilder.DropTable(
                name: "Datasets");

            migrationBuilder.DropTable(
                name: "TrainingJobs");

            migrationBuilder.DropTable(
                name: "Models");
        }
    }
}
