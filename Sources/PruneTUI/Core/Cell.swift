/// One terminal cell: a character and its style.
///
/// A double-width character occupies its cell and the next, which holds
/// `Cell.continuationScalar` and is skipped by drivers and text output.
public struct Cell: Hashable, Sendable {
    public var char: Unicode.Scalar
    public var style: Style

    public init(_ char: Unicode.Scalar = " ", style: Style = .plain) {
        self.char = char; self.style = style
    }

    /// Marks the right half of a double-width character.
    public static let continuationScalar: Unicode.Scalar = "\u{0}"
    public var isContinuation: Bool { char == Cell.continuationScalar }
}
