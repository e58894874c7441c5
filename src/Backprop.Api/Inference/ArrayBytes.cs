using System.Buffers;
using System.Runtime.InteropServices;

namespace Backprop.Api.Inference;

/// <summary>
/// An array of numbers seen as its bytes (little-endian on every platform .NET runs on here), as
/// <see cref="Memory{T}"/>: lets protobuf's <c>UnsafeByteOperations.UnsafeWrap</c> send a response's output
/// arrays as raw_output_contents without copying them. Only for arrays that nothing writes to afterwards.
/// </summary>
public sealed class ArrayBytes<T>(T[] array) : MemoryManager<byte> where T : unmanaged
{
    public override Span<byte> GetSpan() => MemoryMarshal.AsBytes(array.AsSpan());

    public override unsafe MemoryHandle Pin(int elementIndex = 0)
    {
        var handle = GCHandle.Alloc(array, GCHandleType.Pinned);
        return new MemoryHandle((byte*)handle.AddrOfPinnedObject() + elementIndex, handle, this);
    }

    public override void Unpin()
    {
        // The GCHandle in the MemoryHandle is freed when the handle is disposed.
    }

    protected override void Dispose(bool disposing)
    {
        // Nothing to release: the array belongs to the garbage collector.
    }
}
