import Foundation
import PruneKit

/// The executable's `print`: Swift's, except that control characters other
/// than line breaks and tabs are escaped (see `Format.escapingControlCharacters`).
///
/// Names in PruneScope's output come from files (tensor names, layer and
/// model names in a spec): a crafted checkpoint must not be able to set the
/// terminal's title or clear the screen through `inspect` or `info`. Sites
/// that print a name inside a line escape it whole with
/// `CommandSupport.safe`, line breaks included; this catches the rest.
func print(_ items: Any..., separator: String = " ", terminator: String = "\n") {
    let text = items.map { "\($0)" }.joined(separator: separator)
    let isSafe = !text.unicodeScalars.contains { s in
        (s.value < 0x20 && s != "\n" && s != "\t") || (0x7F...0x9F).contains(s.value) || s.value == 0x2028 || s.value == 0x2029
    }
    if isSafe { return Swift.print(text, terminator: terminator) }
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
        line.split(separator: "\t", omittingEmptySubsequences: false)
            .map { Format.escapingControlCharacters(String($0)) }.joined(separator: "\t")
    }
    Swift.print(lines.joined(separator: "\n"), terminator: terminator)
}
