using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace Backprop.Api.Datasets;

/// <summary>
/// multipart/form-data with a CSV in field 'file' and text fields name, targetColumn, task (query parameters work too).
/// Read section by section without buffering the form: the file is parsed as it streams when targetColumn came first,
/// and otherwise spooled to a temporary file until the form names it.
/// </summary>
internal static class MultipartDatasetReader
{
    private static readonly string[] Fields = ["name", "targetColumn", "task", "columnTypes", "sampleWeightColumn"];
    private const int MaxFieldLength = 4 * 1024;
    private const int MaxBoundaryLength = 70;

    public static async Task<DatasetUpload.ParsedUpload> ReadAsync(HttpRequest request, Stream body,
        DatasetOptions limits, CancellationToken ct)
    {
        var boundary = HeaderUtilities.RemoveQuotes(MediaTypeHeaderValue.Parse(request.ContentType).Boundary).Value;
        if (string.IsNullOrWhiteSpace(boundary))
            throw new InvalidDatasetException("Content-Type",
                "multipart/form-data needs a boundary parameter in Content-Type.");
        // RFC 2046 §5.1.1; MultipartReader would throw ArgumentException past its buffer
        if (boundary.Length > MaxBoundaryLength)
            throw new InvalidDatasetException("Content-Type", $"The multipart boundary is {boundary.Length} " +
                $"characters long; at most {MaxBoundaryLength} are allowed.");
        var values = Fields.ToDictionary(f => f, f => (string?)request.Query[f].ToString(),
            StringComparer.OrdinalIgnoreCase);
        // the body as a whole is capped by MaxUploadBytes
        var reader = new MultipartReader(boundary, body) { BodyLengthLimit = null };
        DatasetTable? table = null;
        string? fileName = null;
        await using var spool = new TempSpool();
        try
        {
            while (await reader.ReadNextSectionAsync(ct) is { } section)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)
                    || !disposition.DispositionType.Equals("form-data", StringComparison.OrdinalIgnoreCase))
                    throw new InvalidDatasetException("file",
                        "Every multipart section needs 'Content-Disposition: form-data; name=...'.");
                var field = HeaderUtilities.RemoveQuotes(disposition.Name).Value ?? "";
                if (field == "file")
                {
                    if (fileName is not null) throw new InvalidDatasetException("file", "Send one file per upload.");
                    fileName = HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue
                        ? disposition.FileNameStar : disposition.FileName).Value ?? "";
                    if (!string.IsNullOrWhiteSpace(values["targetColumn"])) table = await CsvDatasetReader.ReadAsync(
                        section.Body, values["targetColumn"], limits, ct);
                    else await section.Body.CopyToAsync(await spool.OpenAsync(), ct);
                }
                else if (values.ContainsKey(field))
                {
                    values[field] = await ReadFieldAsync(section, field, ct);
                }
                else
                {
                    throw new InvalidDatasetException(field, $"Unknown form field '{field}'; " +
                        $"the form has 'file' (a CSV) and optionally {string.Join(", ", Fields)}.");
                }
            }
        }
        catch (Exception e) when (e is IOException or InvalidDataException && !ct.IsCancellationRequested)
        {
            throw new InvalidDatasetException("file", $"The multipart body is malformed: {e.Message}");
        }
        if (fileName is null)
            throw new InvalidDatasetException("file",
                "The form has no 'file' field: attach the CSV as form field 'file'.");
        table ??= await CsvDatasetReader.ReadAsync(spool.Rewind(), values["targetColumn"], limits, ct);
        return new DatasetUpload.ParsedUpload(values["name"], values["task"], fileName, table,
            new ColumnSettings(ColumnSettings.ParseTypes(values["columnTypes"]),
                NullIfBlank(values["sampleWeightColumn"])));
    }

    private static string? NullIfBlank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text;

    private static async Task<string> ReadFieldAsync(MultipartSection section, string field, CancellationToken ct)
    {
        using var text = new StreamReader(section.Body);
        var buffer = new char[MaxFieldLength + 1];
        int read = await text.ReadBlockAsync(buffer, ct);
        if (read > MaxFieldLength) throw new InvalidDatasetException(field,
            $"Form field '{field}' is longer than {MaxFieldLength} characters.");
        return new string(buffer, 0, read);
    }

    /// <summary>A temporary file deleted on dispose, created only when needed.</summary>
    private sealed class TempSpool : IAsyncDisposable
    {
        private FileStream? _file;

        public Task<Stream> OpenAsync() => Task.FromResult<Stream>(_file
            ??= new FileStream(Path.Combine(Path.GetTempPath(), $"backprop-upload-{Guid.NewGuid():N}.csv"),
            FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 64 * 1024, FileOptions.DeleteOnClose
                | FileOptions.Asynchronous));

        public FileStream Rewind()
        {
            _file!.Position = 0;
            return _file;
        }

        public ValueTask DisposeAsync() => _file?.DisposeAsync() ?? ValueTask.CompletedTask;
    }
}
