using Backprop.Api.Dashboard;
using Backprop.Api.Data;
using Backprop.Api.Datasets;
using Backprop.Api.Jobs;
using Backprop.Api.Models;
using Backprop.Api.Networks;
using Backprop.Api.Predictions;
using Backprop.Api.Security;
using Backprop.Api.Selection;

var builder = WebApplication.CreateBuilder(args);
builder.Configuration.AddLinkedAppSettings(builder.Environment);

builder.Services.AddWebApi(builder.Configuration);
builder.Services.AddPersistence(builder.Configuration, builder.Environment);
builder.Services.AddDatasets(builder.Configuration);
builder.Services.AddJobs(builder.Configuration);
builder.Services.AddSelection(builder.Configuration);
builder.Services.AddPredictions(builder.Configuration);
builder.Services.AddSecurity(builder.Configuration);
builder.Services.WithoutDataProtectionAtStart();

var app = builder.Build();

await app.MigrateDatabaseAsync();

app.UseExceptionHandler();
app.UseRequestShapeLimits();
app.UseStatusCodePages();
app.MapApiDocumentation();
app.UseDashboard();
app.UseSecurity();
app.MapHealth();

var api = app.MapGroup("/api");
api.MapNetworksApi();
api.MapDatasetsApi();
api.MapJobsApi();
api.MapSearchesApi();
api.MapModelsApi();
api.MapPredictionsApi();
api.MapAdminKeysApi();
api.MapWhoAmIApi();

app.Run();

/// <summary>Entry point; public so the integration tests' WebApplicationFactory can find it.</summary>
public partial class Program;
