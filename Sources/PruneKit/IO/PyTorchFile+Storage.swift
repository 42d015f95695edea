/// Storage members: their bytes (in place or expanded), the check of each
/// tensor view against its storage, and the gathering of strided views.
extension PyTorchFile {
    /// Calls `body` with the expanded bytes of `member`: in place for a stored
    /// member, else a temporary buffer of exactly the declared size.
    /// - Throws: `PyTorchError.corrupt` for a bad CRC-32 or deflate stream.
    static func withMember<R>(
        _ member: ZipDirectory.Member, bytes: UnsafeRawBufferPointer, path: String, verifyCRC: Bool = true,
        _ body: (UnsafeRawBufferPointer) throws -> R
    ) throws -> R {
        let compressed = UnsafeRawBufferPointer(rebasing: bytes[member.dataOffset..<(member.dataOffset + member.compressedSize)])
        switch member.method {
        case 0:
            guard member.compressedSize == member.uncompressedSize else {
                throw PyTorchError.damaged(
                    path: path, problem: "stored member \"\(member.name)\" has different compressed and expanded sizes")
            }
            if verifyCRC, Inflater.crc32(compressed) != member.crc32 {
                throw PyTorchError.corrupt(path: path, member: member.name, problem: "CRC-32 mismatch: the data is damaged")
            }
            return try body(compressed)
        case 8:
            let size = member.uncompressedSize
            let (limit, overflow) = member.compressedSize.multipliedReportingOverflow(by: Inflater.maximumRatio)
            if overflow || size > limit + 1024 {
                throw PyTorchError.corrupt(
                    path: path, member: member.name,
                    problem: "claims \(size) bytes from \(member.compressedSize) compressed, beyond deflate's limit (zip bomb?)")
            }
            if size > Inflater.physicalMemory {
                throw PyTorchError.corrupt(
                    path: path, member: member.name, problem: "expands to \(size) bytes, more than this machine's memory")
            }
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(size, 1), alignment: 16)
            defer { buffer.deallocate() }
            do throws(Inflater.Failure) {
                let stream = try Inflater.Stream(compressed)
                _ = try stream.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<size]))
                if let problem = try stream.endProblem(expected: size) { throw Inflater.Failure(problem: problem) }
            } catch {
                throw PyTorchError.corrupt(path: path, member: member.name, problem: error.problem)
            }
            let expanded = UnsafeRawBufferPointer(rebasing: buffer[0..<size])
            guard Inflater.crc32(expanded) == member.crc32 else {
                throw PyTorchError.corrupt(path: path, member: member.name, problem: "CRC-32 mismatch: the data is damaged")
            }
            return try body(expanded)
        default:
            throw PyTorchError.damaged(
                path: path, problem: "member \"\(member.name)\": unsupported compression method \(member.method) (only stored and deflate)")
        }
    }

    /// The storage member of `view`, after checking that the member's size is
    /// the storage's and that every element of the view lies inside it.
    static func check(
        _ view: TorchTensorRef, named name: String, members: [String: ZipDirectory.Member], folder: String, path: String
    ) throws -> Entry {
        let memberName = folder + "data/" + view.storage.key
        guard let member = members[memberName] else {
            throw PyTorchError.damaged(path: path, problem: "tensor \"\(name)\": storage member \"\(memberName)\" missing")
        }
        guard let storageBytes = view.storage.byteCount, storageBytes == member.uncompressedSize else {
            throw PyTorchError.unusable(
                path: path,
                problem: "tensor \"\(name)\": storage \"\(memberName)\" is \(member.uncompressedSize) bytes, the pickle declares "
                    + "\(view.storage.count) \(view.storage.dtype.map { "\($0.rawValue) elements" } ?? "bytes")")
        }
        let size = view.dtype.byteSize
        let elementCount = view.shape.reduce(1, *)
        var contiguous = true
        var expected = 1
        for d in view.shape.indices.reversed() {
            if view.shape[d] != 1 && view.strides[d] != expected { contiguous = false }
            expected = expected &* view.shape[d]
        }
        guard elementCount > 0 else {
            return Entry(
                view: TorchTensorRef(storage: view.storage, dtype: view.dtype, offset: 0, shape: view.shape, strides: view.strides),
                member: member, contiguous: true)
        }
        // The last element's index: offset + sum((size - 1) x stride), without overflow.
        var last = view.offset
        var overflow = false
        for d in view.shape.indices {
            let (step, o1) = (view.shape[d] - 1).multipliedReportingOverflow(by: view.strides[d])
            let (sum, o2) = last.addingReportingOverflow(step)
            overflow = overflow || o1 || o2
            last = sum
        }
        let (end, o3) = (last &+ 1).multipliedReportingOverflow(by: size)
        guard !overflow, !o3, last < Int.max, end <= storageBytes else {
            throw PyTorchError.unusable(
                path: path,
                problem: "tensor \"\(name)\": its view (offset \(view.offset), shape \(view.shape), strides \(view.strides)) "
                    + "reaches past the \(storageBytes) bytes of storage \"\(memberName)\"")
        }
        return Entry(view: view, member: member, contiguous: contiguous)
    }

    /// Copies the elements of `view` from `storage` into `target` in row-major
    /// order, reversing each element's bytes when `swapBytes`. The view was
    /// checked to lie inside the storage and `target` holds exactly its elements.
    static func gather(
        _ view: TorchTensorRef, from storage: UnsafeRawBufferPointer, swapBytes: Bool, into target: UnsafeMutableRawBufferPointer
    ) {
        let size = view.dtype.byteSize
        let shape = view.shape, strides = view.strides
        guard shape.allSatisfy({ $0 > 0 }), let source = storage.baseAddress, let out = target.baseAddress else { return }
        func copy(element: Int, to position: Int) {
            let from = source + element * size, to = out + position * size
            switch (size, swapBytes) {
            // Typed moves for the common sizes: a memcpy call per element is several times slower.
            case (1, _): to.storeBytes(of: from.load(as: UInt8.self), as: UInt8.self)
            case (2, false): to.storeBytes(of: from.loadUnaligned(as: UInt16.self), as: UInt16.self)
            case (4, false): to.storeBytes(of: from.loadUnaligned(as: UInt32.self), as: UInt32.self)
            case (8, false): to.storeBytes(of: from.loadUnaligned(as: UInt64.self), as: UInt64.self)
            case (_, false): to.copyMemory(from: from, byteCount: size)
            case (_, true):
                for b in 0..<size {
                    to.storeBytes(of: from.load(fromByteOffset: size - 1 - b, as: UInt8.self), toByteOffset: b, as: UInt8.self)
                }
            }
        }
        guard let innerExtent = shape.last, let innerStride = strides.last else {
            copy(element: view.offset, to: 0)
            return
        }
        let outer = shape.count - 1
        var index = [Int](repeating: 0, count: outer)
        var base = view.offset
        var written = 0
        while true {
            if innerStride == 1 && !swapBytes {
                (out + written * size).copyMemory(from: source + base * size, byteCount: innerExtent * size)
            } else {
                for j in 0..<innerExtent { copy(element: base + j * innerStride, to: written + j) }
            }
            written += innerExtent
            var d = outer - 1
            while d >= 0 {
                index[d] += 1
                base += strides[d]
                if index[d] < shape[d] { break }
                base -= strides[d] * shape[d]
                index[d] = 0
                d -= 1
            }
            if d < 0 { return }
        }
    }
}
