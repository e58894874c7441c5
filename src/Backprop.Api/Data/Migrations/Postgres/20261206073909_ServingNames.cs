using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Backprop.Api.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class ServingNames : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "ServingName",
                table: "Models",
                type: "character varying(64)",
                maxLength: 64,
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_Models_TenantId_ServingName",
                table: "Models",
                columns: new[] { "TenantId", "ServingName" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Models_TenantId_ServingName",
                table: "Models");

            migrationBuilder.DropColumn(
                name: "ServingName",
                table: "Models");
        }
    }
}
