import CZlib

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Raw deflate expansion (via zlib), in pieces: a member is never expanded
/// further than the caller asks, and never into more memory than it gives.
enum Inflater {
    /// Deflate cannot expand better than about 1032:1; any claim beyond is a lie.
    static let maximumRatio = 1032

    struct Failure: Error {
        let problem: String
    }

    /// One raw deflate stream being expanded piece by piece.
    ///
    /// A class because zlib's state points back at its `z_stream`, which must
    /// therefore stay at one address (allocated here, freed in `deinit`).
    final class Stream {
        private let stream: UnsafeMutablePointer<z_stream>
        private let source: UnsafeRawBufferPointer
        private var fed = 0
        /// Bytes produced so far.
        private(set) var produced = 0
        /// True once the deflate stream's final block has ended.
        private(set) var finished = false

        /// Starts expanding `source`, which must stay valid while the stream is used.
        init(_ source: UnsafeRawBufferPointer) throws(Failure) {
            self.source = source
            stream = .allocate(capacity: 1)
            stream.initialize(to: z_stream())
            guard ps_inflate_init_raw(stream) == Z_OK else {
                stream.deallocate()
                throw Failure(problem: "cannot start zlib")
            }
        }

        deinit {
            inflateEnd(stream)
            stream.deallocate()
        }

        /// Compressed bytes consumed so far.
        var consumed: Int { fed - Int(stream.pointee.avail_in) }

        /// Fills `target` from the stream; returns how many bytes it wrote,
        /// fewer than `target.count` only when the stream has finished.
        func read(into target: UnsafeMutableRawBufferPointer) throws(Failure) -> Int {
            let chunk = Int(UInt32.max / 2)
            var written = 0
            while written < target.count, !finished {
                if stream.pointee.avail_in == 0, fed < source.count, let base = source.baseAddress {
                    let take = min(chunk, source.count - fed)
                    stream.pointee.next_in = UnsafeMutablePointer(mutating: (base + fed).assumingMemoryBound(to: Bytef.self))
                    stream.pointee.avail_in = UInt32(take)
                    fed += take
                }
                let give = min(chunk, target.count - written)
                stream.pointee.next_out = (target.baseAddress! + written).assumingMemoryBound(to: Bytef.self)
                stream.pointee.avail_out = UInt32(give)
                let status = CZlib.inflate(stream, Z_NO_FLUSH)
                let made = give - Int(stream.pointee.avail_out)
                written += made
                produced += made
                switch status {
                case Z_STREAM_END:
                    finished = true
                case Z_OK:
                    continue
                case Z_BUF_ERROR where stream.pointee.avail_in == 0 && fed >= source.count:
                    throw Failure(problem: "compressed data ends early")
                case Z_BUF_ERROR:
                    throw Failure(problem: "compressed data is corrupt")
                default:
                    let message = stream.pointee.msg.map { String(cString: $0) } ?? "error \(status)"
                    throw Failure(problem: "compressed data is corrupt (\(message))")
                }
            }
            return written
        }

        /// The next `count` bytes of the stream (fewer if it ends first).
        func readBytes(_ count: Int) throws(Failure) -> [UInt8] {
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: count, alignment: 1)
            defer { buffer.deallocate() }
            let got = try read(into: buffer)
            return [UInt8](buffer[0..<got])
        }

        /// After `expected` bytes were read: the problem if the stream goes on
        /// past them, ends short of them, or ends before its compressed data
        /// does (a compressed size that disagrees with the stream); nil if
        /// all agree.
        func endProblem(expected: Int) throws(Failure) -> String? {
            if !finished {
                if try readBytes(1).count > 0 { return "expands beyond its declared \(expected) bytes" }
            }
            if produced != expected { return "expands to \(produced) bytes, declared \(expected)" }
            if consumed != source.count {
                return "deflate stream ends after \(consumed) of its declared \(source.count) compressed bytes"
            }
            return nil
        }
    }

    /// CRC-32 (zip's checksum) of `bytes`, continuing from `crc` (0 to start).
    static func crc32(_ bytes: UnsafeRawBufferPointer, continuing crc: UInt32 = 0) -> UInt32 {
        var value = uLong(crc)
        var p = 0
        while p < bytes.count {
            let take = min(1 << 30, bytes.count - p)
            value = CZlib.crc32(value, bytes.baseAddress!.advanced(by: p).assumingMemoryBound(to: Bytef.self), uInt(take))
            p += take
        }
        return UInt32(truncatingIfNeeded: value)
    }

    /// Bytes of physical memory on this machine (a bound for expansion).
    static var physicalMemory: Int {
        let pages = sysconf(Int32(_SC_PHYS_PAGES)), size = sysconf(Int32(_SC_PAGESIZE))
        guard pages > 0, size > 0 else { return Int.max }
        return pages.multipliedReportingOverflow(by: size).overflow ? Int.max : pages * size
    }
}
