import PruneTUI

/// What a key does in the inspector.
public enum InspectorAction: Hashable, Sendable {
    case quit, help, nextTheme
    /// ↑ ↓ and friends: the list's own key handling.
    case select
    /// ← → and friends: the slider's own key handling.
    case slider
    case fold, filter, clearFilter
    case include, exclude, toggleDefaults, scope, twoOfFour, criteria, export, logScale
    // Inside help.
    case scrollHelp, closeHelp
}

/// The inspector's one table of keys: dispatch, the help overlay and the
/// hint line are all made from it.
public enum InspectorKeys {
    /// The part of help a binding is listed in; all but `.help` act on the main screen.
    public enum Section: String, Hashable, Sendable, CaseIterable {
        case list = "List"
        case pruning = "Pruning (magnitude)"
        case view = "View"
        case help = "In this help"
    }

    /// Where a binding applies: the main screen, or the help overlay.
    public enum Context: Hashable, Sendable { case main, help }

    /// A row of the inspector's key table; its context is the part of help it is listed in.
    public typealias Binding = KeyBinding<InspectorAction, Section>

    private static func bind(
        _ keys: [Key], _ label: String, ascii: String? = nil, hint: String? = nil, _ help: String,
        _ action: InspectorAction, in section: Section
    ) -> Binding {
        Binding(keys, label, ascii: ascii, hint: hint, help, action, in: section)
    }

    public static let table: [Binding] = [
        bind(
            [.up, .down, .char("j"), .char("k"), .pageUp, .pageDown], "↑ ↓  j k  PgUp PgDn", ascii: "^ v  j k  PgUp PgDn",
            hint: "select", "select a tensor or group", .select, in: .list),
        bind([.enter, .char(" ")], "Enter  Space", hint: "fold", "fold / open a group", .fold, in: .list),
        bind([.char("/")], "/", hint: "filter", "filter by text or glob (* ?)", .filter, in: .list),
        bind([.escape], "Esc", "clear the filter", .clearFilter, in: .list),
        bind(
            [.left, .right, .char("h"), .char("l")], "← →  h l", ascii: "<- ->  h l", hint: "sparsity",
            "target sparsity, a point at a time", .slider, in: .pruning),
        bind(
            [.shiftLeft, .shiftRight, .char("<"), .char(">"), .char(","), .char(".")], "⇧← ⇧→  < >", ascii: "S-<- S->  < >",
            "target sparsity, a tenth of a point at a time", .slider, in: .pruning),
        bind([.home, .end], "Home End", "target sparsity to either end", .slider, in: .pruning),
        bind([.char("g")], "g", hint: "scope", "one global ranking / each tensor alone", .scope, in: .pruning),
        bind([.char("n")], "n", hint: "2:4", "2:4 semi-structured / a sparsity", .twoOfFour, in: .pruning),
        bind([.char("i")], "i", hint: "include", "add an include pattern (glob or re:regex)", .include, in: .pruning),
        bind([.char("x")], "x", hint: "exclude", "add an exclude pattern (wins over include)", .exclude, in: .pruning),
        bind(
            [.char("D")], "D", "default rules on/off (2-D weights, conv kernels)",
            .toggleDefaults, in: .pruning),
        bind([.char("c")], "c", "why other criteria are not offered", .criteria, in: .pruning),
        bind([.char("e")], "e", hint: "export", "export the pruned checkpoint", .export, in: .pruning),
        bind([.char("L")], "L", "histogram counts linear / log", .logScale, in: .view),
        bind([.char("T")], "T", "next theme", .nextTheme, in: .view),
        bind([.char("?")], "?", hint: "help", "this help", .help, in: .view),
        bind([.char("q"), .ctrl("c")], "q  Ctrl-C", ascii: "q  ^C", hint: "quit", "quit (stops reading statistics)", .quit, in: .view),
        bind(
            [.up, .down, .char("j"), .char("k"), .pageUp, .pageDown, .home, .end], "↑ ↓  PgUp PgDn", ascii: "^ v  PgUp PgDn",
            "scroll", .scrollHelp, in: .help),
        bind([.escape, .char("?"), .char("q")], "Esc  ?  q", "close help", .closeHelp, in: .help),
    ]

    /// What the mouse does (help; the handling is in the update).
    public static let mouse: [(what: String, does: String)] = [
        ("click a row", "select it"),
        ("wheel on the list", "move the selection"),
        ("click or drag on the slider", "set the target sparsity there"),
        ("wheel on the slider", "a tenth of a point per notch"),
        ("wheel in this help", "scroll"),
    ]

    /// The binding of `key` in `context`.
    public static func binding(for key: Key, in context: Context) -> Binding? {
        table.first { Self.context(of: $0) == context && $0.keys.contains(key) }
    }

    /// All but the help section's bindings act on the main screen.
    static func context(of binding: Binding) -> Context { binding.context == .help ? .help : .main }

    /// The hint line: help and quit first, then the other hinted bindings in table order.
    public static func hints(unicode: Bool) -> [(key: String, action: String)] {
        let hinted = table.filter { context(of: $0) == .main && $0.hint != nil }
        let first: Set<InspectorAction> = [.help, .quit]
        let ordered = hinted.filter { first.contains($0.action) } + hinted.filter { !first.contains($0.action) }
        return ordered.map { ($0.keyText(unicode: unicode, short: true), $0.hint ?? "") }
    }

    /// Help: one section per part of the table, then the mouse.
    public static func helpSections(unicode: Bool) -> [HelpOverlay.Section] {
        var sections = Section.allCases.map { section in
            HelpOverlay.Section(
                section.rawValue, table.filter { $0.context == section }.map { ($0.keyText(unicode: unicode, short: false), $0.help) })
        }
        sections.append(HelpOverlay.Section("Mouse", mouse.map { ($0.what, $0.does) }))
        return sections
    }

    /// The help overlay.
    static func help(unicode: Bool) -> HelpOverlay {
        HelpOverlay(title: "Inspecting a checkpoint", sections: helpSections(unicode: unicode))
    }
}
