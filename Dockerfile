# Build with the .NET 10 SDK, run on the ASP.NET Core 10 runtime as a non-root user.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY Directory.Build.props Directory.Packages.props appsettings.json ./
COPY src/Backprop.Core/Backprop.Core.csproj src/Backprop.Core/
COPY src/Backprop.Api/Backprop.Api.csproj src/Backprop.Api/
RUN dotnet restore src/Backprop.Api/Backprop.Api.csproj
COPY src/ src/
RUN dotnet publish src/Backprop.Api/Backprop.Api.csproj -c Release -o /app --no-restore

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
COPY --from=build /app ./
# The SQLite file lives in /app/data (ConnectionStrings:Backprop = data/backprop.db, relative to the content root /app).
RUN mkdir -p /app/data && chown -R $APP_UID /app/data
USER $APP_UID
ENV ASPNETCORE_HTTP_PORTS=8080
EXPOSE 8080
VOLUME ["/app/data"]
ENTRYPOINT ["dotnet", "Backprop.Api.dll"]
