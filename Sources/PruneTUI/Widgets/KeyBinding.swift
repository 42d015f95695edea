/// One row of an app's key table: the keys, what they do, where, and how
/// help and the hint line name them. Dispatch, the help overlay and the
/// hint line are all made from one table of these.
public struct KeyBinding<Action: Hashable & Sendable, Context: Hashable & Sendable>: Sendable {
    public var keys: [Key]
    /// How help writes the keys ("← →  h l").
    public var label: String
    /// The same in ASCII, for terminals without Unicode.
    public var asciiLabel: String
    /// The word on the hint line, or nil if the hint line leaves it out.
    public var hint: String?
    /// The sentence in help.
    public var help: String
    public var action: Action
    /// Where the binding applies (a screen, an overlay, a part of help).
    public var context: Context

    public init(
        _ keys: [Key], _ label: String, ascii: String? = nil, hint: String? = nil, _ help: String, _ action: Action,
        in context: Context
    ) {
        self.keys = keys
        self.label = label
        asciiLabel = ascii ?? label
        self.hint = hint
        self.help = help
        self.action = action
        self.context = context
    }

    /// The keys as shown: in full for help, the first form for the hint line.
    public func keyText(unicode: Bool, short: Bool) -> String {
        let text = unicode ? label : asciiLabel
        guard short else { return text }
        return text.components(separatedBy: "  ").first ?? text
    }
}
