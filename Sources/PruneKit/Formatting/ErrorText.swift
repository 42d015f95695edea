import Foundation

/// One plain line for any error, for the person who gave the bad input.
///
/// PruneScope's own errors already read that way and come back as they are.
/// Foundation's file errors (`NSCocoaErrorDomain Code=516 ... UserInfo=...`)
/// become "<file>: <reason>", and `DecodingError`s name the field in JSON
/// terms ("layers[2].kind: ...") instead of dumping coding paths.
public enum ErrorText {
    /// The error as one line: line breaks become spaces, control
    /// characters are escaped (see `Format.escapingControlCharacters`).
    public static func oneLine(_ error: any Error) -> String {
        Format.escapingControlCharacters(
            plain(error).split(whereSeparator: \.isNewline).joined(separator: " "))
    }

    /// The error's text without Foundation's debugging dump.
    public static func plain(_ error: any Error) -> String {
        if let decoding = error as? DecodingError { return describe(decoding) }
        // Errors of this project bridge to NSError under their own domain
        // and keep their description; only Foundation's file errors are rewritten.
        let ns = error as NSError
        guard ns.domain == NSCocoaErrorDomain || ns.domain == NSPOSIXErrorDomain else { return "\(error)" }
        let path = (ns.userInfo[NSFilePathErrorKey] as? String) ?? (ns.userInfo[NSURLErrorKey] as? URL)?.path
        var reason = cocoaReason(ns)
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            reason = String(cString: strerror(Int32(underlying.code))).lowercased()
        }
        return path.map { "\($0): \(reason)" } ?? reason
    }

    /// A `DecodingError` as "<field>: <problem>", the field written as in
    /// the JSON (`layers[2].kind`), "top level" for the whole document.
    public static func describe(_ error: DecodingError) -> String {
        func at(_ path: [any CodingKey]) -> String {
            let p = path.map { key in key.intValue.map { "[\($0)]" } ?? ".\(key.stringValue)" }.joined()
            return p.isEmpty ? "top level" : String(p.drop { $0 == "." })
        }
        switch error {
        case let .keyNotFound(key, context):
            let parent = context.codingPath.isEmpty ? "" : " in \(at(context.codingPath))"
            return "missing field \"\(key.stringValue)\"\(parent)"
        case let .typeMismatch(type, context):
            return "\(at(context.codingPath)): expected \(typeName(type))"
        case let .valueNotFound(type, context):
            return "\(at(context.codingPath)): expected \(typeName(type)), found null"
        case let .dataCorrupted(context):
            if context.codingPath.isEmpty { return "not valid JSON" }
            return "\(at(context.codingPath)): \(context.debugDescription)"
        @unknown default:
            return "cannot decode"
        }
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Bool.Type: return "true or false"
        case is Int.Type, is UInt64.Type, is Int64.Type, is UInt.Type: return "an integer"
        case is Float.Type, is Double.Type: return "a number"
        default:
            let name = "\(type)"
            if name.hasPrefix("Array") { return "a list" }
            if name.hasPrefix("Dictionary") { return "an object" }
            return "a value of type \(name)"
        }
    }

    private static func cocoaReason(_ error: NSError) -> String {
        switch CocoaError.Code(rawValue: error.code) {
        case .fileWriteFileExists: return "a file with this name already exists"
        case .fileNoSuchFile, .fileReadNoSuchFile: return "no such file or directory"
        case .fileReadNoPermission, .fileWriteNoPermission: return "permission denied"
        case .fileWriteOutOfSpace: return "no space left on the device"
        case .fileWriteVolumeReadOnly: return "the volume is read-only"
        case .fileReadCorruptFile: return "the file is damaged or not in the expected format"
        case .fileReadTooLarge: return "the file is too large"
        case .fileReadInvalidFileName, .fileWriteInvalidFileName: return "not a valid file name"
        case .fileReadUnknown: return "the file could not be read"
        case .fileWriteUnknown: return "the file could not be written"
        default: return "file operation failed (error \(error.code))"
        }
    }
}
