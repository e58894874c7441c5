#!/usr/bin/env bash
# Adds one EF Core migration NAME for both providers: SQLite (Data/Migrations) and PostgreSQL (Data/Migrations/Postgres).
# After merging branches that changed the model, delete the branch migrations of both sets (and restore each snapshot from
# main) and run this once, so that both providers get one migration each from the merged model.
set -euo pipefail
cd "$(dirname "$0")/.."
name="${1:?usage: scripts/add-migration.sh NAME}"
dotnet tool restore >/dev/null
dotnet ef migrations add "$name" --project src/Backprop.Api --context BackpropDbContext --output-dir Data/Migrations
dotnet ef migrations add "$name" --project src/Backprop.Api --context PostgresBackpropDbContext --output-dir Data/Migrations/Postgres
